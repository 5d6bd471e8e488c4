"""Notebook functions as tools the model can call.

``@tool`` turns a Python function into a Responses API function tool: a JSON Schema built by
pydantic from the type hints, descriptions read by docstring-parser from the docstring, and
``invoke``/``ainvoke``, which parse, validate and run one call from the model and turn whatever
happens (bad JSON, invalid arguments, an exception, a timeout) into a ``ToolResult`` -- never an
exception in the user's cell.  ``run_calls``/``arun_calls`` run all the calls of one turn
concurrently: plain functions in threads, ``async def`` tools on an event loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import dataclasses
import functools
import inspect
import json
import os
import re
import sys
import threading
import time
import traceback as tb
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Literal, TypeVar, overload

import docstring_parser
import pydantic
import pydantic_core

from ._schema import arguments_model, base_schema, drop_nulls, first_line, strict_schema
from ._threads import Timeout, block_on, in_thread, run_bounded

__all__ = [
    "MAX_OUTPUT_CHARS",
    "Tool",
    "ToolResult",
    "arun_calls",
    "as_tool",
    "as_tools",
    "format_output",
    "run_calls",
    "tool",
]

MAX_OUTPUT_CHARS = 20_000
"""Default limit on the length of a tool's output; longer outputs are truncated with a note."""

_TABLE_ROWS = 200  # pandas objects longer than this show their head and tail
_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

Status = Literal["done", "error", "denied", "timeout", "cancelled"]
T = TypeVar("T")


@dataclasses.dataclass
class ToolResult:
    """What came of one function call: ``output`` goes back to the model, the rest is for the UI.

    ``error`` is None exactly when ``status`` is ``"done"``; ``traceback`` is set when the tool
    itself raised.
    """

    call_id: str
    name: str
    output: str
    error: str | None = None
    traceback: str | None = None
    duration: float = 0.0
    status: Status = "done"


class Tool:
    """A function the model may call, still callable exactly like the function itself."""

    def __init__(
        self,
        func: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        strict: bool = False,
        confirm: bool = False,
        timeout: float | None = None,
        max_output_chars: int | None = None,
    ) -> None:
        if not callable(func):
            raise TypeError(f"a tool must be a function, not {type(func).__name__}: {func!r}")
        if isinstance(func, Tool):
            func = func.func
        self.func = func
        self.name = name or getattr(func, "__name__", "")
        if not _NAME_RE.match(self.name):
            raise ValueError(
                f"invalid tool name {self.name!r}: use 1-64 letters, digits, '_' or '-' "
                "(pass name=... to @tool)"
            )
        _check_timeout(timeout)
        self.strict, self.confirm, self.timeout = strict, confirm, timeout
        self.max_output_chars = max_output_chars
        doc = docstring_parser.parse(inspect.getdoc(func) or "")
        if description is None:
            parts = (doc.short_description, doc.long_description)
            description = "\n\n".join(p for p in parts if p)
        self.description = description
        param_docs = {p.arg_name: p.description for p in doc.params if p.description}
        self._params, self._model = arguments_model(func, self.name, param_docs)
        try:
            self._base_schema = base_schema(self._model)
            self.parameters = strict_schema(self._base_schema) if strict else self._base_schema
        except (TypeError, pydantic.PydanticUserError) as e:
            raise TypeError(
                f"cannot build the schema of tool {self.name!r}: {first_line(e)}"
            ) from e
        self._is_async = inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
            getattr(func, "__call__", None)  # noqa: B004 - an object with `async def __call__`
        )
        functools.update_wrapper(self, func, updated=())

    @property
    def schema(self) -> dict[str, Any]:
        """The function tool as the Responses API expects it in ``tools=[...]``.

        ``strict`` is always an explicit bool: OpenAI's Responses API treats a missing or null
        ``strict`` as true, and rejects our non-strict schemas (optional parameters) then.
        """
        return {
            "type": "function",
            "name": self.name,
            "description": self.description,
            "parameters": copy.deepcopy(self.parameters),
            "strict": self.strict,
        }

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.func(*args, **kwargs)

    def __repr__(self) -> str:
        names = ", ".join(p.name for p in self._params)
        return f"<Tool {self.name}({names})>"

    def invoke(
        self,
        arguments: str | Mapping[str, Any] | None = None,
        *,
        call_id: str = "",
        default_timeout: float | None = None,
    ) -> ToolResult:
        """Run one call with arguments from the model (a JSON string or a dict) and wait for it.

        ``default_timeout`` bounds the call when the tool has no ``timeout`` of its own.
        Works whether or not this thread runs an event loop (IPython's does): the call runs on a
        private loop in a worker thread. Confirmation is ``run_calls``'s job, not this method's.
        """
        return block_on(
            lambda _: self.ainvoke(arguments, call_id=call_id, default_timeout=default_timeout)
        )

    async def ainvoke(
        self,
        arguments: str | Mapping[str, Any] | None = None,
        *,
        call_id: str = "",
        default_timeout: float | None = None,
    ) -> ToolResult:
        """Like ``invoke``, for async callers: ``async def`` tools run on the running loop."""
        start = time.perf_counter()
        limit = self.timeout if self.timeout is not None else default_timeout

        def result(
            status: Status, output: str, error: str | None = None, traceback: str | None = None
        ) -> ToolResult:
            return ToolResult(
                call_id,
                self.name,
                _truncate(output, self.max_output_chars or MAX_OUTPUT_CHARS),
                error,
                traceback,
                time.perf_counter() - start,
                status,
            )

        try:
            args, kwargs = self._validate(arguments)
        except Exception as e:
            reason = _argument_error(e)
            return result(
                "error",
                f"Error: invalid arguments for {self.name}: {reason}",
                f"InvalidArguments: {reason}",
            )
        try:
            value = await run_bounded(self._start(args, kwargs), limit)
        except Timeout:
            return result(
                "timeout",
                f"Error: {self.name} did not finish within {limit:g} s and was abandoned.",
                f"Timeout: no result after {limit:g} s",
            )
        except Exception as e:
            e = e.__cause__ if isinstance(e, _Raised) else e
            return result(
                "error", f"Error: {_exception_line(e)}", _exception_line(e), _user_traceback(e)
            )
        try:
            return result("done", _to_text(value))
        except Exception as e:  # a broken __repr__, say
            return result(
                "error",
                f"Error: {self.name} returned a value that could not be "
                f"shown: {_exception_line(e)}",
                _exception_line(e),
                _user_traceback(e),
            )

    def _validate(self, arguments: str | Mapping[str, Any] | None) -> tuple[list, dict]:
        """Parse, clean and validate the model's arguments into call arguments (or raise)."""
        data = _parse_arguments(arguments)
        model = self._model.model_validate(drop_nulls(data, self._base_schema))
        args, kwargs = [], {}
        for i, param in enumerate(self._params):
            value = getattr(model, f"p{i}")
            if param.kind is inspect.Parameter.POSITIONAL_ONLY:
                args.append(value)
            elif f"p{i}" in model.model_fields_set:  # else the function's own default applies
                kwargs[param.name] = value
        return args, kwargs

    def _start(self, args: list, kwargs: dict) -> asyncio.Future:
        """Start the call: ``async def`` on the running loop, anything else in a thread."""
        if self._is_async:
            return asyncio.ensure_future(_contained(self.func(*args, **kwargs)))
        return asyncio.wrap_future(
            in_thread(functools.partial(_call_sync, self.func, args, kwargs))
        )


