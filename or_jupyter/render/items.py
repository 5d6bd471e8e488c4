"""Cards for output items other than messages, reasoning and function calls.

Server tools (`web_search_call`, `openrouter:web_fetch`, `openrouter:datetime`, ...)
and hosted tools (`code_interpreter_call`, `file_search_call`, `mcp_call`, ...) run on
the server; their items are drawn as cards with type, status and a short summary of
input and output, so nothing is dropped silently. An item type without a builder in
`CARD_BUILDERS` gets the generic card: its fields as capped JSON.

`CARD_BUILDERS` is the hook for new item types: map the type to a function of the
item returning a `Summary`. Everything from the server is escaped here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .html import cap
from .sanitize import escape

__all__ = [
    "CARD_BUILDERS",
    "DRAWN_ELSEWHERE",
    "Summary",
    "item_card",
    "search_count",
    "searches_note",
    "summarise",
]

DETAIL_LIMIT = 1_500  # characters of one detail shown in a card
GENERIC_LIMIT = 2_000  # characters of an unknown item's JSON shown
LINE_LIMIT = 120  # characters of the summary line
# Item types the live view draws with panes of their own (answer, reasoning, tool cards).
DRAWN_ELSEWHERE = frozenset(
    {
        "message",
        "reasoning",
        "function_call",
        "image_generation_call",
        "openrouter:image_generation",
    }
)
SEARCH_TYPES = ("web_search_call", "openrouter:web_search")
_ICONS = {
    "web_search_call": "🔎",
    "openrouter:web_search": "🔎",
    "openrouter:web_fetch": "🌐",
    "openrouter:datetime": "🕒",
    "mcp_call": "🔌",
    "mcp_list_tools": "🔌",
    "mcp_approval_request": "🔌",
}
_RUNNING = ("in_progress", "searching", "running", "generating", "interpreting", "queued")


@dataclass
class Summary:
    """What a card says: one line, and labelled details (shown folded under it)."""

    line: str = ""
    details: dict[str, str] = field(default_factory=dict)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, indent=1, default=str)
    except (TypeError, ValueError, RecursionError):
        return repr(value)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _search(item: dict[str, Any]) -> Summary:
    action = item.get("action") if isinstance(item.get("action"), dict) else {}
    kind = action.get("type")
    if kind == "open_page":
        return Summary(f"open {_text(action.get('url'))}")
    if kind == "find_in_page":
        return Summary(f"find {_text(action.get('pattern'))!r} in {_text(action.get('url'))}")
    query = action.get("query") or item.get("query")
    queries = action.get("queries") if isinstance(action.get("queries"), list) else []
    sources = action.get("sources") if isinstance(action.get("sources"), list) else []
    urls = [s.get("url") for s in sources if isinstance(s, dict) and isinstance(s.get("url"), str)]
    line = f"“{_text(query)}”" if query else "searching"
    if sources or item.get("status") == "completed":
        line += f" · {_plural(len(urls), 'result')}"
    details = {}
    if len(queries) > 1:
        details["queries"] = "\n".join(_text(q) for q in queries)
    if urls:
        details["results"] = "\n".join(urls)
    return Summary(line, details)


def _fetch(item: dict[str, Any]) -> Summary:
    line = _text(item.get("url"))
    if item.get("httpStatus") is not None:
        line += f" · HTTP {_text(item.get('httpStatus'))}"
    details = {k: _text(item.get(k)) for k in ("title", "error", "content") if item.get(k)}
    return Summary(line, details)


def _datetime(item: dict[str, Any]) -> Summary:
    return Summary(f"{_text(item.get('datetime'))} {_text(item.get('timezone'))}".strip())


def _code(item: dict[str, Any]) -> Summary:
    details = {"code": _text(item.get("code"))} if item.get("code") else {}
    if item.get("outputs"):
        details["outputs"] = _text(item.get("outputs"))
    return Summary(_text(item.get("container_id")), details)


def _file_search(item: dict[str, Any]) -> Summary:
    queries = item.get("queries") if isinstance(item.get("queries"), list) else []
    results = item.get("results") if isinstance(item.get("results"), list) else []
    line = " · ".join(f"“{_text(q)}”" for q in queries)
    if item.get("results") is not None:
        line += f" · {_plural(len(results), 'result')}"
    return Summary(line, {"results": _text(results)} if results else {})


def _mcp(item: dict[str, Any]) -> Summary:
    label = item.get("server_label") or item.get("serverLabel")
    line = f"{_text(label)} · {_text(item.get('name') or item.get('toolName'))}".strip(" ·")
    details = {k: _text(item.get(k)) for k in ("arguments", "output", "error") if item.get(k)}
    return Summary(line, details)


def _mcp_tools(item: dict[str, Any]) -> Summary:
    tools = item.get("tools") if isinstance(item.get("tools"), list) else []
    names = [_text(t.get("name")) for t in tools if isinstance(t, dict)]
    line = f"{_text(item.get('server_label'))} · {_plural(len(names), 'tool')}"
    details = {"tools": "\n".join(names)} if names else {}
    if item.get("error"):
        details["error"] = _text(item.get("error"))
    return Summary(line, details)


def _mcp_approval(item: dict[str, Any]) -> Summary:
    line = f"{_text(item.get('server_label'))} · {_text(item.get('name'))} asks for approval"
    return Summary(line, {"arguments": _text(item.get("arguments"))})


def _generic(item: dict[str, Any]) -> Summary:
    rest = {k: v for k, v in item.items() if k not in ("type", "id", "status")}
    return Summary("", {"item": cap(_text(rest), GENERIC_LIMIT)} if rest else {})


CARD_BUILDERS: dict[str, Callable[[dict[str, Any]], Summary]] = {
    "web_search_call": _search,
    "openrouter:web_search": _search,
    "openrouter:web_fetch": _fetch,
    "openrouter:datetime": _datetime,
    "code_interpreter_call": _code,
    "openrouter:code_interpreter": _code,
    "file_search_call": _file_search,
    "openrouter:file_search": _file_search,
    "mcp_call": _mcp,
    "openrouter:mcp": _mcp,
    "mcp_list_tools": _mcp_tools,
    "mcp_approval_request": _mcp_approval,
}


def summarise(item: dict[str, Any]) -> Summary:
    """The card's summary of an item (the generic one for a type without a builder)."""
    builder = CARD_BUILDERS.get(_text(item.get("type")), _generic)
    try:
        return builder(item)
    except (TypeError, ValueError, AttributeError, KeyError):  # an odd shape: show it raw
        return _generic(item)


