"""Runs a `Conversation.send` on a worker thread while the kernel's thread draws.

Why a worker: while a cell executes, the kernel reads no widget messages, so a
Stop button would never be heard. The send runs on a worker thread; the cell's
own thread drains the events it reports, draws them (so every output lands in
this cell), and keeps the kernel's message queue moving (jupyter-ui-poll) so
clicks on Stop, Approve and Deny arrive. A kernel interrupt cancels cleanly.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from concurrent.futures import Future
from typing import Any

from ..protocol import Event, Response

__all__ = ["run_send"]

_OBSERVED = (
    "on_request",
    "on_event",
    "on_response",
    "on_tool_start",
    "on_tool_finish",
    "on_notice",
)
_WAIT = 0.02  # seconds the drawing thread sleeps when nothing happens


class _Relay:
    """The worker's observer: forwards every report to the drawing thread's inbox."""

    def __init__(self, inbox: queue.SimpleQueue, ask: Any) -> None:
        for name in _OBSERVED:
            setattr(self, name, lambda *args, _name=name: inbox.put((_name, args)))
        self.on_event = inbox.put  # the hot path: events go as they are, thousands per answer
        if ask is not None:
            self.confirm = self._confirm
        self._inbox = inbox

    def _confirm(self, tool: Any, call: Any) -> bool:
        answer: Future[bool] = Future()
        self._inbox.put(("confirm", (tool, call, answer)))
        return answer.result()


def run_send(
    conversation: Any,
    prompt: Any,
    view: Any,
    *,
    ask: Any = None,
    poll_ui: bool = True,
    **overrides: Any,
) -> Response:
    """Send `prompt`, drawing on `view` from this thread; returns the final `Response`.

    `ask(tool, call, answer: Future)` shows an approval prompt for `confirm=True` tools
    and resolves `answer` later (without it such calls are refused). Errors from the
    send are drawn by the view and raised again.
    """
    inbox: queue.SimpleQueue = queue.SimpleQueue()
    outcome: Future[Response] = Future()

    def work() -> None:
        try:
            outcome.set_result(conversation.send(prompt, observer=_Relay(inbox, ask), **overrides))
        except BaseException as exc:  # noqa: BLE001 - handed to the drawing thread
            outcome.set_exception(exc)
        inbox.put(("done", ()))

    worker = threading.Thread(target=work, name="or-jupyter-send", daemon=True)
    with _ui_events(poll_ui) as poll:
        worker.start()
        _pump(inbox, view, ask, poll, conversation)
    error = outcome.exception()
    response = None if error is not None else outcome.result()
    view.finish(response, error)
    if error is not None:
        raise error
    return response


def _pump(inbox: queue.SimpleQueue, view: Any, ask: Any, poll: Any, conversation: Any) -> None:
    """Draw reports until the worker is done; a KeyboardInterrupt cancels the send."""
    while True:
        try:
            if _drain(inbox, view, ask):
                return
            view.tick()
            poll()
        except KeyboardInterrupt:
            conversation.cancel()


def _drain(inbox: queue.SimpleQueue, view: Any, ask: Any) -> bool:
    """Handle every waiting report; True once the worker has finished."""
    try:
        report = inbox.get(timeout=_WAIT)
    except queue.Empty:
        return False
    while True:
        if type(report) is Event:
            view.on_event(report)
        elif _handle(report, view, ask):
            return True
        try:
            report = inbox.get_nowait()
        except queue.Empty:
            return False


def _handle(report: tuple[str, tuple], view: Any, ask: Any) -> bool:
    """One report other than an event; True when it says the worker is done."""
    name, args = report
    if name == "done":
        return True
    if name == "confirm":
        tool, call, answer = args
        if ask is None:
            answer.set_result(False)
        else:
            ask(tool, call, answer)
    else:
        getattr(view, name)(*args)
    return False


@contextlib.contextmanager
def _ui_events(enabled: bool):
    """A `poll()` that lets the kernel handle waiting widget messages (a no-op outside a kernel)."""
    if enabled:
        try:
            from IPython import get_ipython
            from jupyter_ui_poll import ui_events

            if getattr(get_ipython(), "kernel", None) is not None:
                with ui_events() as process:
                    yield lambda: process(20)
                return
        except ImportError:  # pragma: no cover - jupyter-ui-poll is a dependency
            pass
    yield lambda: None
