"""The tools a conversation of the magics offers: `--tools a,b` names notebook functions,
remembered for the conversation and looked up again at every cell, so the model sees and
runs the current definition; `%responses tools drop NAME` withdraws one.
"""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError

from ..tools import Tool, as_tool
from .session import Offered, Session

__all__ = ["resolve_tool", "tool_overrides"]


def tool_overrides(session: Session, name: str, listed: list[str], chat: Any) -> dict[str, Any]:
    """This cell's tools: the names offered so far plus `listed`, looked up afresh."""
    offered = session.offered.setdefault(name, Offered())
    new = [n for n in listed if n not in offered.names]
    current = {}
    for tool_name in [*offered.names, *new]:
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


def _has_calls(history: list[dict[str, Any]]) -> bool:
    return any(item.get("type") == "function_call" for item in history)
