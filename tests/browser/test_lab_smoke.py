"""Smoke tests of the browser harness itself: a real JupyterLab in headless Chromium runs
cells in the venv's kernel, shows display-handle updates while a cell is still running,
renders ipywidgets and routes a click back to a Python callback."""

from __future__ import annotations

import sys
from pathlib import Path

from helpers.lab import (
    cell_output,
    open_notebook,
    run_cell,
    save_notebook,
    wait_for_idle,
    watch_output,
    write_notebook,
)
from playwright.sync_api import expect

PROGRESSIVE = """\
from IPython.display import display, HTML
import time
h = display(HTML('<b>a</b>'), display_id=True)
for i in range(5):
    time.sleep(0.3)
    h.update(HTML(f'<b>{i}</b>'))
"""

WIDGETS = """\
import ipywidgets as w
label = w.Label('clicks: 0')
button = w.Button(description='Click me')
def on_click(_):
    label.value = f"clicks: {int(label.value.split()[-1]) + 1}"
button.on_click(on_click)
w.VBox([button, label])
"""


def test_print_and_progressive_display_updates(page, jupyterlab):
    write_notebook(
        jupyterlab.root,
        "smoke.ipynb",
        ["import sys; print(6*7); print(sys.prefix)", PROGRESSIVE],
    )
    open_notebook(page, jupyterlab, "smoke.ipynb")

    run_cell(page, 0)
    expect(cell_output(page, 0)).to_contain_text("42")
    # The kernel is the venv's Python, not whatever `python` the system has.
    expect(cell_output(page, 0)).to_contain_text(str(Path(sys.prefix)))
    wait_for_idle(page)

    watch = watch_output(page, 1)
    run_cell(page, 1)
    wait_for_idle(page)
    expect(cell_output(page, 1)).to_have_text("4")

    snapshots = [s for s in watch.snapshots() if s["text"].strip()]
    texts = [s["text"].strip() for s in snapshots]
    assert texts == ["a", "0", "1", "2", "3", "4"], texts
    # Seen while the cell was still running: updates stream, not only the final state.
    assert all(s["running"] for s in snapshots[:-1]), snapshots
    save_notebook(page)


def test_widget_button_click_runs_python_callback(page, jupyterlab):
    write_notebook(jupyterlab.root, "widgets.ipynb", [WIDGETS])
    open_notebook(page, jupyterlab, "widgets.ipynb")

    run_cell(page, 0)
    wait_for_idle(page)
    output = cell_output(page, 0)
    button = output.locator(".jupyter-widgets.widget-button")
    expect(button).to_have_text("Click me")
    expect(output.locator(".widget-label")).to_have_text("clicks: 0")

    button.click()
    expect(output.locator(".widget-label")).to_have_text("clicks: 1")
    button.click()
    expect(output.locator(".widget-label")).to_have_text("clicks: 2")
