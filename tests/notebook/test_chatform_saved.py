"""The ChatForm transcript survives without widget state: plain display outputs, nbconvert."""

from __future__ import annotations

import os
from itertools import pairwise

import pytest
from helpers.display_capture import shell_with_capture
from helpers.lazy import lazy_module

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.notebook.chatform import ChatForm
from or_jupyter.notebook.form_page import REOPEN_NOTE
from or_jupyter.notebook.transcript import CHAPTER_TURNS

nbformat = lazy_module("nbformat")
nbclient = lazy_module("nbclient")
nbconvert = lazy_module("nbconvert")

WIDGET = "application/vnd.jupyter.widget-view+json"
EMPTY = {"text/html": "", "text/plain": ""}


@pytest.fixture(scope="module")
def emu():
    with emulator.start() as handle:
        yield handle


def test_after_a_send_the_turn_is_in_a_plain_html_display_output_not_a_widget(emu):
    _, publisher = shell_with_capture()
    publisher.reset()
    form = ChatForm(
        model="emulator/assistant", client=orj.Client(api_key="x", base_url=emu.base_url)
    )
    from IPython.display import display

    display(form)
    form.prompt.value = "What is 6*7?"
    assert form.send() and form.wait(20)
    outputs = publisher.outputs()
    plain = plain_outputs(publisher)
    widgets = [o for o in outputs if WIDGET in o]
    assert len(plain) == 1 and len(widgets) == 1  # the transcript, then the controls
    assert "application/javascript" in outputs[-1]  # the form's script, right under it
    assert outputs[-2] == widgets[0] and outputs[-3] == EMPTY  # the live output, between turns
    assert (
        "What is 6*7?" in plain[0]["text/html"] and "<strong>42</strong>" in plain[0]["text/html"]
    )
    assert "42" in plain[0]["text/plain"] and 'class="orj-footer"' in plain[0]["text/html"]
    assert form.live is None  # no widget holds the finished turn

    form.prompt.value = "What is 5*5?"
    assert form.send() and form.wait(20)
    html = plain_outputs(publisher)[0]["text/html"]
    assert html.count('class="orj-footer"') == 2 and "<strong>25</strong>" in html
    chapter = publisher.messages[0].display_id  # the first chapter (the form's script is last)
    updates = [m for m in publisher.messages if m.update and m.display_id == chapter]
    assert len(updates) == 2  # one update of the chapter per finished turn


def plain_outputs(publisher) -> list[dict]:
    return [o for o in publisher.outputs() if WIDGET not in o and o.get("text/html")]


def shown_form(emu):
    _, publisher = shell_with_capture()
    publisher.reset()
    form = ChatForm(
        model="emulator/assistant", client=orj.Client(api_key="x", base_url=emu.base_url)
    )
    from IPython.display import display

    display(form)
    return form, publisher


def turn(form, publisher, number: int) -> int:
    """Send one turn; the bytes it published (display and widget messages)."""
    before = publisher.total_bytes()
    form.prompt.value = f"What is {number}*7?"
    assert form.send() and form.wait(20), form.error
    return publisher.total_bytes() - before


def test_a_turn_costs_the_same_bytes_however_many_turns_came_before(emu):
    form, publisher = shown_form(emu)
    costs = [turn(form, publisher, n) for n in range(2, 26)]
    early, late = sum(costs[:8]), sum(costs[-8:])
    assert late <= early * 1.25, costs  # one transcript output re-sent whole grew each turn
    final = plain_outputs(publisher)
    html = "".join(o["text/html"] for o in final)
    assert html.count('class="orj-footer"') == 24 and form.saved["text/html"] == html
    assert sum(costs) <= 3 * len(html)
    assert len(final) == 24 // CHAPTER_TURNS  # chapters of a few turns, not one output per turn
    shown = publisher.outputs()
    assert WIDGET in shown[-2] and "application/javascript" in shown[-1]  # form, then script


def test_past_max_outputs_the_cell_is_drawn_again_with_every_turn_and_the_form_last(
    emu, monkeypatch
):
    from or_jupyter.notebook import transcript

    monkeypatch.setattr(transcript, "MAX_OUTPUTS", 7)  # 40 in use: frontends draw 50
    form, publisher = shown_form(emu)
    counts = []
    for number in range(2, 22):
        turn(form, publisher, number)
        shown = publisher.outputs()
        counts.append(len(shown))
        assert WIDGET in shown[-2] and "application/javascript" in shown[-1]  # form, script
        assert shown[-3] == EMPTY  # the live output, between turns
        html = "".join(o.get("text/html", "") for o in shown)
        answers = [f"<strong>{n * 7}</strong>" for n in range(2, number + 1)]
        assert all(answer in html for answer in answers), number  # no turn lost
        assert [html.index(a) for a in answers] == sorted(html.index(a) for a in answers)
    assert max(counts) <= 7
    assert all(later - earlier <= 1 for earlier, later in pairwise(counts))  # one a page
    assert any(m.clear for m in publisher.messages)  # drawn again, at least once
    assert [len([o for o in shown if WIDGET in o])] == [1]  # one form, not one per page


