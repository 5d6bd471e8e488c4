"""A generated image in a real JupyterLab: drawn in the cell, and still there after save + reopen."""

from __future__ import annotations

from helpers.lab import (
    cell_output,
    notebook_after_setup,
    open_notebook,
    run_cell,
    save_notebook,
    wait_for_idle,
)
from playwright.sync_api import expect

DRAW = """\
%%responses -m emulator/image --image-out
A small gradient, please.
"""


def _natural_width(output) -> int:
    return output.locator(".orj-image img").first.evaluate("img => img.naturalWidth")


def test_a_generated_image_is_visible_and_survives_save_and_reopen(page, jupyterlab):
    notebook_after_setup(page, jupyterlab, "image.ipynb", DRAW)
    run_cell(page, 1)
    wait_for_idle(page)
    output = cell_output(page, 1)
    image = output.locator(".orj-image img")
    expect(image).to_have_count(1)
    expect(image).to_be_visible()
    assert _natural_width(output) == 64  # the PNG decoded: a real image, not a broken icon
    expect(output).to_contain_text("Here is a generated image")
    save_notebook(page)

    for session in jupyterlab.api("GET", "/api/sessions"):  # the kernel that drew it is gone
        jupyterlab.api("DELETE", f"/api/sessions/{session['id']}")
    open_notebook(page, jupyterlab, "image.ipynb")
    reopened = cell_output(page, 1)
    expect(reopened.locator(".orj-image img")).to_be_visible()
    assert _natural_width(reopened) == 64
