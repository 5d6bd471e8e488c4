"""OpenRouter's server tools as request `tools` entries, built from friendly values.

`web=True` or `web={"max_results": 5, "allowed_domains": [...]}` becomes the spec's
`OpenRouterWebSearchServerTool`: `{"type": "openrouter:web_search", "parameters": {...}}`
(`parameters` is a `WebSearchConfig`). Wrong values raise `TypeError` / `ValueError`
naming the option, before anything is sent.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SEARCH_STATUS_EVENTS", "WEB_SEARCH", "web_search_tool"]

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
