"""An MCP server's tools as `Tool`s: the same loop, cards, approvals and time limit as functions.

`mcp_tools("time")` connects (or reuses) the server named "time" in the process's
`ServerHub` and returns one `McpTool` per server tool. Names sent to the model are
`SERVER__tool`, made valid function names and unique; descriptions and JSON schemas come
from the server, checked and capped. A call goes to the server on the hub's loop; its
result (text, images, structured content) becomes the call's output, images as
`input_image` parts. A server error, a crash, a hang (the tool timeout) or a malformed
result becomes an error output for the model and one line for the user.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from collections.abc import Mapping
from typing import Any

from .mcp_servers import (
    DEFAULT_HUB,
    Connected,
    McpServerError,
    ServerHub,
    ServerSpec,
    _field,
)
from .output import MAX_OUTPUT_CHARS, _truncate
from .tool import Status, Tool, ToolResult, _parse_arguments

__all__ = ["McpTool", "mcp_tools", "tool_name"]

DESCRIPTION_LIMIT = 2_000  # characters of a server's tool description sent to the model
SCHEMA_LIMIT = 20_000  # characters of a tool's JSON schema; a larger one is refused
IMAGE_LIMIT = 5_000_000  # bytes of base64 image data one result may carry
_EMPTY_SCHEMA = {"type": "object", "properties": {}}
_INVALID = re.compile(r"[^A-Za-z0-9_-]+")


def tool_name(server: str, tool: str, taken: set[str]) -> str:
    """`server__tool` as a valid function name (1-64 of letters, digits, `_`, `-`), unique
    among `taken` (a numbered suffix when two would collide)."""
    base = _INVALID.sub("_", f"{server}__{tool}").strip("_-")[:64] or "mcp_tool"
    name, number = base, 2
    while name in taken:
        suffix = f"_{number}"
        name, number = base[: 64 - len(suffix)] + suffix, number + 1
    return name


class McpTool(Tool):
    """One tool of an MCP server, offered to the model under `name` (`SERVER__tool`).

    A `Tool` for the loop, the cards and approvals (`confirm`), but not built from a Python
    signature: its schema is the server's, and `ainvoke` sends the call to the server.
    """

    def __init__(
        self,
        hub: ServerHub,
        server: str,
        listed: Any,
        *,
        name: str,
        confirm: bool,
        timeout: float | None = None,
    ) -> None:
        self.hub, self.server, self.remote_name = hub, server, str(listed.name)
        self.name, self.confirm, self.timeout, self.strict = name, confirm, timeout, False
        self.max_output_chars, self.main_thread = None, False
        self.description = _description(server, listed)
        self.parameters = _schema(server, listed)
        self.func = self.__call__
        self.__name__ = name
        self.__doc__ = self.description

    @property
    def label(self) -> str:
        """`server › tool`, as the server names it (the model sees `server__tool`); printable
        characters only, at most 100 (the server's name for its tool is untrusted text)."""
        text = f"{self.server} › {self.remote_name}"
        return "".join(ch for ch in text if ch.isprintable())[:100]

    def __call__(self, **arguments: Any) -> Any:
        """Call the tool directly (blocking); returns what the model would get."""
        return self.invoke(arguments).model_output

    def __repr__(self) -> str:
        return f"<McpTool {self.name}: {self.server}/{self.remote_name}>"

    async def ainvoke(
        self,
        arguments: str | Mapping[str, Any] | None = None,
        *,
        call_id: str = "",
        default_timeout: float | None = None,
        runner: Any = None,
    ) -> ToolResult:
        """Call the tool on its server and wait (on the hub's loop) for at most the timeout.

        ``runner`` is ignored: an MCP call never runs in the notebook's thread."""
        start = time.perf_counter()
        limit = self.timeout if self.timeout is not None else default_timeout

        def result(status: Status, output: str, error: str | None = None) -> ToolResult:
            return ToolResult(
                call_id, self.name, output, error, None, time.perf_counter() - start, status
            )

        try:
            args = _parse_arguments(arguments)
        except (ValueError, TypeError) as e:
            reason = f"not valid JSON ({e})" if isinstance(e, json.JSONDecodeError) else str(e)
            return result("error", f"Error: invalid arguments for {self.name}: {reason}", reason)
        try:
            server = self.hub.get(self.server)
            future = self.hub.submit(_call(server, self.remote_name, args))
            answer = await asyncio.wait_for(asyncio.wrap_future(future), limit)
        except (asyncio.TimeoutError, TimeoutError):
            line = (
                f"MCP server {self.server!r} did not answer {self.remote_name} within {limit:g} s"
            )
            return result("timeout", f"Error: {line}; the call was abandoned.", f"Timeout: {line}")
        except McpServerError as e:
            return result("error", f"Error: {e}", str(e))
        except Exception as e:
            line = self._failure(e)
            return result("error", f"Error: {line}", line)
        try:
            text, parts, failed = convert(answer, self.max_output_chars or MAX_OUTPUT_CHARS)
        except Exception as e:  # an answer of the wrong shape
            line = f"MCP server {self.server!r} returned a malformed result: {_one_line(e)}"
            return result("error", f"Error: {line}", line)
        if failed:
            shown = f"{self.server}/{self.remote_name} reported an error: {_one_line(text)}"
            return result("error", f"Error: {text}", shown[:300])
        done = result("done", text)
        done.parts = parts
        return done

    def _failure(self, e: Exception) -> str:
        """One line for a call that failed in the SDK (a crash, a protocol error...)."""
        server = self.hub.servers.get(self.server)
        if server is not None and (server.task.done() or "connection closed" in str(e).lower()):
            server.lost = True
            tail = server.stderr_tail()
            said = f" (its last words: {tail})" if tail else ""
            return f"MCP server {self.server!r} has stopped{said}"
        return f"MCP server {self.server!r} failed to run {self.remote_name}: {_one_line(e)}"


async def _call(server: Connected, name: str, arguments: dict[str, Any]) -> Any:
    return await server.client.call_tool(name, arguments)


def convert(answer: Any, limit: int) -> tuple[str, list[dict[str, Any]] | None, bool]:
    """A `CallToolResult` as (text, parts with images or None, is_error).

    Text parts are joined; structured content is added as JSON when no text says it;
    images become `input_image` parts (data URLs); audio and resources are named.
    """
    texts, images = [], []
    for block in answer.content or []:
        kind = getattr(block, "type", None)
        if kind == "text":
            texts.append(str(block.text))
        elif kind == "image" and isinstance(block.data, str):
            images.append((str(_field(block, "mime_type", "mimeType")), block.data))
        elif kind == "resource":
            resource = block.resource
            texts.append(str(getattr(resource, "text", None) or f"[resource {resource.uri}]"))
        elif kind == "resource_link":
            texts.append(f"[resource {block.uri}]")
        else:
            texts.append(f"[{kind or 'unknown'} content]")
    structured = _field(answer, "structured_content", "structuredContent")
    if structured is not None and not texts:
        texts.append(json.dumps(structured, ensure_ascii=False, separators=(",", ":")))
    text = _truncate("\n".join(texts), limit)
    failed = bool(_field(answer, "is_error", "isError"))
    if not images or failed:
        return text, None, failed
    parts: list[dict[str, Any]] = [{"type": "input_text", "text": text}] if text else []
    budget = IMAGE_LIMIT
    for mime, data in images:
        if len(data) > budget or not mime.startswith("image/"):
            parts.append({"type": "input_text", "text": f"[an image ({mime}) left out]"})
            continue
        base64.b64decode(data, validate=True)  # garbage raises: a malformed result
        budget -= len(data)
        parts.append(
            {"type": "input_image", "detail": "auto", "image_url": f"data:{mime};base64,{data}"}
        )
    shown = text + "".join(f"\n[image {mime}]" for mime, _ in images)
    return shown, parts, False


def _description(server: str, listed: Any) -> str:
    text = " ".join(str(getattr(listed, "description", None) or "").split())
    text = text[:DESCRIPTION_LIMIT]
    return f"{text} (MCP server {server!r}, tool {listed.name!r})".strip()


def _schema(server: str, listed: Any) -> dict[str, Any]:
    """The tool's input schema, checked: an object schema of bounded size."""
    schema = _field(listed, "input_schema", "inputSchema")
    if not isinstance(schema, dict):
        return dict(_EMPTY_SCHEMA)
    try:
        size = len(json.dumps(schema))
    except (TypeError, ValueError):
        raise McpServerError(
            f"MCP server {server!r}: tool {listed.name!r} has a schema that is not JSON"
        ) from None
    if size > SCHEMA_LIMIT:
        raise McpServerError(
            f"MCP server {server!r}: tool {listed.name!r} has a schema of {size:,} characters "
            f"(at most {SCHEMA_LIMIT:,})"
        )
    schema = {k: v for k, v in schema.items() if k not in ("$schema", "$id")}
    if schema.get("type") != "object":
        return dict(_EMPTY_SCHEMA)
    schema.setdefault("properties", {})
    return schema


def _one_line(value: Any) -> str:
    text = value if isinstance(value, str) else (str(value) or type(value).__name__)
    return " ".join(text.split())[:300]


def mcp_tools(
    name: str,
    command: str | list[str] | None = None,
    *,
    url: str | None = None,
    headers: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    approve: str = "ask",
    only: list[str] | None = None,
    timeout: float | None = None,
    hub: ServerHub | None = None,
) -> list[McpTool]:
    """The tools of the MCP server `name`, for `Conversation(tools=...)` or `orj.map`.

    With `command` (a string run as `command.split()`, or a list) or `url`, the server is
    started (or connected) first, replacing one of the same name; without, the server must
    already be added (by an earlier call or `%responses mcp add`). `approve="ask"` makes each
    call need the user's approval; `"auto"` runs them. `only` keeps the named tools.
    """
    hub = hub or DEFAULT_HUB
    if command is not None or url is not None:
        words = command.split() if isinstance(command, str) else list(command or [])
        if command is not None and not words:
            raise ValueError("mcp_tools: command is empty")
        spec = ServerSpec(
            name,
            command=words[0] if words else None,
            args=tuple(words[1:]),
            url=url,
            headers=dict(headers or {}),
            env=env,
            approve=approve,  # type: ignore[arg-type]
        )
        server = hub.add(spec)
    else:
        server = hub.get(name)
    return server_tools(hub, server, only=only, timeout=timeout)


def server_tools(
    hub: ServerHub,
    server: Connected,
    *,
    only: list[str] | None = None,
    timeout: float | None = None,
) -> list[McpTool]:
    """The `McpTool`s of a connected server (those named in `only`, if given)."""
    listed = server.tools
    if only is not None:
        known = {str(t.name) for t in listed}
        missing = [n for n in only if n not in known]
        if missing:
            raise McpServerError(
                f"MCP server {server.spec.name!r} has no tool {missing[0]!r} "
                f"(its tools: {', '.join(sorted(known)) or 'none'})"
            )
        listed = [t for t in listed if str(t.name) in only]
    taken: set[str] = set()
    tools = []
    for item in listed:
        tool = McpTool(
            hub,
            server.spec.name,
            item,
            name=tool_name(server.spec.name, str(item.name), taken),
            confirm=server.spec.approve == "ask",
            timeout=timeout,
        )
        taken.add(tool.name)
        tools.append(tool)
    return tools
