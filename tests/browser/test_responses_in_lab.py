"""The %%responses magic and ChatForm in a real JupyterLab (and Notebook 7), in headless Chromium.

The kernel runs the offline emulator, paced so that streaming is visible: these
tests check what a person sees while an answer arrives, not only the end state.
"""

from __future__ import annotations

import pytest
from helpers.lab import (
    cell_output,
    notebook_after_setup,
    open_notebook,
    run_cell,
    save_notebook,
    wait_for_idle,
    watch_output,
)
from playwright.sync_api import expect

SETUP = """\
%load_ext or_jupyter
%responses offline on
def get_weather(city: str) -> dict:
    '''The weather in a city.'''
    return {"city": city, "sky": "sunny", "celsius": 24}
"""

WITH_TOOL = """\
%%responses -m emulator/assistant --reasoning xhigh --tools get_weather
Please call get_weather city=Lima, then tell me about it.
"""

LONG = """\
%%responses -m emulator/long --max-output-tokens 6000
Write a long report.
"""

HOSTILE = """\
%%responses -m emulator/echo
<img src=x onerror="alert(7)"> <script>alert(8)</script> [click](javascript:alert(9))
<svg onload=alert(10)></svg>
"""


def paced_notebook(page, lab, name: str, *cells: str, tps: int = 150) -> None:
    """Open a notebook of SETUP plus `cells`, and run SETUP (offline, paced at `tps` tokens
    a second in its own kernel's emulator, a tool)."""
    setup = f'import os\nos.environ["OR_JUPYTER_EMULATOR_TPS"] = "{tps}"\n{SETUP}'
    notebook_after_setup(page, lab, name, *cells, setup=setup)


@pytest.mark.both_frontends
def test_answer_streams_with_reasoning_pane_and_tool_card(page, jupyterlab):
    # At 40 tokens a second the ~190 reasoning tokens keep the pane open for ~5 s, not ~1 s.
    paced_notebook(page, jupyterlab, "stream.ipynb", WITH_TOOL, tps=40)

    watch = watch_output(page, 1)
    run_cell(page, 1)
    output = cell_output(page, 1)
    pane = output.locator("details.orj-reasoning")
    expect(pane.first).to_have_attribute("open", "")  # open while the model thinks
    wait_for_idle(page)

    answer = "Here is what the tool returned"
    partial = [s for s in watch.snapshots() if s["running"] and "tool returned" in s["text"]]
    assert partial, "the answer never showed before the cell finished"
    final = watch.texts()[-1]
    assert answer in final and len(partial[0]["text"]) <= len(final)

    # Folded once the answer began; a click opens it again.
    first_pane = pane.first
    expect(first_pane).not_to_have_attribute("open", "")
    expect(first_pane.locator("summary")).to_contain_text("Thought for")
    first_pane.locator("summary").click()
    expect(first_pane).to_have_attribute("open", "")
    expect(first_pane).to_contain_text("get_weather")

    card = output.locator("details.orj-tool")
    expect(card).to_have_count(1)
    expect(card.locator("summary")).to_contain_text("get_weather")
    expect(card.locator("summary")).to_contain_text("done")
    card.locator("summary").click()
    expect(card).to_contain_text('"city": "Lima"')
    expect(card).to_contain_text("sunny")
    expect(output.locator(".orj-footer")).to_contain_text("reasoning")
    save_notebook(page)


def test_stop_button_halts_a_long_answer_and_keeps_the_partial_text(page, jupyterlab):
    paced_notebook(page, jupyterlab, "stop.ipynb", LONG)

    run_cell(page, 1)
    output = cell_output(page, 1)
    expect(output).to_contain_text("Section 1")  # streaming has begun
    stop = output.locator(".widget-button", has_text="Stop")
    stop.click()
    wait_for_idle(page, timeout=15_000)  # 6,000 tokens at 150/s would take 40 s
    expect(output).to_contain_text("Stopped. The partial answer is kept")
    expect(output.locator(".orj-footer")).to_contain_text("cancelled")
    expect(output).to_contain_text("A long answer")
    expect(stop).to_have_count(0)  # the button's output is emptied at the end


def test_hostile_model_html_fires_nothing(page, jupyterlab):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    paced_notebook(page, jupyterlab, "hostile.ipynb", HOSTILE)
    run_cell(page, 1)
    wait_for_idle(page)
    output = cell_output(page, 1)
    expect(output).to_contain_text('<img src=x onerror="alert(7)">')  # shown as text
    rendered = output.locator(".jp-RenderedHTMLCommon")
    found = rendered.locator("img, script, svg, iframe").evaluate_all(
        "els => els.map(e => e.outerHTML)"
    )
    assert found == [], found
    assert rendered.locator('a[href^="javascript"]').count() == 0
    assert dialogs == []


