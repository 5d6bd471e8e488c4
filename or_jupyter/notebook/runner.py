"""Runs a `Conversation.send` on a worker thread while the cell's thread draws.

Why a worker: the send blocks on the network and on tools; the cell's own thread must
stay free to draw every report into this cell's outputs, at a bounded rate, and to hear
the Stop, Approve and Deny buttons.

Hearing buttons while a cell runs: ipykernel 7 dispatches widget messages while an
*async* cell awaits, so in a kernel the magic runs `arun_send`, which awaits between
draws. Kernels that cannot (ipykernel 6) are served by `run_send` with jupyter-ui-poll
pumping their message queue.

How a send ends, whatever happens: a kernel interrupt (or Stop) cancels the send, denies
pending approvals and keeps drawing until the worker has stopped, so what arrived is
kept. If drawing itself fails, the send is cancelled and waited for before the error is
raised, so no tool runs and no approval waits after the cell has ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

from ..observer import Observer
from ..protocol import Event, Response
from ..render.view import View
from .approval import Approvals

__all__ = ["arun_send", "run_send"]

_WAIT = 0.02  # seconds between looks at the inbox when nothing happens
CANCEL_WAIT = 5.0  # seconds to wait for a cancelled send before giving up on it


class _Relay(Observer):
    """The worker's observer: forwards every report to the drawing thread's inbox."""

    def __init__(self, inbox: queue.SimpleQueue, approvals: Approvals | None) -> None:
        self._inbox = inbox
        self._approvals = approvals
        self.on_event = inbox.put  # the hot path: events go as they are, thousands per answer

    def on_request(self, params: dict[str, Any]) -> None:
        self._inbox.put(("on_request", (params,)))

    def on_response(self, response: Response) -> None:
        self._inbox.put(("on_response", (response,)))

    def on_tool_start(self, call: Any) -> None:
        self._inbox.put(("on_tool_start", (call,)))

    def on_tool_finish(self, result: Any) -> None:
        self._inbox.put(("on_tool_finish", (result,)))

    def on_notice(self, text: str) -> None:
        self._inbox.put(("on_notice", (text,)))

    def confirm(self, tool: Any, call: Any) -> bool | None:
        if self._approvals is None:
            return None  # nobody can be asked
        answer: Future[bool] = Future()
        self._inbox.put(("confirm", (tool, call, answer)))
        return answer.result()


class _Send:
    """One send on its worker thread: its inbox of reports and its outcome."""

    def __init__(self, conversation: Any, approvals: Approvals | None) -> None:
        self.conversation = conversation
        self.approvals = approvals
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.outcome: Future[Response] = Future()

    def start(self, prompt: Any, overrides: dict[str, Any]) -> None:
        relay = _Relay(self.inbox, self.approvals)

        def work() -> None:
            try:
                response = self.conversation.send(prompt, observer=relay, **overrides)
                self.outcome.set_result(response)
            except BaseException as exc:  # noqa: BLE001 - handed to the drawing thread
                self.outcome.set_exception(exc)
            self.inbox.put(("done", ()))

        threading.Thread(target=work, name="or-jupyter-send", daemon=True).start()

    def stop(self) -> None:
        """Cancel the send and deny its approvals (from the drawing thread)."""
        self.conversation.cancel()
        if self.approvals is not None:
            self.approvals.deny_all()

    def drain(self, view: View, wait: float) -> bool:
        """Handle every waiting report (waiting up to `wait` s for one); True once done."""
        try:
            report = self.inbox.get(timeout=wait) if wait else self.inbox.get_nowait()
        except queue.Empty:
            return False
        while True:
            if type(report) is Event:
                view.on_event(report)
            elif self._handle(report, view):
                return True
            try:
                report = self.inbox.get_nowait()
            except queue.Empty:
                return False

    def _handle(self, report: tuple[str, tuple], view: View) -> bool:
        name, args = report
        if name == "done":
            return True
        if name == "confirm":
            tool, call, answer = args
            if self.approvals is None:
                answer.set_result(False)
            else:
                self.approvals.ask(tool, call, answer)
        else:
            getattr(view, name)(*args)
        return False

    def abandon(self) -> None:
        """Drawing failed: cancel, then wait (bounded) for the worker without drawing."""
        self.stop()
        deadline = time.monotonic() + CANCEL_WAIT
        while time.monotonic() < deadline:
            try:
                if self.inbox.get(timeout=0.05) == ("done", ()):
                    return
            except queue.Empty:
                continue

    def finish(self, view: View) -> Response:
        if self.approvals is not None:
            self.approvals.deny_all()
        error = self.outcome.exception()
        response = None if error is not None else self.outcome.result()
        view.finish(response, error)
        if error is not None:
            raise error
        return response


def run_send(
    conversation: Any,
    prompt: Any,
    view: View,
    *,
    approvals: Approvals | None = None,
    poll_ui: bool = True,
    **overrides: Any,
) -> Response:
    """Send `prompt`, drawing on `view` from this thread; returns the final `Response`.

    `approvals` asks the user about `confirm=True` tools (without it they are refused).
    Errors from the send are drawn by the view and raised again.
    """
    send = _Send(conversation, approvals)
    send.start(prompt, overrides)
    with _legacy_ui_events(poll_ui) as poll:
        while True:
            try:
                if send.drain(view, _WAIT):
                    break
                view.tick()
                poll()
            except KeyboardInterrupt:
                send.stop()
            except BaseException:
                send.abandon()
                raise
    return send.finish(view)


async def arun_send(
    conversation: Any,
    prompt: Any,
    view: View,
    *,
    approvals: Approvals | None = None,
    **overrides: Any,
) -> Response:
    """`run_send` for async cells: awaits between draws, so the kernel hears widget clicks."""
    send = _Send(conversation, approvals)
    send.start(prompt, overrides)
    while True:
        try:
            if send.drain(view, 0):
                break
            view.tick()
            await asyncio.sleep(_WAIT)
        except (KeyboardInterrupt, asyncio.CancelledError):
            send.stop()  # then keep drawing until the worker has stopped
        except BaseException:
            send.abandon()
            raise
    return send.finish(view)


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
