"""The ChatForm transcript survives without widget state: plain display outputs, nbconvert."""

from __future__ import annotations

import nbformat
import pytest
from helpers.display_capture import shell_with_capture
from nbclient import NotebookClient
from nbconvert import HTMLExporter

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.notebook.chatform import ChatForm
from or_jupyter.notebook.form_page import REOPEN_NOTE

WIDGET = "application/vnd.jupyter.widget-view+json"


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
    plain = [o for o in outputs if WIDGET not in o and "text/html" in o]
    widgets = [o for o in outputs if WIDGET in o]
    assert len(plain) == 1 and len(widgets) == 1  # the transcript, then the controls
    assert (
        "What is 6*7?" in plain[0]["text/html"] and "<strong>42</strong>" in plain[0]["text/html"]
    )
    assert "42" in plain[0]["text/plain"] and 'class="orj-footer"' in plain[0]["text/html"]
    assert form.transcript.children == ()  # no widget holds the finished turn

    form.prompt.value = "What is 5*5?"
    assert form.send() and form.wait(20)
    html = publisher.outputs()[0]["text/html"]
    assert html.count('class="orj-footer"') == 2 and "<strong>25</strong>" in html
    updates = [m for m in publisher.messages if m.update]
    assert len(updates) == 2  # one display update per finished turn, none while streaming


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
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    nb.metadata.pop("widgets", None)  # as saved by a frontend that keeps no widget state
    path = tmp_path / "form.ipynb"
    nbformat.write(nb, path)
    saved = nbformat.read(path, as_version=4)
    plain = [o for o in saved.cells[0].outputs if "text/html" in o.get("data", {})]
    assert len(plain) == 1 and "<strong>42</strong>" in plain[0]["data"]["text/html"]
    body, _ = HTMLExporter().from_notebook_node(saved)
    assert "What is 6*7?" in body and "<strong>42</strong>" in body
    assert "orj-footer" in body
    assert REOPEN_NOTE in body  # the form's widget output, drawn as its text/plain