def item_card(item: dict[str, Any], status: str | None = None) -> tuple[str, str]:
    """The card of one item as HTML and as its plain-text fallback."""
    kind = _text(item.get("type")) or "unknown item"
    status = status or _text(item.get("status")) or "?"
    summary = summarise(item)
    line = cap(" ".join(summary.line.split()), LINE_LIMIT)
    icon = _ICONS.get(kind, "🧩")
    running = status in _RUNNING
    label = f"{status}…" if running else status
    head = (
        f"<summary>{icon} <code>{escape(kind)}</code> · "
        f'<span class="orj-status-{escape(status)}">{escape(label)}</span>'
        + (f" · {escape(line)}" if line else "")
        + "</summary>"
    )
    body = "".join(
        f"<div>{escape(name)}</div><pre>{escape(cap(value, DETAIL_LIMIT))}</pre>"
        for name, value in summary.details.items()
    )
    attribute = " open" if running or status == "failed" else ""
    html = f'<details class="orj-pane orj-server-item"{attribute}>{head}{body}</details>'
    text = f"[{kind}] {status}" + (f": {line}" if line else "")
    return html, text


def search_count(response: Any) -> int:
    """Web searches of one response: `usage`'s count when it has one, else its search items."""
    usage = response.usage if isinstance(response.usage, dict) else {}
    for key in ("server_tool_use_details", "server_tool_use"):
        details = usage.get(key)
        count = details.get("web_search_requests") if isinstance(details, dict) else None
        if type(count) is int:
            return count
    return sum(1 for item in response.output if item.get("type") in SEARCH_TYPES)


def searches_note(count: int) -> str:
    """The footer's note of web searches, to append to its line ("" for none)."""
    return f" · {count} web search{'es' if count != 1 else ''}" if count else ""
