"""OpenRouter's server tools and remote MCP servers, scripted: never a clock, never the network.

- `openrouter:datetime`, offered and asked about the time or the date: a datetime item at
  the fixed instant `NOW` (in the tool's `timezone`), then an answer quoting it.
- `openrouter:web_fetch`, offered and given a URL: a fetch item from the fixed `PAGES`
  (HTTP 404 for any other URL), then an answer from the page.
- A remote MCP server (`type: "mcp"`): an `mcp_list_tools` item (the scripted `REMOTE_TOOLS`,
  or the `allowed_tools`), then the tool named in the prompt (else the first): with
  `require_approval: "never"` an `mcp_call` item and an answer; otherwise an
  `mcp_approval_request`, and the next request's `mcp_approval_response` gets the
  `mcp_call` (approved) or an answer saying it was declined.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .request import Request

__all__ = ["NOW", "PAGES", "REMOTE_TOOLS", "serve"]

NOW = dt.datetime(2026, 3, 12, 14, 30, tzinfo=dt.timezone.utc)  # the emulator's clock
PAGES = {
    "https://example.com/": ("Example Domain", "This domain is for use in documentation examples."),
    "https://docs.example.com/responses/streaming": (
        "Streaming responses — Example Docs",
        "Streamed answers arrive as server-sent events, one delta at a time.",
    ),
}
REMOTE_TOOLS = [
    {
        "name": "lookup",
        "description": "Look a word up in the scripted dictionary.",
        "input_schema": {"type": "object", "properties": {"word": {"type": "string"}}},
    }
]
_TIME_WORDS = re.compile(r"\b(time|date|today|day|now|clock|datetime)\b", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s)>\]\"']+")


def serve(request: Request) -> tuple[list[dict[str, Any]], str | None] | None:
    """The server items and answer for a request its server tools handle (None: not theirs)."""
    tools = [t for t in request.body.get("tools") or [] if isinstance(t, dict)]
    prompt = request.last_user_text
    answered = _answered_approvals(request)
    if answered:
        return answered
    for tool in tools:
        if tool.get("type") == "mcp":
            return _remote(tool, prompt)
    kinds = {t.get("type"): t.get("parameters") or {} for t in tools}
    if "openrouter:datetime" in kinds and _TIME_WORDS.search(prompt):
        return _datetime(kinds["openrouter:datetime"])
    if "openrouter:web_fetch" in kinds and (url := _URL.search(prompt)):
        return _fetch(url.group(0).rstrip(".,;"))
    return None


def _datetime(parameters: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    name = str(parameters.get("timezone") or "UTC")
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        zone, name = ZoneInfo("UTC"), "UTC"
    local = NOW.astimezone(zone)
    stamp = local.isoformat(timespec="milliseconds")
    item = {
        "type": "openrouter:datetime",
        "status": "completed",
        "datetime": stamp,
        "timezone": name,
    }
    text = (
        f"It is {local:%H:%M} on {local:%A %d %B %Y} in {name} "
        "(the emulator's scripted clock, always the same instant)."
    )
    return [item], text


def _fetch(url: str) -> tuple[list[dict[str, Any]], str]:
    page = PAGES.get(url) or PAGES.get(url.rstrip("/") + "/")
    if page is None:
        error = "HTTP 404: the emulator knows only its fixed pages"
        item = {"type": "openrouter:web_fetch", "status": "failed", "url": url, "httpStatus": 404}
        return [{**item, "error": error}], f"I could not fetch {url}: {error}."
    title, content = page
    item = {
        "type": "openrouter:web_fetch",
        "status": "completed",
        "url": url,
        "httpStatus": 200,
        "title": title,
        "content": content,
    }
    return [item], f"**{title}** ({url}) says: {content}"


def _remote(tool: dict[str, Any], prompt: str) -> tuple[list[dict[str, Any]], str | None]:
    label = str(tool.get("server_label") or "mcp")
    allowed = tool.get("allowed_tools")
    names = [str(n) for n in allowed] if isinstance(allowed, list) and allowed else None
    listed = [t for t in REMOTE_TOOLS if names is None or t["name"] in names]
    listed += [
        {"name": n, "input_schema": {"type": "object", "properties": {}}}
        for n in names or []
        if n not in {t["name"] for t in REMOTE_TOOLS}
    ]
    items: list[dict[str, Any]] = [
        {"type": "mcp_list_tools", "server_label": label, "tools": listed}
    ]
    chosen = next((t for t in listed if t["name"] in prompt), listed[0])
    arguments = json.dumps({k: prompt[:40] for k in chosen["input_schema"].get("properties", {})})
    call = {"name": chosen["name"], "arguments": arguments, "server_label": label}
    if tool.get("require_approval") == "never":
        items.append(_called(call))
        return items, _reported(call)
    items.append({"type": "mcp_approval_request", **call})
    return items, None


def _answered_approvals(request: Request) -> tuple[list[dict[str, Any]], str] | None:
    """For input ending with `mcp_approval_response`s: the approved calls, or the refusal."""
    answers = []
    for item in reversed(request.items):
        if item.get("type") != "mcp_approval_response":
            break
        answers.insert(0, item)
    if not answers:
        return None
    asked = {i.get("id"): i for i in request.items if i.get("type") == "mcp_approval_request"}
    items, lines = [], []
    for answer in answers:
        call = asked.get(answer.get("approval_request_id")) or {}
        shaped = {
            "name": str(call.get("name") or "?"),
            "arguments": str(call.get("arguments") or "{}"),
            "server_label": str(call.get("server_label") or "mcp"),
        }
        if answer.get("approve") is True:
            items.append(_called(shaped))
            lines.append(_reported(shaped))
        else:
            lines.append(f"You declined the call of {shaped['name']}, so I did not run it.")
    return items, "\n\n".join(lines)


def _called(call: dict[str, str]) -> dict[str, Any]:
    output = f"{call['name']} ran on {call['server_label']} (scripted): {call['arguments']}"
    return {"type": "mcp_call", **call, "output": output}


def _reported(call: dict[str, str]) -> str:
    return f"The remote MCP server {call['server_label']} ran `{call['name']}` for me (scripted)."
