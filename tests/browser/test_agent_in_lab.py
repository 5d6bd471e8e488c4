"""The agent in a real JupyterLab and Notebook 7: a code step approved, its figure in the
card, the generated cell inserted below, all still there after save + reopen with the kernel
gone; Stop during a long-running step."""

from __future__ import annotations

import re

import pytest
from helpers.lab import (
    cell,
    cell_output,
    notebook_after_setup,
    open_notebook,
    run_cell,
    save_notebook,
    wait_for_idle,
)
from playwright.sync_api import expect

PLOT = """\
%%responses --agent -m emulator/assistant
Plot this:
```python
import matplotlib.pyplot as plt
plt.bar(["a", "b"], [3, 1])
plt.show()
```
"""
LONG = """\
%%responses --agent auto -m emulator/assistant
Run:
```python
import time
print("started")
for _ in range(1200):
    time.sleep(0.05)
```
"""


def _cells(page) -> int:
    return page.locator(".jp-NotebookPanel:visible .jp-Notebook-cell").count()


@pytest.mark.both_frontends
def test_an_approved_step_shows_its_figure_and_its_code_is_inserted_below_and_reopens(
    page, jupyterlab
):
    notebook_after_setup(page, jupyterlab, "agent.ipynb", PLOT)
    run_cell(page, 1)
    output = cell_output(page, 1)
    approve = output.get_by_role("button", name=re.compile(r"^\W*Approve$"))
    expect(approve).to_be_visible()
    expect(output.locator(".orj-step-code").first).to_contain_text('plt.bar(["a", "b"], [3, 1])')
    expect(output.get_by_role("button", name="Approve the rest of this cell")).to_be_visible()
    expect(output.locator(".orj-image img")).to_have_count(0)  # nothing ran yet
    approve.click()
    wait_for_idle(page)
    image = output.locator(".orj-tool .orj-image img")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") > 100  # a real PNG, decoded
    expect(output).to_contain_text("In the figure of step 1: I see a")
    expect(output).to_contain_text("agent: each code step asked first")
    assert _cells(page) == 3
    expect(cell(page, 2)).to_contain_text("# The agent's code from the cell above")
    expect(cell(page, 2)).to_contain_text('plt.bar(["a", "b"], [3, 1])')
    save_notebook(page)

    for session in jupyterlab.api("GET", "/api/sessions"):  # the kernel that ran it is gone
        jupyterlab.api("DELETE", f"/api/sessions/{session['id']}")
    open_notebook(page, jupyterlab, "agent.ipynb")
    reopened = cell_output(page, 1)
    expect(reopened.locator(".orj-step-code").first).to_contain_text('plt.bar(["a", "b"]')
    figure = reopened.locator(".orj-tool .orj-image img")
    expect(figure).to_be_visible()
    assert figure.evaluate("img => img.naturalWidth") > 100
    expect(reopened).to_contain_text("In the figure of step 1: I see a")
    expect(reopened).not_to_contain_text("Error displaying widget")
    expect(reopened.get_by_role("button", name=re.compile(r"Approve"))).to_have_count(0)


@pytest.mark.both_frontends
def test_stop_interrupts_a_long_running_step_and_the_card_says_interrupted(page, jupyterlab):
    notebook_after_setup(page, jupyterlab, "agent-stop.ipynb", LONG)
    run_cell(page, 1)
    output = cell_output(page, 1)
    expect(output.locator(".orj-step-code")).to_contain_text("time.sleep(0.05)")
    stop = output.get_by_role("button", name="Stop")
    expect(stop).to_be_visible()
    stop.click()
    wait_for_idle(page, timeout=20_000)
    expect(output.locator(".orj-tool")).to_contain_text("interrupted")
    expect(output).to_contain_text("KeyboardInterrupt")
    expect(cell(page, 2)).to_contain_text("# Step 1 (interrupted, left out)")
