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
import contextvars
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any

from ..chat.observer import Observer
from ..protocol import Event, Response
from ..render.compare import CompareView
from ..render.view import View
from .approval import Approvals

__all__ = ["arun_compare", "arun_send", "legacy_ui_events", "run_compare", "run_send"]

_WAIT = 0.02  # seconds between looks at the inbox when nothing happens
CANCEL_WAIT = 5.0  # seconds to wait for a cancelled send before giving up on it


class _Relay(Observer):
    """A worker's observer: forwards every report, addressed to its view, to the drawing thread."""

    def __init__(self, inbox: queue.SimpleQueue, view: Any, approvals: Approvals | None) -> None:
        self._inbox = inbox
        self._view = view
        self._approvals = approvals
        self._wake: Callable[[], None] = lambda: None  # set by `_Send.relay`
        put = inbox.put
        self.on_event = lambda event: put((view, event))  # the hot path: thousands per answer

    def _post(self, name: str, *args: Any) -> None:
        self._inbox.put((self._view, (name, args)))

    def on_request(self, params: dict[str, Any]) -> None:
        self._post("on_request", params)

    def on_response(self, response: Response) -> None:
        self._post("on_response", response)

    def on_tool_start(self, call: Any) -> None:
        self._post("on_tool_start", call)

    def on_tool_finish(self, result: Any) -> None:
        self._post("on_tool_finish", result)

    def on_notice(self, text: str) -> None:
        self._post("on_notice", text)

    def execute(self, fn: Callable[[], Any]) -> Any:
        """Run `fn` (a `main_thread` tool's call) on the drawing thread, the kernel's main
        thread, and wait for its value."""
        answer: Future[Any] = Future()
        self._inbox.put((_EXECUTE, (fn, answer, self._view)))
        self._wake()  # an async cell runs it now, not at its next look at the inbox
        return answer.result()

    def confirm(self, tool: Any, call: Any) -> bool | None:
        if self._approvals is None:
            return None  # nobody can be asked
        answer: Future[bool] = Future()
        self._inbox.put((self._approvals, (tool, call, answer)))
        return answer.result()


class _Send:
    """One send (or compare) on its worker thread: its inbox of reports and its outcome."""

    def __init__(self, conversation: Any, approvals: list[Approvals]) -> None:
        self.conversation = conversation
        self.approvals = approvals
        self.inbox: queue.SimpleQueue = queue.SimpleQueue()
        self.outcome: Future[Any] = Future()
        self.wake: Callable[[], None] = lambda: None  # an async driver's alarm clock

    def relay(self, view: Any, approvals: Approvals | None) -> _Relay:
        relay = _Relay(self.inbox, view, approvals)
        relay._wake = lambda: self.wake()
        return relay

    def start(self, work: Callable[[], Any]) -> None:
        def run() -> None:
            try:
                self.outcome.set_result(work())
            except BaseException as exc:  # noqa: BLE001 - handed to the drawing thread
                self.outcome.set_exception(exc)
            self.inbox.put(_DONE)

        context = contextvars.copy_context()  # the ledger's source (the form's) goes along
        threading.Thread(
            target=context.run, args=(run,), name="or-jupyter-send", daemon=True
        ).start()

    def stop(self) -> None:
        """Cancel the send and deny its approvals (from the drawing thread)."""
        self.conversation.cancel()
        for approvals in self.approvals:
            approvals.deny_all()

    def drain(self, wait: float) -> bool:
        """Handle every waiting report (waiting up to `wait` s for one); True once done."""
        try:
            report = self.inbox.get(timeout=wait) if wait else self.inbox.get_nowait()
        except queue.Empty:
            return False
        while True:
            if report is _DONE:
                return True
            target, message = report
            if type(message) is Event:
                target.on_event(message)
            elif target is _EXECUTE:
                _execute(*message)
            elif isinstance(target, Approvals):
                target.ask(*message)
            else:
                name, args = message
                getattr(target, name)(*args)
            try:
                report = self.inbox.get_nowait()
            except queue.Empty:
                return False

    def abandon(self) -> None:
        """Drawing failed: cancel, then wait (bounded) for the worker without drawing."""
        self.stop()
        deadline = time.monotonic() + CANCEL_WAIT
        while time.monotonic() < deadline:
            try:
                if self.inbox.get(timeout=0.05) is _DONE:
                    return
            except queue.Empty:
                continue

    def result(self) -> Any:
        """The outcome, after denying what still waits for an answer (raises the send's error)."""
        for approvals in self.approvals:
            approvals.deny_all()
        return self.outcome.result()


