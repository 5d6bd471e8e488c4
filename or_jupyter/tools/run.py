"""Running one turn's function calls concurrently: plain functions in threads, `async def`
tools on an event loop, the user's callbacks in the caller's thread.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import threading
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar

from .output import _exception_line
from .threads import block_on
from .tool import Tool, ToolResult, _check_timeout, as_tools

__all__ = ["arun_calls", "run_calls"]

T = TypeVar("T")


def run_calls(
    calls: Iterable[Any],
    tools: Any,
    *,
    confirm: Callable[[Tool, Any], bool] | None = None,
    on_start: Callable[[Any], None] | None = None,
    on_finish: Callable[[ToolResult], None] | None = None,
    timeout: float | None = None,
    cancel: threading.Event | None = None,
    execute: Callable[[Callable[[], Any]], Any] | None = None,
) -> list[ToolResult]:
    """Run one turn's function calls concurrently and return their results in call order.

    ``calls`` have ``.name``, ``.call_id`` and ``.arguments`` (a JSON string), or are dicts with
    those keys. Only tools in ``tools`` can run; anything else becomes an error result for the
    model. A ``confirm=True`` tool runs only if ``confirm(tool, call)`` returns true; without a
    callback it is refused. For each call ``on_start(call)`` comes first (in call order),
    ``on_finish(result)`` last (as each finishes). Every callback runs in this thread -- the
    kernel's, in a notebook -- while the calls run on a private loop in a worker thread.
    ``timeout`` (seconds, None for no limit) bounds each call whose tool has no ``timeout``.

    Setting ``cancel`` (from any thread) stops waiting within about 0.1 s: calls still running
    get a ``"cancelled"`` result (and ``on_finish``), finished ones keep theirs. An async tool
    is cancelled; a plain function's thread cannot be stopped, so it is left behind to finish
    (or hang) unobserved, its return value dropped.

    A ``main_thread`` tool's call runs in this thread, or through ``execute(fn)`` when given
    (which runs ``fn`` where the notebook's cells run and returns its value).
    """
    _check_timeout(timeout)
    registry, calls = as_tools(tools), list(calls)
    return block_on(
        lambda in_caller: _run_all(
            calls,
            registry,
            _Hooks(confirm, on_start, on_finish, in_caller, execute),
            timeout,
            cancel,
        )
    )


async def arun_calls(
    calls: Iterable[Any],
    tools: Any,
    *,
    confirm: Callable[[Tool, Any], bool] | None = None,
    on_start: Callable[[Any], None] | None = None,
    on_finish: Callable[[ToolResult], None] | None = None,
    timeout: float | None = None,
    cancel: threading.Event | None = None,
    execute: Callable[[Callable[[], Any]], Any] | None = None,
) -> list[ToolResult]:
    """Like ``run_calls`` for async callers; callbacks (and ``main_thread`` tools, without
    ``execute``) run on the running loop."""
    _check_timeout(timeout)
    hooks = _Hooks(confirm, on_start, on_finish, execute=execute)
    return await _run_all(list(calls), as_tools(tools), hooks, timeout, cancel)


@dataclasses.dataclass
class _Hooks:
    """The user's callbacks, called directly or (``in_caller``) in the thread of run_calls."""

    confirm: Callable[[Tool, Any], bool] | None
    on_start: Callable[[Any], None] | None
    on_finish: Callable[[ToolResult], None] | None
    in_caller: Callable[[Callable[[], Any]], Awaitable[Any]] | None = None
    execute: Callable[[Callable[[], Any]], Any] | None = None

    async def call(self, fn: Callable[..., T] | None, *args: Any) -> T | None:
        if fn is None:
            return None
        if self.in_caller is None:
            return fn(*args)
        return await self.in_caller(functools.partial(fn, *args))

    async def run_here(self, fn: Callable[[], T]) -> T:
        """Run a ``main_thread`` tool's call where cells run (see ``run_calls``)."""
        if self.execute is not None:
            return await self.call(self.execute, fn)
        return await self.call(fn)


async def _run_all(
    calls: list[Any],
    registry: dict[str, Tool],
    hooks: _Hooks,
    timeout: float | None,
    cancel: threading.Event | None = None,
) -> list[ToolResult]:
    """Run the calls as tasks; a failing callback raises at once, ``cancel`` is checked every
    ``_POLL`` seconds and then the calls still running end as ``"cancelled"``."""
    tasks = [asyncio.ensure_future(_run_one(c, registry, hooks, timeout)) for c in calls]
    try:
        pending = set(tasks)
        while pending and not (cancel is not None and cancel.is_set()):
            done, pending = await asyncio.wait(
                pending,
                timeout=None if cancel is None else _POLL,
                return_when=asyncio.FIRST_EXCEPTION,
            )
            for task in done:
                if task.exception() is not None:
                    raise task.exception()
        results = []
        for call, task in zip(calls, tasks, strict=True):
            if task.done():
                results.append(task.result())
            else:
                task.cancel()
                results.append(_cancelled(call))
                await hooks.call(hooks.on_finish, results[-1])
        return results
    finally:
        for task in tasks:
            task.cancel()


_POLL = 0.1  # seconds between looks at the cancel event


def _cancelled(call: Any) -> ToolResult:
    return ToolResult(
        _field(call, "call_id") or "",
        str(_field(call, "name")),
        "Error: cancelled by the user",
        "Cancelled: the user stopped the call",
        status="cancelled",
    )


async def _run_one(
    call: Any, registry: dict[str, Tool], hooks: _Hooks, timeout: float | None
) -> ToolResult:
    name, call_id = _field(call, "name"), _field(call, "call_id") or ""
    await hooks.call(hooks.on_start, call)
    found = registry.get(name)
    if found is None:
        available = ", ".join(registry) or "none"
        reason = f"there is no tool named {name!r}"
        result = ToolResult(
            call_id,
            str(name),
            f"Error: {reason}. Available tools: {available}.",
            f"UnknownTool: {reason}",
            status="error",
        )
    else:
        denied = await _approval(found, call, call_id, hooks) if found.confirm else None
        result = denied or await found.ainvoke(
            _field(call, "arguments"),
            call_id=call_id,
            default_timeout=timeout,
            runner=hooks.run_here,
        )
    await hooks.call(hooks.on_finish, result)
    return result


async def _approval(found: Tool, call: Any, call_id: str, hooks: _Hooks) -> ToolResult | None:
    """None if the user approved the call, else the denied result.

    Only an explicit ``True`` approves: ``"no"`` is truthy, and a broken dialog must not run it.
    """
    name = found.name
    try:
        answer = None if hooks.confirm is None else await hooks.call(hooks.confirm, found, call)
    except Exception as e:
        reason = f"asking for approval failed: {_exception_line(e)}"
        return _denied(call_id, name, f"Error: {name} was not run: {reason}.", reason)
    if answer is None:  # no callback, or it said nobody can be asked
        return _denied(
            call_id,
            name,
            f"Error: {name} was not run: it needs the user's "
            "approval, which can only be given in a notebook frontend.",
            "approval needed but no one could be asked",
        )
    if answer is True:
        return None
    return _denied(call_id, name, f"Error: the user declined to run {name}.", "the user declined")


def _denied(call_id: str, name: str, output: str, reason: str) -> ToolResult:
    return ToolResult(call_id, name, output, f"Denied: {reason}", status="denied")


def _field(call: Any, key: str) -> Any:
    return call.get(key) if isinstance(call, Mapping) else getattr(call, key, None)