@overload
def tool(func: Callable[..., Any], /) -> Tool: ...
@overload
def tool(
    *,
    name: str | None = None,
    description: str | None = None,
    strict: bool = False,
    confirm: bool = False,
    timeout: float | None = None,
    max_output_chars: int | None = None,
) -> Callable[[Callable[..., Any]], Tool]: ...
def tool(func=None, /, **options):
    """Make a function a tool: ``@tool`` or ``@tool(name=, description=, strict=, confirm=,
    timeout=, max_output_chars=)``.

    ``strict=True`` asks providers to follow the schema exactly (OpenAI's strict rules); it is
    off by default because several providers behind OpenRouter reject it. ``confirm=True``
    means the user must approve each call. ``timeout`` bounds a call in seconds.
    """
    if func is None:
        return lambda f: Tool(f, **options)
    return Tool(func, **options)


def as_tool(obj: Tool | Callable[..., Any]) -> Tool:
    """Return a Tool as is, and wrap a plain function as if it were decorated with ``@tool``."""
    if isinstance(obj, Tool):
        return obj
    if not callable(obj):
        raise TypeError(
            f"tools must be functions or Tool objects, not {type(obj).__name__}: {obj!r}"
        )
    return Tool(obj)


def as_tools(
    tools: Iterable[Tool | Callable[..., Any]] | Mapping[str, Tool | Callable[..., Any]] | None,
) -> dict[str, Tool]:
    """Name -> Tool for a list of tools/functions, or a dict whose keys name the tools."""
    if isinstance(tools, Mapping):
        pairs = [(key, v if isinstance(v, Tool) else Tool(v, name=key)) for key, v in tools.items()]
    else:
        pairs = [(t.name, t) for t in map(as_tool, tools or ())]
    registry: dict[str, Tool] = {}
    for key, t in pairs:
        if key != t.name:
            raise ValueError(f"tool {t.name!r} is listed under another name, {key!r}")
        if key in registry:
            raise ValueError(f"two tools are named {key!r}: rename one with @tool(name=...)")
        registry[key] = t
    return registry