_DONE = object()
_EXECUTE = object()  # the address of a call to run on the drawing thread


def _execute(fn: Callable[[], Any], answer: Future, view: Any) -> None:
    """Run a call here and hand its outcome to the worker; an interrupt that escapes the
    call goes on to stop the send, after the worker has its answer. What the view holds is
    drawn first: nothing is drawn while the call runs."""
    flush_now = getattr(view, "flush_now", None)
    if flush_now is not None:
        flush_now()
    try:
        answer.set_result(fn())
    except BaseException as exc:
        answer.set_exception(exc)
        if not isinstance(exc, Exception):
            raise


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
    send = _single(conversation, prompt, view, approvals, overrides)
    _drive(send, view, poll_ui)
    return _finish(send, view)


async def arun_send(
    conversation: Any,
    prompt: Any,
    view: View,
    *,
    approvals: Approvals | None = None,
    **overrides: Any,
) -> Response:
    """`run_send` for async cells: awaits between draws, so the kernel hears widget clicks."""
    send = _single(conversation, prompt, view, approvals, overrides)
    await _adrive(send, view)
    return _finish(send, view)


def run_compare(
    conversation: Any,
    prompt: Any,
    view: CompareView,
    *,
    approvals: dict[str, Approvals] | None = None,
    poll_ui: bool = True,
    **overrides: Any,
) -> Any:
    """`Conversation.compare`, each model drawn on its column of `view`; returns the
    `Comparison`. A model that failed shows its error in its column; the others go on."""
    send = _compare(conversation, prompt, view, approvals or {}, overrides)
    _drive(send, view, poll_ui)
    return _finish(send, view)


async def arun_compare(
    conversation: Any,
    prompt: Any,
    view: CompareView,
    *,
    approvals: dict[str, Approvals] | None = None,
    **overrides: Any,
) -> Any:
    """`run_compare` for async cells."""
    send = _compare(conversation, prompt, view, approvals or {}, overrides)
    await _adrive(send, view)
    return _finish(send, view)


def _single(conversation, prompt, view, approvals, overrides) -> _Send:
    send = _Send(conversation, [approvals] if approvals is not None else [])
    relay = send.relay(view, approvals)
    send.start(lambda: conversation.send(prompt, observer=relay, **overrides))
    return send


def _finish(send: _Send, view: View | CompareView) -> Any:
    """The send's outcome (a `Response` or `Comparison`), drawn by `view`; its error raised."""
    try:
        outcome = send.result()
    except BaseException as error:
        view.finish(None, error)
        raise
    view.finish(outcome, None)
    return outcome


def _compare(conversation, prompt, view, approvals, overrides) -> _Send:
    send = _Send(conversation, list(approvals.values()))
    relays = {m: send.relay(v, approvals.get(m)) for m, v in view.views.items()}
    models = list(view.views)
    send.start(
        lambda: conversation.compare(prompt, models=models, observer=relays.get, **overrides)
    )
    return send


def _drive(send: _Send, view: Any, poll_ui: bool) -> None:
    with legacy_ui_events(poll_ui) as poll:
        while True:
            try:
                if send.drain(_WAIT):
                    return
                view.tick()
                poll()
            except KeyboardInterrupt:
                send.stop()
            except BaseException:
                send.abandon()
                raise


async def _adrive(send: _Send, view: Any) -> None:
    loop, alarm = asyncio.get_running_loop(), asyncio.Event()

    def wake() -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: nothing to wake
            loop.call_soon_threadsafe(alarm.set)

    send.wake = wake
    while True:
        try:
            if send.drain(0):
                return
            view.tick()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(alarm.wait(), _WAIT)
            alarm.clear()
        except (KeyboardInterrupt, asyncio.CancelledError):
            send.stop()  # then keep drawing until the worker has stopped
        except BaseException:
            send.abandon()
            raise


@contextlib.contextmanager
def legacy_ui_events(enabled: bool) -> Iterator[Callable[[], None]]:
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