CONFIRM = """\
import or_jupyter as orj
@orj.tool(confirm=True)
def delete_file(path: str) -> str:
    '''Delete a file (asks first).'''
    return f"deleted {path}"
"""

ASK = """\
%%responses -m emulator/assistant --tools delete_file
Please delete_file path=notes.txt
"""


def test_approve_and_deny_buttons_decide_a_confirm_tool(page, jupyterlab):
    paced_notebook(page, jupyterlab, "confirm.ipynb", CONFIRM, ASK, ASK)
    run_cell(page, 1)
    wait_for_idle(page)

    run_cell(page, 2)
    approve = cell_output(page, 2).locator(".widget-button", has_text="Approve")
    approve.click()
    wait_for_idle(page)
    card = cell_output(page, 2).locator("details.orj-tool")
    expect(card.locator("summary")).to_contain_text("done")
    expect(card.locator("summary")).to_contain_text("deleted notes.txt")

    run_cell(page, 3)
    cell_output(page, 3).locator(".widget-button", has_text="Deny").click()
    wait_for_idle(page)
    card = cell_output(page, 3).locator("details.orj-tool")
    expect(card.locator("summary")).to_contain_text("denied")
    expect(cell_output(page, 3)).to_contain_text("delete_file: denied")


COMPARE = """\
%%responses -m emulator/pace-40tps-ttft0ms,emulator/pace-60tps-ttft0ms,emulator/pace-80tps-ttft0ms --max-output-tokens 3000
Write a long report.
"""


def _column_lengths(output) -> list[int]:
    """The text length of each live column (the grid's children), as drawn now."""
    return output.locator(".widget-gridbox > .widget-vbox").evaluate_all(
        "boxes => boxes.map(b => b.innerText.length)"
    )


def _side_by_side(boxes) -> bool:
    """Whether the located boxes are drawn in one row, left to right."""
    rects = boxes.evaluate_all("els => els.map(e => e.getBoundingClientRect().toJSON())")
    lefts = [r["left"] for r in rects]
    return lefts == sorted(set(lefts)) and all(r["top"] < rects[0]["bottom"] for r in rects)


@pytest.mark.both_frontends
def test_three_columns_grow_at_once_stop_stops_all_and_survive_save_and_reopen(page, jupyterlab):
    paced_notebook(page, jupyterlab, "compare.ipynb", COMPARE)
    run_cell(page, 1)
    output = cell_output(page, 1)
    expect(output.locator(".widget-gridbox > .widget-vbox")).to_have_count(3)
    expect(output.locator(".widget-gridbox > .widget-vbox").nth(0)).to_contain_text("Section 1")
    before = _column_lengths(output)
    page.wait_for_timeout(1500)  # paced streams: let each column receive more text
    after = _column_lengths(output)
    assert all(b < a for b, a in zip(before, after, strict=True)), (before, after)
    assert _side_by_side(output.locator(".widget-gridbox > .widget-vbox"))

    output.locator(".widget-button", has_text="Stop").click()
    wait_for_idle(page, timeout=15_000)  # 3,000 tokens at 40/s would take 75 s
    columns = output.locator(".orj-columns > .orj-column")
    expect(columns).to_have_count(3)  # sealed: one static output, no widgets left
    expect(output.locator(".widget-gridbox")).to_have_count(0)
    for index in range(3):
        expect(columns.nth(index)).to_contain_text("Stopped. The partial answer is kept")
    expect(output.locator("table.orj-compare")).to_contain_text("0 of 3 completed")
    save_notebook(page)

    for session in jupyterlab.api("GET", "/api/sessions"):  # the kernel that drew it is gone
        jupyterlab.api("DELETE", f"/api/sessions/{session['id']}")
    open_notebook(page, jupyterlab, "compare.ipynb")
    reopened = cell_output(page, 1)
    expect(reopened.locator(".orj-columns > .orj-column")).to_have_count(3)
    expect(reopened.locator(".orj-column-head").nth(2)).to_have_text("emulator/pace-80tps-ttft0ms")
    expect(reopened.locator("table.orj-compare")).to_be_visible()
    expect(reopened.locator(".orj-columns > .orj-column").nth(0)).to_contain_text("Section 1")
    assert _side_by_side(reopened.locator(".orj-columns > .orj-column"))
