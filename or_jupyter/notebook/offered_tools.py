"""The tools a conversation of the magics offers: `--tools a,b` names notebook functions,
remembered for the conversation and looked up again at every cell, so the model sees and
runs the current definition; `%responses tools drop NAME` withdraws one.
"""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError

from ..tools import Tool, as_tool
from .session import Offered, Session

__all__ = ["MCP_PREFIX", "mcp_offered", "resolve_tool", "tool_overrides"]

MCP_PREFIX = "mcp:"  # -t mcp:NAME offers a server's tools, -t mcp:NAME/TOOL one of them


def tool_overrides(session: Session, name: str, listed: list[str], chat: Any) -> dict[str, Any]:
    """This cell's tools: the names offered so far plus `listed`, looked up afresh."""
    offered = session.offered.setdefault(name, Offered())
    new = [n for n in listed if n not in offered.names]
    current = {}
    for tool_name in [*offered.names, *new]:
        if tool_name.startswith(MCP_PREFIX):
            served = mcp_offered(tool_name, required=tool_name in new)
            if served is None:
                print(f"MCP server of {tool_name!r} is no longer running: not offered")
                offered.names.remove(tool_name)
            current.update(served or {})
            continue
        tool = resolve_tool(session, tool_name, required=tool_name in new)
        if tool is None:
            print(f"tool {tool_name!r} is no longer defined in the notebook: not offered")
            offered.names.remove(tool_name)
            continue
        current[tool_name] = tool
    offered.names += [n for n in new if n not in offered.names]
    for tool_name in current:
        offered.withdrawn.pop(tool_name, None)
    offered.last = current
    if current:
        return {"tools": list(current.values())}
    if offered.withdrawn and _has_calls(chat.history):
        # Some providers reject a history with tool calls when no tools are defined:
        # describe the withdrawn ones again, and forbid calling them.
        return {"tools": list(offered.withdrawn.values()), "tool_choice": "none"}
    return {}


def resolve_tool(session: Session, name: str, *, required: bool) -> Tool | None:
    """The notebook function `name` as a tool (None if it is gone and not `required`)."""
    user_ns = session.shell.user_ns
    value = user_ns.get(name)
    if value is None or not callable(value):
        if not required:
            return None
        if name not in user_ns:
            raise UsageError(f"--tools {name}: no variable {name!r} in the notebook")
        raise UsageError(f"--tools {name}: {name!r} is a {type(value).__name__}, not a function")
    try:
        return as_tool(value)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"--tools {name}: {exc}") from None


def mcp_offered(listed: str, *, required: bool) -> dict[str, Tool] | None:
    """The tools `-t mcp:NAME[/TOOL]` names, by the names the model sees (None if the
    server is gone and not `required`)."""
    from ..tools.mcp_servers import DEFAULT_HUB, McpServerError
    from ..tools.mcp_tools import server_tools

    server, _, tool = listed[len(MCP_PREFIX) :].partition("/")
    try:
        found = server_tools(DEFAULT_HUB, DEFAULT_HUB.get(server), only=[tool] if tool else None)
    except McpServerError as exc:
        if not required:
            return None
        raise UsageError(f"--tools {listed}: {exc}") from None
    return {t.name: t for t in found}


def _has_calls(history: list[dict[str, Any]]) -> bool:
    return any(item.get("type") == "function_call" for item in history)
