"""A ChatForm conversation survives save + reopen in JupyterLab, with the kernel gone."""

from __future__ import annotations

import pytest
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

FORM = """\
import or_jupyter as orj
form = orj.ChatForm(model="emulator/assistant")
form
"""


@pytest.mark.both_frontends
def test_the_chat_form_transcript_is_visible_after_save_and_reopen(page, jupyterlab):
    write_notebook(jupyterlab.root, "form-saved.ipynb", [OFFLINE_SETUP, FORM])
    open_notebook(page, jupyterlab, "form-saved.ipynb")
    run_cell(page, 0)
    wait_for_idle(page)
    run_cell(page, 1)
    wait_for_idle(page)
    output = cell_output(page, 1)
    transcript = output.locator('.jp-OutputArea-output[data-mime-type="text/html"]').first
    for prompt, answer in (("What is 6*7?", "42"), ("And 5*5?", "25")):
        output.locator("textarea").fill(prompt)
        output.locator(".widget-button", has_text="Send").click()
        # the finished turn lands in the plain HTML output above the form's widgets
        expect(transcript.locator("strong", has_text=answer)).to_be_visible(timeout=30_000)
    expect(transcript.locator(".orj-footer")).to_have_count(2)
    save_notebook(page)

    for session in jupyterlab.api("GET", "/api/sessions"):  # the kernel that drew it is gone
        jupyterlab.api("DELETE", f"/api/sessions/{session['id']}")
    open_notebook(page, jupyterlab, "form-saved.ipynb")
    reopened = cell_output(page, 1)
    expect(reopened).to_contain_text("What is 6*7?")
    expect(reopened).to_contain_text("And 5*5?")
    expect(reopened.locator("strong", has_text="42")).to_be_visible()
    expect(reopened.locator("strong", has_text="25")).to_be_visible()
    expect(reopened.locator(".orj-footer")).to_have_count(2)
    expect(reopened.locator("textarea")).to_have_count(0)  # no widget state was saved
