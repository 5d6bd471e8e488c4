"""One stylesheet for the notebook: only the session's first answer carries it, and every
answer is styled by it, while drawn and after save + reopen with the kernel gone."""

from __future__ import annotations

from helpers.lab import (
    OFFLINE_SETUP,
    cell_output,
    open_notebook,
    run_cell,
    save_notebook,
    wait_for_idle,
    write_notebook,
)
from playwright.sync_api import expect

FIRST = "%%responses -m emulator/assistant\nWhat is 6*7?"
SECOND = "%%responses -m emulator/assistant\nAnd 5*5?"


def _footer_size_ratio(output) -> float:
    """The footer's font size over the answer text's: below 1 when the stylesheet applies."""
    return output.evaluate(
        """out => {
            const size = el => parseFloat(getComputedStyle(el).fontSize);
            return size(out.querySelector('.orj-footer')) / size(out.querySelector('p, li'));
        }"""
    )


def _style_count(page) -> int:
    return page.locator(".jp-OutputArea-output style").count()


def test_the_second_answer_is_styled_by_the_first_ones_sheet_after_reopen(page, jupyterlab):
    write_notebook(jupyterlab.root, "styles.ipynb", [OFFLINE_SETUP, FIRST, SECOND])
    open_notebook(page, jupyterlab, "styles.ipynb")
    for index in range(3):
        run_cell(page, index)
        wait_for_idle(page)
    second = cell_output(page, 2)
    expect(second.locator(".orj-footer")).to_be_visible()
    assert _style_count(page) == 1
    assert _footer_size_ratio(second) < 0.95
    save_notebook(page)

    for session in jupyterlab.api("GET", "/api/sessions"):  # the kernel that drew it is gone
        jupyterlab.api("DELETE", f"/api/sessions/{session['id']}")
    open_notebook(page, jupyterlab, "styles.ipynb")
    reopened = cell_output(page, 2)
    expect(reopened.locator(".orj-footer")).to_be_visible()
    expect(reopened).to_contain_text("25")
    assert _style_count(page) == 1
    assert _footer_size_ratio(reopened) < 0.95
