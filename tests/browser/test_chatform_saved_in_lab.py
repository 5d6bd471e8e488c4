"""A ChatForm in JupyterLab and Notebook 7: it sends by button and by Shift+Enter (without
running its cell again), and its conversation survives save + reopen with the kernel gone,
the form's controls giving way to a one-line note."""

from __future__ import annotations

import pytest
from helpers.lab import (
    cell_output,
    notebook_after_setup,
    open_notebook,
    run_cell,
    save_notebook,
    wait_for_idle,
)
from helpers.lazy import lazy_module
from playwright.sync_api import expect

from or_jupyter.notebook.form_page import REOPEN_NOTE

nbformat = lazy_module("nbformat")

WIDGET = "application/vnd.jupyter.widget-view+json"
_PANEL = "window.jupyterapp.shell.currentWidget"

FORM = """\
import or_jupyter as orj
form = orj.ChatForm(model="emulator/assistant")
form
"""


TURNS = (  # more than a chapter holds: the transcript grows by an output, the form moves down
    ("What is 6*7?", "42"),
    ("And 5*5?", "25"),
    ("What is 3*3?", "9"),
    ("What is 8*8?", "64"),
    ("What is 9*9?", "81"),
)


def shown_form(page, jupyterlab, name: str, source: str):
    """The form's cell run after the setup: its output, prompt box and Send button."""
    notebook_after_setup(page, jupyterlab, name, source)
    run_cell(page, 1)
    wait_for_idle(page)
    output = cell_output(page, 1)
    return output, output.locator("textarea"), output.locator(".widget-button", has_text="Send")


@pytest.mark.both_frontends
def test_the_chat_form_sends_by_button_and_shift_enter_and_reopens_as_transcript_and_note(
    page, jupyterlab
):
    output, prompt, send = shown_form(page, jupyterlab, "form-saved.ipynb", FORM)
    transcript = output.locator('.jp-OutputArea-output[data-mime-type="text/html"]')
    expect(prompt).to_be_visible()
    expect(output.get_by_text(REOPEN_NOTE)).to_be_hidden()  # the form draws: no note
    runs = page.evaluate(f"{_PANEL}.content.widgets[1].model.executionCount")
    for count, (question, answer) in enumerate(TURNS, 1):
        expect(send).to_be_enabled(timeout=30_000)  # the send before has finished
        prompt.fill(question)
        if count % 2:
            send.click()
        else:
            prompt.press("Shift+Enter")  # sends, and does not run the cell again
        # the finished turn lands in plain HTML outputs above the form's widgets
        expect(transcript.locator("strong", has_text=answer)).to_have_count(1, timeout=30_000)
        expect(transcript.locator(".orj-footer")).to_have_count(count)
        expect(prompt).to_have_count(1)  # the same form, under the transcript
    expect(transcript.filter(has_text="You")).to_have_count(2)  # a full chapter, then the next
    assert page.evaluate(f"{_PANEL}.content.widgets.length") == 2  # no cell added below
    assert page.evaluate(f"{_PANEL}.content.widgets[1].model.executionCount") == runs
    expect(prompt).to_have_value("")
    expect(send).to_be_enabled(timeout=30_000)
    save_notebook(page)

    for session in jupyterlab.api("GET", "/api/sessions"):  # the kernel that drew it is gone
        jupyterlab.api("DELETE", f"/api/sessions/{session['id']}")
    open_notebook(page, jupyterlab, "form-saved.ipynb")
    reopened = cell_output(page, 1)
    for prompt, answer in TURNS:
        expect(reopened).to_contain_text(prompt)
        expect(reopened.locator("strong", has_text=answer)).to_be_visible()
    expect(reopened.locator(".orj-footer")).to_have_count(len(TURNS))
    expect(reopened.locator("textarea")).to_have_count(0)  # no widget state was saved
    # ipywidgets' error gives way to a one-line note (shown only when the form cannot draw)
    error = reopened.get_by_text("Error displaying widget: model not found")
    expect(error).to_have_count(1)
    expect(error).to_be_hidden()
    expect(reopened.get_by_text(REOPEN_NOTE)).to_be_visible()
    expect(reopened.get_by_text(REOPEN_NOTE)).to_have_count(1)
    # frontends that cannot draw the widget at all show its text/plain: the same note
    saved = nbformat.read(jupyterlab.root / "form-saved.ipynb", as_version=4)
    widget = [o for o in saved.cells[1].outputs if WIDGET in o.get("data", {})]
    assert [o.data["text/plain"] for o in widget] == [REOPEN_NOTE]

    # untrusted (as if sent by someone else): the frontend draws the widget's text/plain
    saved.metadata["edited_elsewhere"] = True  # the signature no longer matches
    nbformat.write(saved, jupyterlab.root / "form-saved.ipynb")
    for session in jupyterlab.api("GET", "/api/sessions"):
        jupyterlab.api("DELETE", f"/api/sessions/{session['id']}")
    open_notebook(page, jupyterlab, "form-saved.ipynb")
    untrusted = cell_output(page, 1)
    expect(untrusted.locator("strong", has_text="81")).to_be_visible()
    expect(untrusted.get_by_text(REOPEN_NOTE)).to_be_visible()
    expect(untrusted).not_to_contain_text("Javascript object")  # the script shows no repr


CAPPED_FORM = """\
import or_jupyter as orj
from or_jupyter.notebook import transcript
transcript.MAX_OUTPUTS = 5  # 40 in use: a page past it draws the cell again
form = orj.ChatForm(model="emulator/assistant")
form
"""


@pytest.mark.both_frontends
def test_a_form_past_max_outputs_is_drawn_again_and_keeps_every_turn_and_its_prompt(
    page, jupyterlab
):
    output, prompt, send = shown_form(page, jupyterlab, "form-capped.ipynb", CAPPED_FORM)
    for number in range(2, 10):  # 8 turns: the cell is drawn again at the 7th
        expect(send).to_be_enabled(timeout=30_000)
        prompt.fill(f"What is {number}*7?")
        send.click()
        expect(output.locator("strong", has_text=str(number * 7))).to_have_count(1, timeout=30_000)
        expect(prompt).to_have_count(1)  # one form, still drawn, under the transcript
        expect(prompt).to_be_visible()
        assert output.locator(".jp-OutputArea-child").count() <= 5
    expect(output.locator(".orj-footer")).to_have_count(8)
    expect(output.get_by_text("Show more outputs")).to_have_count(0)
