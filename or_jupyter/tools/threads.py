"""Running calls in threads and on private event loops, from notebooks too.

IPython runs cells inside a running event loop, so a cell cannot simply ``asyncio.run``; and a
tool may never return, so its thread must not be one a pool or the interpreter waits for.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import queue
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Timeout(Exception):
    """The call ran out of its time (unlike a TimeoutError the tool itself raises)."""


async def run_bounded(future: asyncio.Future, timeout: float | None) -> Any:
    """Await the call for at most ``timeout`` seconds; on timeout (or if we are cancelled)
    cancel it -- an async tool stops, a thread cannot be stopped and finishes unobserved."""
    try:
        done, _ = await asyncio.wait({future}, timeout=timeout)
        if not done:
            raise Timeout
        return future.result()
    finally:
        if not future.done():
            future.cancel()


def in_thread(fn: Callable[[], T]) -> concurrent.futures.Future[T]:
    """Run ``fn`` in a new daemon thread (with the caller's context variables).

    A thread of its own rather than a pool: a tool that never returns must neither hold up
    other calls nor keep the kernel from exiting.
    """
    future: concurrent.futures.Future[T] = concurrent.futures.Future()
    context = contextvars.copy_context()

    def target() -> None:
        if future.set_running_or_notify_cancel():
            try:
                future.set_result(context.run(fn))
            except BaseException as e:
                future.set_exception(e)

    threading.Thread(target=target, daemon=True, name="or_jupyter-tool").start()
    return future


def block_on(
    main: Callable[[Callable[[Callable[[], Any]], Awaitable[Any]]], Awaitable[T]],
) -> T:
    """Run ``main(in_caller)`` on a private event loop in a worker thread, and wait for it.

    A private loop works whether or not this thread already runs one (IPython's does).
    ``in_caller(fn)`` runs ``fn`` back in this thread and awaits its result, so user callbacks
    (UI updates, confirmation prompts) run where the caller runs: the kernel's main thread.
    """
    inbox: queue.SimpleQueue = queue.SimpleQueue()
    running: dict[str, Any] = {}
    interrupted = threading.Event()

    def in_caller(fn: Callable[[], Any]) -> Awaitable[Any]:
        reply: concurrent.futures.Future = concurrent.futures.Future()
        inbox.put((fn, reply))
        return asyncio.wrap_future(reply)

    async def runner() -> T:
        running["loop"], running["task"] = asyncio.get_running_loop(), asyncio.current_task()
        if interrupted.is_set():  # the interrupt came before this loop could be told
            raise asyncio.CancelledError
        return await main(in_caller)

    try:  # from the thread's start: an interrupt may come before the first wait
        outcome = in_thread(lambda: asyncio.run(runner()))
        outcome.add_done_callback(lambda _: inbox.put(None))
        while (item := _next(inbox)) is not None:
            fn, reply = item
            try:
                reply.set_result(fn())
            except Exception as e:
                reply.set_exception(e)
    except BaseException:  # KeyboardInterrupt: stop waiting for the calls, cancel them
        interrupted.set()
        if "loop" in running:
            with contextlib.suppress(RuntimeError):  # the loop has closed meanwhile
                running["loop"].call_soon_threadsafe(running["task"].cancel)
        raise
    return outcome.result()


def _next(inbox: queue.SimpleQueue) -> Any:
    """The next item, waking up now and then: a wait without a timeout cannot be interrupted
    on Windows, nor by ``_thread.interrupt_main``."""
    while True:
        with contextlib.suppress(queue.Empty):
            return inbox.get(timeout=0.1)
