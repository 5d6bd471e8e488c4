"""OpenRouter's server tools as request `tools` entries, built from friendly values.

`web=True` or `web={"max_results": 5, "allowed_domains": [...]}` becomes the spec's
`OpenRouterWebSearchServerTool`: `{"type": "openrouter:web_search", "parameters": {...}}`
(`parameters` is a `WebSearchConfig`). Wrong values raise `TypeError` / `ValueError`
naming the option, before anything is sent.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "SEARCH_STATUS_EVENTS",
    "SERVER_TOOL_TYPES",
    "WEB_SEARCH",
    "remote_mcp_tool",
    "server_tool",
    "split_server_tools",
    "web_search_tool",
]

WEB_SEARCH = "openrouter:web_search"
# The events a `web_search_call` item streams between `output_item.added` and `.done`,
# and the item status each stands for.
SEARCH_STATUS_EVENTS = {
    "response.web_search_call.in_progress": "in_progress",
    "response.web_search_call.searching": "searching",
    "response.web_search_call.completed": "completed",
}

_INTEGERS = ("max_results", "max_total_results", "max_uses", "max_characters")
_DOMAINS = ("allowed_domains", "excluded_domains")
_CHOICES = {
    "engine": ("auto", "native", "exa", "parallel", "firecrawl", "perplexity"),
    "search_context_size": ("low", "medium", "high"),
}
_PASSED = ("mode", "user_location")  # passed on as given; the server checks them
_KEYS = (*_INTEGERS, *_DOMAINS, *_CHOICES, *_PASSED)


def web_search_tool(web: Any) -> dict[str, Any] | None:
    """The `tools` entry for `web` (True, False/None, or a `WebSearchConfig` dict).

    Domains may be given as a list or as one comma-separated string. `allowed_domains`
    and `excluded_domains` exclude each other, as the spec says.
    """
    if web is None or web is False:
        return None
    if web is True:
        return {"type": WEB_SEARCH}
    if not isinstance(web, dict):
        raise TypeError(f"web must be True, False or a dict of options, got {type(web).__name__}")
    unknown = sorted(set(web) - set(_KEYS))
    if unknown:
        raise ValueError(f"web: unknown option {unknown[0]!r}; options: {', '.join(_KEYS)}")
    parameters: dict[str, Any] = {}
    for key, value in web.items():
        if value is None:
            continue
        if key in _INTEGERS:
            parameters[key] = _positive(key, value)
        elif key in _DOMAINS:
            domains = _domains(key, value)
            if domains:
                parameters[key] = domains
        elif key in _CHOICES:
            if value not in _CHOICES[key]:
                raise ValueError(
                    f"web {key} must be one of {', '.join(_CHOICES[key])} (got {value!r})"
                )
            parameters[key] = value
        else:
            parameters[key] = value
    if "allowed_domains" in parameters and "excluded_domains" in parameters:
        raise ValueError("web: allowed_domains and excluded_domains cannot be used together")
    return {"type": WEB_SEARCH, "parameters": parameters} if parameters else {"type": WEB_SEARCH}


def _positive(key: str, value: Any) -> int:
    if type(value) is not int:
        raise TypeError(f"web {key} must be an integer, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"web {key} must be at least 1 (got {value})")
    return value


def _domains(key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)) or not all(isinstance(d, str) for d in value):
        raise TypeError(f"web {key} must be a list of domain names or a comma-separated string")
    domains = [d.strip() for d in value if d.strip()]
    for domain in domains:
        if "/" in domain or " " in domain or "." not in domain:
            raise ValueError(f"web {key}: {domain!r} is not a domain name like example.com")
    return domains


SERVER_TOOL_TYPES = (  # the spec's `openrouter:*` server tools
    "openrouter:web_search",
    "openrouter:web_fetch",
    "openrouter:datetime",
    "openrouter:image_generation",
    "openrouter:experimental__search_models",
    "openrouter:advisor",
    "openrouter:apply_patch",
    "openrouter:bash",
    "openrouter:files",
    "openrouter:fusion",
    "openrouter:shell",
    "openrouter:subagent",
    "openrouter:tool_search",
)
_ALIASES = {"openrouter:search_models": "openrouter:experimental__search_models"}
_PREFIX = "openrouter:"


def server_tool(text: str) -> dict[str, Any]:
    """The `tools` entry for `TYPE[:JSON]`, e.g. `openrouter:datetime` or
    `datetime:{"timezone": "Europe/Paris"}` (the prefix `openrouter:` may be left out; the
    JSON object is the tool's `parameters`). Raises ValueError with one line."""
    text = text.strip()
    bare = text[len(_PREFIX) :] if text.startswith(_PREFIX) else text
    name, sep, rest = bare.partition(":")
    kind = _ALIASES.get(_PREFIX + name, _PREFIX + name)
    if kind not in SERVER_TOOL_TYPES:
        known = ", ".join(t[len(_PREFIX) :] for t in SERVER_TOOL_TYPES)
        raise ValueError(f"unknown server tool {text.split(':{')[0]!r}; known: {known}")
    if not sep or not rest.strip():
        return {"type": kind}
    try:
        parameters = json.loads(rest)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{kind}: its parameters are not valid JSON ({exc})") from None
    if not isinstance(parameters, dict):
        raise ValueError(f"{kind}: its parameters must be a JSON object, got {rest.strip()!r}")
    return {"type": kind, "parameters": parameters}


def split_server_tools(text: str) -> list[str]:
    """`TYPE[:JSON]` entries separated by commas or spaces outside the JSON braces."""
    entries, depth, current, quoted = [], 0, "", False
    for char in text:
        if char == '"' and depth:
            quoted = not quoted
        elif not quoted:
            depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and not quoted and (char == "," or char.isspace()):
            entries.append(current)
            current = ""
        else:
            current += char
    entries.append(current)
    return [entry.strip() for entry in entries if entry.strip()]


def remote_mcp_tool(
    label: str,
    url: str,
    *,
    allowed_tools: list[str] | None = None,
    require_approval: Any = "always",
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """OpenRouter's remote MCP server tool (the spec's `McpServerTool`): the server at `url`,
    called by OpenRouter, under `label`. `require_approval` is "always", "never" or the
    spec's `{"never": {"tool_names": [...]}}` form."""
    if not label or not all(c.isalnum() or c in "_-" for c in label):
        raise ValueError(f"MCP server label {label!r}: use letters, digits, '_' or '-'")
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"MCP server {label!r}: {url!r} is not an http(s) URL")
    tool: dict[str, Any] = {
        "type": "mcp",
        "server_label": label,
        "server_url": url,
        "require_approval": require_approval,
    }
    if allowed_tools:
        tool["allowed_tools"] = list(allowed_tools)
    if headers:
        tool["headers"] = dict(headers)
    return tool
