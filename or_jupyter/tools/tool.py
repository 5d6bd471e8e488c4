"""`@tool`: a notebook function as a Responses API function tool, and running one call of it.

The schema comes from pydantic (type hints) and docstring-parser (descriptions);
`invoke`/`ainvoke` parse, validate and run one call from the model and turn whatever
happens (bad JSON, invalid arguments, an exception, a timeout) into a `ToolResult`.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import functools
import inspect
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Literal, TypeVar, overload

import docstring_parser
import pydantic

from . import output as outputs
from .output import _exception_line, _to_text, _truncate, _user_traceback
from .schema import arguments_model, base_schema, drop_nulls, first_line, strict_schema
from .threads import Timeout, block_on, in_thread, run_bounded

__all__ = ["Status", "Tool", "ToolResult", "as_tool", "as_tools", "tool"]

_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

Status = Literal["done", "error", "denied", "timeout", "cancelled", "interrupted"]
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
    images: list[str] = dataclasses.field(default_factory=list)  # data URLs, for the model
    html: str | None = None  # the card's body, when the tool drew its result itself
    parts: list[dict[str, Any]] | None = None  # the model's parts, when the tool made them

    @property
    def model_output(self) -> str | list[dict[str, Any]]:
        """What goes back in ``function_call_output.output``: the text, or with images a list
        of ``input_text`` and ``input_image`` parts (so the model can look at a figure).
        ``parts`` (an MCP result's own text and images) win over both."""
        if self.parts:
            return self.parts
        if not self.images:
            return self.output
        images = [{"type": "input_image", "detail": "auto", "image_url": u} for u in self.images]
        return [{"type": "input_text", "text": self.output}, *images]


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
        main_thread: bool = False,
    ) -> None:
        """``main_thread=True``: calls run in the thread that runs the notebook's cells (the
        caller's, or wherever the observer's ``execute`` hook sends them), like a cell, so that
        matplotlib, ``display()`` and interrupts behave; such a tool has no timeout."""
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
        self.main_thread = main_thread
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

    @property
    def label(self) -> str:
        """What a tool card shows for it: its name (an MCP tool's names its server too)."""
        return self.name

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
        private loop in a worker thread (a ``main_thread`` tool's call in this thread).
        Confirmation is ``run_calls``'s job, not this method's.
        """
        return block_on(
            lambda in_caller: self.ainvoke(
                arguments, call_id=call_id, default_timeout=default_timeout, runner=in_caller
            )
        )

    async def ainvoke(
        self,
        arguments: str | Mapping[str, Any] | None = None,
        *,
        call_id: str = "",
        default_timeout: float | None = None,
        runner: Callable[[Callable[[], Any]], Awaitable[Any]] | None = None,
    ) -> ToolResult:
        """Like ``invoke``, for async callers: ``async def`` tools run on the running loop.

        ``runner(fn)`` runs a ``main_thread`` tool's call where cells run (without one, in
        a worker thread like any other); such a call is never abandoned on a time limit.
        """
        start = time.perf_counter()
        limit = self.timeout if self.timeout is not None else default_timeout
        if self.main_thread and runner is not None:
            limit = None

        def result(
            status: Status, output: str, error: str | None = None, traceback: str | None = None
        ) -> ToolResult:
            return ToolResult(
                call_id,
                self.name,
                _truncate(output, self.max_output_chars or outputs.MAX_OUTPUT_CHARS),
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
            value = await run_bounded(self._start(args, kwargs, runner), limit)
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
        if isinstance(value, outputs.RichOutput):
            done = result(value.status, value.text, value.error)
            done.images, done.html = list(value.images), value.html
            return done
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

    def _start(
        self,
        args: list,
        kwargs: dict,
        runner: Callable[[Callable[[], Any]], Awaitable[Any]] | None = None,
    ) -> asyncio.Future:
        """Start the call: ``async def`` on the running loop, a ``main_thread`` tool through
        ``runner``, anything else in a thread."""
        if self.main_thread and runner is not None and not self._is_async:
            call = functools.partial(_call_sync, self.func, args, kwargs)
            return asyncio.ensure_future(runner(call))
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
    main_thread: bool = False,
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
