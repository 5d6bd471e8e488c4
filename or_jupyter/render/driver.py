"""Runs a `Conversation.send` on a worker thread while the cell's thread draws.

Why a worker: the send blocks on the network and on tools; the cell's own thread
must stay free to draw every report into this cell's outputs, at a bounded rate,
and to hear the Stop, Approve and Deny buttons.

Hearing buttons while a cell runs: ipykernel 7 dispatches widget messages while an
*async* cell awaits, so in a kernel the magic runs `arun_send`, which awaits
between draws. Kernels that cannot (ipykernel 6) are served by `run_send` with
jupyter-ui-poll pumping their message queue. Either way a kernel interrupt
cancels the send cleanly and keeps what arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

from ..protocol import Event, Response

__all__ = ["arun_send", "run_send"]

_OBSERVED = ("on_request", "on_response", "on_tool_start", "on_tool_finish", "on_notice")
_WAIT = 0.02  # seconds between looks at the inbox when nothing happens


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


def _start(
    conversation: Any, prompt: Any, ask: Any, overrides: dict
) -> tuple[queue.SimpleQueue, Future]:
    """Start the send on a worker thread; its reports arrive in the returned inbox."""
    inbox: queue.SimpleQueue = queue.SimpleQueue()
    outcome: Future[Response] = Future()

    def work() -> None:
        try:
            outcome.set_result(conversation.send(prompt, observer=_Relay(inbox, ask), **overrides))
        except BaseException as exc:  # noqa: BLE001 - handed to the drawing thread
            outcome.set_exception(exc)
        inbox.put(("done", ()))

    threading.Thread(target=work, name="or-jupyter-send", daemon=True).start()
    return inbox, outcome


def _finish(view: Any, outcome: Future) -> Response:
    error = outcome.exception()
    response = None if error is not None else outcome.result()
    view.finish(response, error)
    if error is not None:
        raise error
    return response


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
    inbox, outcome = _start(conversation, prompt, ask, overrides)
    with _legacy_ui_events(poll_ui) as poll:
        while True:
            try:
                if _drain(inbox, view, ask, _WAIT):
                    break
                view.tick()
                poll()
            except KeyboardInterrupt:
                conversation.cancel()
    return _finish(view, outcome)


async def arun_send(
    conversation: Any, prompt: Any, view: Any, *, ask: Any = None, **overrides: Any
) -> Response:
    """`run_send` for async cells: awaits between draws, so the kernel hears widget clicks."""
    inbox, outcome = _start(conversation, prompt, ask, overrides)
    while True:
        try:
            if _drain(inbox, view, ask, 0):
                break
            view.tick()
            await asyncio.sleep(_WAIT)
        except (KeyboardInterrupt, asyncio.CancelledError):
            conversation.cancel()  # then keep drawing until the worker has stopped
    return _finish(view, outcome)


def _drain(inbox: queue.SimpleQueue, view: Any, ask: Any, wait: float) -> bool:
    """Handle every waiting report (waiting up to `wait` s for one); True once the worker is done."""
    try:
        report = inbox.get(timeout=wait) if wait else inbox.get_nowait()
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
def _legacy_ui_events(enabled: bool) -> Iterator[Callable[[], None]]:
    """A `poll()` that makes ipykernel 6 handle waiting widget messages; a no-op elsewhere."""
    kernel = None
    if enabled:
        from IPython import get_ipython

        kernel = getattr(get_ipython(), "kernel", None)
    if kernel is None or not hasattr(kernel, "do_one_iteration"):
        yield lambda: None
        return
    from jupyter_ui_poll import ui_events

    with ui_events() as process:
        yield lambda: process(20)