def test_the_forms_tool_cards_name_a_tool_by_its_label(emu):
    from or_jupyter.tools import Tool

    class ServerTool(Tool):  # named as an MCP tool is: its server, then its own name
        @property
        def label(self) -> str:
            return "weather › lookup"

    def lookup(city: str) -> str:
        """The sky over a city."""
        return f"clear over {city}"

    _, publisher = shell_with_capture()
    publisher.reset()
    client = orj.Client(api_key="x", base_url=emu.base_url)
    form = ChatForm(
        model="emulator/assistant",
        client=client,
        tools=[ServerTool(lookup, name="weather__lookup")],
    )
    from IPython.display import display

    display(form)
    form.prompt.value = "call weather__lookup city=Oslo"
    assert form.send() and form.wait(20), form.error
    html = "".join(o["text/html"] for o in plain_outputs(publisher))
    assert "<code>weather › lookup</code>" in html and "clear over Oslo" in html


def test_a_short_turn_changes_no_control_but_the_prompt_box(emu, monkeypatch):
    from or_jupyter.notebook import chatform

    form, publisher = shown_form(emu)
    assert form.wait(20)  # the model list is in
    states = []
    for delay in (60.0, 0.0):  # a turn shorter than CONTROLS_DELAY, then one longer
        monkeypatch.setattr(chatform, "CONTROLS_DELAY", delay)
        publisher.comms.clear()
        form.prompt.value = f"What is {delay:.0f}*7?"
        assert form.send() and form.wait(20), form.error
        states.append([m.data.get("state") for m in publisher.comms if m.kind == "comm_msg"])
    assert states[0] == [{"value": "What is 60*7?"}, {"value": ""}]  # typed, then emptied
    assert states[1].count({"disabled": True}) == states[1].count({"disabled": False}) == 2
    assert not form.send_button.disabled and form.stop_button.disabled


def test_the_form_leaves_no_widget_model_open_after_a_turn(emu):
    from ipywidgets.widgets import widget

    def open_models() -> int:
        return len(getattr(widget, "_instances", None) or widget.Widget.widgets)

    for compare in (False, True):
        form, publisher = shown_form(emu)
        if compare:
            assert form.wait(20)
            form.compare.value = True
            form.models.value = ("emulator/assistant", "emulator/echo")
        counts = []
        for number in range(2, 12):
            turn(form, publisher, number)
            counts.append(open_models())
        assert counts[-1] == counts[3], (compare, counts)


@pytest.mark.kernel
def test_an_executed_notebook_shows_the_form_answer_in_nbconvert_html_without_widget_state(
    tmp_path,
):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import os; os.environ['OR_JUPYTER_OFFLINE'] = '1'\nimport or_jupyter as orj\n"
            "form = orj.ChatForm(model='emulator/assistant')\nform"
        ),
        nbformat.v4.new_code_cell(
            "form.prompt.value = 'What is 6*7?'\nassert form.send() and form.wait(30)"
        ),
    ]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    nb.metadata.pop("widgets", None)  # as saved by a frontend that keeps no widget state
    path = tmp_path / "form.ipynb"
    nbformat.write(nb, path)
    saved = nbformat.read(path, as_version=4)
    plain = [o for o in saved.cells[0].outputs if o.get("data", {}).get("text/html")]
    assert len(plain) == 1 and "<strong>42</strong>" in plain[0]["data"]["text/html"]
    body, _ = nbconvert.HTMLExporter().from_notebook_node(saved)
    assert "What is 6*7?" in body and "<strong>42</strong>" in body
    assert "orj-footer" in body
    assert REOPEN_NOTE in body  # the form's widget output, drawn as its text/plain


@pytest.mark.kernel
def test_in_a_kernel_new_chapters_land_in_the_form_cell_above_the_form():
    """Sends from later cells (as clicks are): the outputs a full chapter adds are published
    in the cell that showed the form, and a frontend applying them keeps every turn, in
    order, with the form last."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(
        kernel_name="python3", env={**os.environ, "OR_JUPYTER_OFFLINE": "1"}
    )
    try:
        form_cell = client.execute(
            "import or_jupyter as orj\nform = orj.ChatForm(model='emulator/assistant')\nform"
        )
        outputs: list[dict] = []  # the form cell's, as JupyterLab applies them
        where: dict[str, list[int]] = {}
        last = None
        for number in range(2, 2 + 2 * CHAPTER_TURNS + 1):
            last = client.execute(
                f"form.prompt.value = 'What is {number}*7?'\nassert form.send() and form.wait(60)"
            )
        while True:
            message = client.get_iopub_msg(timeout=60)
            kind, content = message["header"]["msg_type"], message["content"]
            parent = message["parent_header"].get("msg_id")
            display_id = (content.get("transient") or {}).get("display_id")
            if kind == "display_data" and parent == form_cell:
                where.setdefault(display_id, []).append(len(outputs))
                outputs.append(content["data"])
            elif kind == "update_display_data":
                for index in where.get(display_id, []):
                    outputs[index] = content["data"]
            elif kind == "error":
                raise AssertionError("\n".join(content["traceback"]))
            elif kind == "status" and parent == last and content["execution_state"] == "idle":
                break
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert "application/javascript" in outputs[-1]  # the form's script stays right under it
    layout = [o for o in outputs if "application/javascript" not in o]
    assert WIDGET in layout[-1] and layout[-2] == EMPTY  # the form under the live output
    assert not any(WIDGET in o for o in layout[:-1])  # the form's earlier places were emptied
    html = "".join(o.get("text/html", "") for o in outputs)
    asked = [f"What is {n}*7?" for n in range(2, 2 + 2 * CHAPTER_TURNS + 1)]
    assert [html.find(prompt) for prompt in asked] == sorted(html.find(p) for p in asked)
    assert -1 not in [html.find(prompt) for prompt in asked]
    chapters = [o for o in outputs if o.get("text/html") and "orj-user" in o["text/html"]]
    assert len(chapters) == 3  # 2 full chapters, then 1 turn in the third
