"""MCP servers kept connected in the kernel: one background event loop owns every session.

The official `mcp` SDK (the optional extra `or_jupyter[mcp]`, imported only when a server is
added) speaks to a server over stdio (a child process) or streamable HTTP. Its sessions are
anyio tasks: each server gets one long-lived task on a private loop in a daemon thread, which
enters the SDK's `Client`, lists the tools, and waits until `remove` (or the interpreter's
exit) tells it to leave, which stops a stdio server's process. Calls from any thread are
submitted to that loop (`ServerHub.call`), so a connection lives across notebook cells.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import dataclasses
import importlib
import os
import tempfile
import threading
from collections.abc import Coroutine, Mapping
from typing import IO, Any, Literal, TypeVar

__all__ = ["DEFAULT_HUB", "McpServerError", "ServerHub", "ServerSpec", "connected"]

T = TypeVar("T")
Approve = Literal["ask", "auto"]
START_TIMEOUT = 30.0  # seconds a server may take to start and list its tools
STOP_TIMEOUT = 10.0  # seconds to wait for a server to stop (the SDK kills it before that)
_STDERR_TAIL = 400  # characters of a crashed server's stderr quoted in the error


class McpServerError(RuntimeError):
    """An MCP server could not be started, reached or used; the message is one line."""


@dataclasses.dataclass(frozen=True)
class ServerSpec:
    """How to reach a server: `command` + `args` (stdio) or `url` + `headers` (HTTP)."""

    name: str
    command: str | None = None
    args: tuple[str, ...] = ()
    url: str | None = None
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict, repr=False)  # tokens
    env: Mapping[str, str] | None = dataclasses.field(default=None, repr=False)
    approve: Approve = "ask"

    def __post_init__(self) -> None:
        if (self.command is None) == (self.url is None):
            raise ValueError(f"MCP server {self.name!r}: give a command or a url, not both")
        if self.approve not in ("ask", "auto"):
            raise ValueError(f"approve must be 'ask' or 'auto', not {self.approve!r}")

    @property
    def where(self) -> str:
        """The command line (the program by its file name, not its local path) or the URL,
        for listings; headers are left out: they may hold tokens."""
        if not self.command:
            return str(self.url)
        return " ".join([os.path.basename(self.command), *self.args])


@dataclasses.dataclass
class Connected:
    """A running server: its spec, the SDK client, its tools as listed, and its stop switch."""

    spec: ServerSpec
    client: Any
    tools: list[Any]
    stop: asyncio.Event
    task: asyncio.Task
    stderr: IO[bytes] | None = None
    lost: bool = False  # the connection closed under a call: the server died

    @property
    def running(self) -> bool:
        return not self.lost and not self.task.done()

    def stderr_tail(self) -> str:
        """The last line the server wrote to stderr ("" if none), for error messages."""
        return _tail(self.stderr)


class ServerHub:
    """The connected servers of one process, by name, and the loop thread that owns them."""

    def __init__(self) -> None:
        self.servers: dict[str, Connected] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    # -- the loop -------------------------------------------------------------------

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                threading.Thread(
                    target=loop.run_forever, name="or_jupyter-mcp", daemon=True
                ).start()
                self._loop = loop
            return self._loop

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run `coroutine` on the hub's loop; its future, to wait on from any thread."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._running_loop())

    def wait(self, coroutine: Coroutine[Any, Any, T], timeout: float | None) -> T:
        """Run `coroutine` on the hub's loop and wait for it (cancelled on a timeout or an
        interrupt, so that nothing is left running)."""
        future = self.submit(coroutine)
        try:
            return future.result(timeout)
        except BaseException:
            future.cancel()
            raise

    # -- servers --------------------------------------------------------------------

    def add(self, spec: ServerSpec, *, timeout: float = START_TIMEOUT) -> Connected:
        """Start (or connect to) a server and list its tools; replaces one of the same name.

        Raises `McpServerError` (one line) if it cannot start, answer or list its tools
        within `timeout` seconds; nothing is left running then.
        """
        _import_mcp()
        if spec.name in self.servers:
            self.remove(spec.name)
        ready: concurrent.futures.Future[Connected] = concurrent.futures.Future()
        life = self.submit(_serve(spec, ready))
        try:
            server = ready.result(timeout)
        except BaseException as e:  # a timeout, or the user's interrupt: leave nothing behind
            ready.cancel()
            life.cancel()  # the SDK stops a stdio server's process on the way out
            if isinstance(e, concurrent.futures.TimeoutError):
                raise McpServerError(
                    f"MCP server {spec.name!r} did not start within {timeout:g} s"
                ) from None
            raise
        self.servers[spec.name] = server
        return server

    def remove(self, name: str, *, timeout: float = STOP_TIMEOUT) -> bool:
        """Stop the server `name` (its process ends); False if there was none."""
        server = self.servers.pop(name, None)
        if server is None:
            return False
        loop = self._running_loop()
        loop.call_soon_threadsafe(server.stop.set)
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(_finished(server.task), loop).result(timeout)
        return True

    def shutdown(self) -> None:
        """Stop every server (at the interpreter's exit, and on kernel shutdown)."""
        for name in list(self.servers):
            self.remove(name)

    def get(self, name: str) -> Connected:
        """The server `name` (a one-line `McpServerError` if none is added)."""
        server = self.servers.get(name)
        if server is None:
            known = ", ".join(self.servers) or "none"
            raise McpServerError(
                f"no MCP server named {name!r} (added: {known}); add it with "
                f"%responses mcp add {name} -- COMMAND ..."
            )
        if not server.running:
            raise McpServerError(
                f"MCP server {name!r} has stopped{_quoted(server.stderr_tail())}; "
                f"add it again with %responses mcp add"
            )
        return server


async def _serve(spec: ServerSpec, ready: concurrent.futures.Future) -> None:
    """The life of one connection: enter the SDK client, list tools, report, wait, leave."""
    import mcp

    stop = asyncio.Event()
    stderr = tempfile.TemporaryFile() if spec.command else None  # noqa: SIM115 - lives with it
    try:
        async with mcp.Client(_transport(spec, stderr), mode="legacy") as client:
            tools = await _all_tools(client)
            if any(_field(t, "output_schema", "outputSchema") for t in tools):
                # The SDK checks results against output schemas with jsonschema, whose first
                # import takes seconds: pay it now, off the loop, not in the first call.
                await asyncio.to_thread(importlib.import_module, "jsonschema")
            task = asyncio.current_task()
            assert task is not None
            server = Connected(spec, client, tools, stop, task, stderr)
            if not ready.set_running_or_notify_cancel():
                return  # the caller gave up waiting: leave at once
            ready.set_result(server)
            await stop.wait()
    except BaseException as e:  # noqa: BLE001 - reported to whoever waits for the start
        if not ready.done() and ready.set_running_or_notify_cancel():
            ready.set_exception(_start_error(spec, e, stderr))
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
    finally:
        if stderr is not None:
            stderr.close()


def _transport(spec: ServerSpec, stderr: IO[bytes] | None) -> Any:
    """The SDK's transport for the spec: a stdio process, or streamable HTTP with headers."""
    import mcp
    from mcp.client.stdio import stdio_client
    from mcp.client.streamable_http import streamable_http_client

    if spec.command:
        params = mcp.StdioServerParameters(
            command=spec.command, args=list(spec.args), env=dict(spec.env) if spec.env else None
        )
        return stdio_client(params, errlog=stderr)
    import httpx2

    http = httpx2.AsyncClient(headers=dict(spec.headers), timeout=httpx2.Timeout(30, read=300))
    return streamable_http_client(str(spec.url), http_client=http)


async def _all_tools(client: Any) -> list[Any]:
    """Every tool the server lists, following pagination (at most 50 pages)."""
    tools, cursor = [], None
    for _ in range(50):
        page = await client.list_tools(cursor=cursor)
        tools += list(page.tools)
        cursor = page.next_cursor
        if not cursor:
            break
    return tools


async def _finished(task: asyncio.Task) -> None:
    with contextlib.suppress(BaseException):
        await task


def _start_error(spec: ServerSpec, e: BaseException, stderr: IO[bytes] | None) -> McpServerError:
    reason = _reason(e)
    if spec.command:
        return McpServerError(
            f"MCP server {spec.name!r} ({spec.where}) could not start: {reason}"
            f"{_quoted(_tail(stderr))}"
        )
    return McpServerError(f"MCP server {spec.name!r} at {spec.url} could not connect: {reason}")


def _reason(e: BaseException) -> str:
    """One line for an exception, looking inside anyio's exception groups."""
    while getattr(e, "exceptions", None):  # an ExceptionGroup (exceptiongroup on 3.10)
        e = e.exceptions[0]  # type: ignore[attr-defined]
    message = " ".join(str(e).split())
    text = f"{type(e).__name__}: {message}" if message else type(e).__name__
    return text[:300]


def _tail(stderr: IO[bytes] | None) -> str:
    if stderr is None:
        return ""
    with contextlib.suppress(OSError, ValueError):
        stderr.seek(0, 2)
        size = stderr.tell()
        stderr.seek(max(size - 4096, 0))
        lines = [ln for ln in stderr.read().decode("utf-8", "replace").splitlines() if ln.strip()]
        return lines[-1].strip()[:_STDERR_TAIL] if lines else ""
    return ""


def _quoted(tail: str) -> str:
    return f" (its last words: {tail})" if tail else ""


def _field(obj: Any, name: str, old_name: str) -> Any:
    """A field of an SDK object, by its mcp 2 name or its mcp 1 (camelCase) name."""
    value = getattr(obj, name, None)
    return getattr(obj, old_name, None) if value is None else value


def _import_mcp() -> None:
    try:
        import mcp  # noqa: F401
    except ImportError:
        raise McpServerError(
            "MCP servers need the mcp package: pip install 'or_jupyter[mcp]'"
        ) from None


DEFAULT_HUB = ServerHub()
"""The process's servers: the magic's `%responses mcp add` and `orj.mcp_tools` share them."""
atexit.register(DEFAULT_HUB.shutdown)


def connected(name: str) -> Connected:
    """The running server `name` of the process's hub."""
    return DEFAULT_HUB.get(name)