def run_calls(
    calls: Iterable[Any],
    tools: Any,
    *,
    confirm: Callable[[Tool, Any], bool] | None = None,
    on_start: Callable[[Any], None] | None = None,
    on_finish: Callable[[ToolResult], None] | None = None,
    timeout: float | None = None,
    cancel: threading.Event | None = None,
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
    """
    _check_timeout(timeout)
    registry, calls = as_tools(tools), list(calls)
    return block_on(
        lambda in_caller: _run_all(
            calls, registry, _Hooks(confirm, on_start, on_finish, in_caller), timeout, cancel
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
) -> list[ToolResult]:
    """Like ``run_calls`` for async callers; callbacks run on the running loop."""
    _check_timeout(timeout)
    hooks = _Hooks(confirm, on_start, on_finish)
    return await _run_all(list(calls), as_tools(tools), hooks, timeout, cancel)


def format_output(value: Any, limit: int | None = None) -> str:
    """The text sent to the model for a return value, truncated to ``limit`` characters
    (default ``MAX_OUTPUT_CHARS``).

    str as is; pandas objects as a plain-text table; JSON-able values (including dataclasses and
    pydantic models) as compact JSON; anything else as its repr.
    """
    return _truncate(_to_text(value), limit or MAX_OUTPUT_CHARS)


def _to_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if _is_pandas(value):
        return value.to_string(max_rows=_TABLE_ROWS)
    try:
        jsonable = pydantic_core.to_jsonable_python(value)
        return json.dumps(jsonable, ensure_ascii=False, separators=(",", ":"))
    except (pydantic_core.PydanticSerializationError, TypeError, ValueError):
        return repr(value)


# --- calling ----------------------------------------------------------------------------------


def _check_timeout(timeout: float | None) -> None:
    if timeout is not None and not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")


class _InvalidArguments(ValueError):
    pass


def _parse_arguments(arguments: str | bytes | Mapping[str, Any] | None) -> dict[str, Any]:
    if arguments is None:
        return {}
    if isinstance(arguments, (str, bytes)):
        if not arguments.strip():
            return {}
        arguments = json.loads(arguments)
    if not isinstance(arguments, Mapping):
        raise _InvalidArguments(f"expected a JSON object, got {type(arguments).__name__}")
    return dict(arguments)


def _argument_error(e: Exception) -> str:
    if isinstance(e, pydantic.ValidationError):
        return "; ".join(
            f"{'.'.join(map(str, err['loc']))}: {err['msg']}" if err["loc"] else err["msg"]
            for err in e.errors(include_url=False)
        )
    if isinstance(e, json.JSONDecodeError):
        return f"not valid JSON ({e})"
    return str(e) if isinstance(e, _InvalidArguments) else _exception_line(e)


class _Raised(Exception):
    """Carries a BaseException the tool raised (its ``__cause__``) up to ``ainvoke``.

    A tool's ``sys.exit()`` or ``KeyboardInterrupt`` is the tool's failure, not the user's
    interrupt: carried as an Exception it neither escapes ``run_calls`` nor stops the loop.
    """


def _call_sync(func: Callable[..., Any], args: list, kwargs: dict) -> Any:
    try:
        value = func(*args, **kwargs)
        if inspect.isawaitable(value):  # e.g. an object whose __call__ returns a coroutine
            value = asyncio.run(_await(value))
    except Exception:
        raise
    except BaseException as e:
        raise _Raised from e
    return value


async def _contained(awaitable: Awaitable[T]) -> T:
    """Await an async tool, carrying any BaseException but our own cancellation in _Raised."""
    try:
        return await awaitable
    except (Exception, asyncio.CancelledError):
        raise
    except BaseException as e:
        raise _Raised from e


async def _await(awaitable: Awaitable[T]) -> T:
    return await awaitable


@dataclasses.dataclass
class _Hooks:
    """The user's callbacks, called directly or (``in_caller``) in the thread of run_calls."""

    confirm: Callable[[Tool, Any], bool] | None
    on_start: Callable[[Any], None] | None
    on_finish: Callable[[ToolResult], None] | None
    in_caller: Callable[[Callable[[], Any]], Awaitable[Any]] | None = None

    async def call(self, fn: Callable[..., T] | None, *args: Any) -> T | None:
        if fn is None:
            return None
        if self.in_caller is None:
            return fn(*args)
        return await self.in_caller(functools.partial(fn, *args))


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
            _field(call, "arguments"), call_id=call_id, default_timeout=timeout
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


# --- output -----------------------------------------------------------------------------------


def _is_pandas(value: Any) -> bool:
    pandas = sys.modules.get("pandas")  # never import pandas: a DataFrame means it is loaded
    return pandas is not None and isinstance(value, (pandas.DataFrame, pandas.Series))


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    more = len(text) - limit
    return f"{text[:limit]}\n… [truncated {more:,} more character{'s' if more != 1 else ''}]"


def _exception_line(e: BaseException) -> str:
    message = str(e)
    return f"{type(e).__name__}: {message}" if message else type(e).__name__


_PLUMBING = (  # frames of this package and of the machinery that ran the call
    os.path.dirname(__file__),
    os.path.dirname(asyncio.__file__),
    os.path.dirname(concurrent.futures.__file__),
    threading.__file__,
)


def _user_traceback(e: BaseException) -> str:
    """The traceback from the first frame of the user's code (not this module's plumbing)."""
    frames = e.__traceback__
    while frames is not None and frames.tb_frame.f_code.co_filename.startswith(_PLUMBING):
        frames = frames.tb_next
    return "".join(tb.format_exception(type(e), e, frames or e.__traceback__))
