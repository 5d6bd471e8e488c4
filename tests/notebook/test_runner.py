"""The runner: a send on a worker thread, drawn from the cell's thread, ended cleanly."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future

import pytest

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.chat.conversation import Conversation
from or_jupyter.notebook import run_send
from or_jupyter.notebook.approval import Approvals
from or_jupyter.render import View


@pytest.fixture(scope="module")
def emu():
    with emulator.start() as handle:
        yield handle


def chat_with(emu, tools):
    client = orj.Client(api_key="k", base_url=emu.base_url, max_retries=0)
    return Conversation(model="emulator/assistant", tools=tools, client=client)


class BrokenView(View):
    def on_event(self, event):
        raise RuntimeError("the view broke")


def test_when_drawing_fails_the_send_is_cancelled_before_the_cell_ends(emu):
    ran = threading.Event()

    def probe(q: str) -> str:
        """Probe."""
        ran.set()
        return "ran"

    chat = chat_with(emu, [probe])
    with pytest.raises(RuntimeError, match="the view broke"):
        paced = {"metadata": {"emulator_tps": "40"}}  # the view fails before the call is made
        run_send(chat, "call probe q=a", BrokenView(), poll_ui=False, **paced)
    time.sleep(0.5)
    assert not ran.is_set()


class Surface:
    def show(self, html, text):
        return self

    def show_widget(self, widget):
        return self

    def update(self, html, text):
        pass


def test_an_approval_asked_after_deny_all_is_denied_at_once():
    approvals = Approvals(Surface())
    pending = Future()
    approvals.ask(type("T", (), {"name": "t"})(), type("C", (), {"arguments": "{}"})(), pending)
    approvals.deny_all()
    later = Future()
    approvals.ask(type("T", (), {"name": "t"})(), type("C", (), {"arguments": "{}"})(), later)
    assert pending.result(timeout=1) is False and later.result(timeout=1) is False


def open_widgets() -> set[str]:
    """The model ids of every widget not yet closed in this process."""
    from ipywidgets.widgets.widget import _instances

    return set(_instances)


@pytest.mark.parametrize("ending", ["approve", "deny", "cell ends"])
def test_an_answered_or_abandoned_approval_leaves_no_widget_open(ending):
    before, shown = open_widgets(), []

    class Showing(Surface):
        def show_widget(self, widget):
            shown.append(widget)
            return self

    approvals, answer = Approvals(Showing()), Future()
    approvals.ask(type("T", (), {"name": "t"})(), type("C", (), {"arguments": "{}"})(), answer)
    [row] = shown
    label, approve, deny = row.children
    assert len(open_widgets() - before) >= 4  # the row, its label and its two buttons
    if ending == "approve":
        approve.click()
    elif ending == "deny":
        deny.click()
    else:
        approvals.deny_all()  # what the runner does when the cell ends
    assert answer.result(timeout=10) is (ending == "approve")
    assert open_widgets() - before == set()


def test_pending_approvals_are_denied_when_the_send_ends(emu):
    seen = []

    def guarded(q: str) -> str:
        """Guarded."""
        seen.append(q)
        return "ran"

    chat = chat_with(emu, [orj.tool(guarded, confirm=True)])
    approvals = Approvals(Surface())
    approvals.deny_all()  # as Stop does: nothing may be approved any more
    response = run_send(chat, "call guarded q=a", View(), approvals=approvals, poll_ui=False)
    outputs = [i["output"] for i in chat.history if i["type"] == "function_call_output"]
    assert seen == [] and outputs and "declined" in outputs[0]
    assert response.status == "completed"
