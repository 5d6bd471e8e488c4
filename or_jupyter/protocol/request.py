"""Building the JSON body of a Responses request from friendly keyword arguments."""

from __future__ import annotations

from typing import Any

from .server_tools import web_search_tool

__all__ = ["request_body", "tool_choice_param"]

_CHOICES = ("auto", "none", "required")


def tool_choice_param(choice: Any) -> Any:
    """`"auto"`, `"none"`, `"required"` pass through; any other name forces that function."""
    if isinstance(choice, str) and choice not in _CHOICES:
        return {"type": "function", "name": choice}
    return choice


def request_body(params: dict[str, Any], *, stream: bool) -> dict[str, Any]:
    """The request body: None values dropped, shorthands expanded, `stream` set.

    Shorthands: `tools` may hold objects with a `.schema` (our tools) or plain
    dicts; `tool_choice` may be a bare function name; `reasoning` may be an
    effort string such as `"high"`; `web` (True or a dict of options) adds OpenRouter's
    web search server tool (see `server_tools`); `server_tools` (a list of `tools` entries:
    OpenRouter's server tools, remote MCP servers) are added to `tools`.
    """
    web = web_search_tool(params.get("web"))
    extra = [*([web] if web is not None else []), *(params.get("server_tools") or ())]
    body = {
        key: value
        for key, value in params.items()
        if value is not None and key not in ("web", "server_tools")
    }
    if extra:
        body["tools"] = [*(body.get("tools") or ()), *extra]
    if "model" not in body:
        raise TypeError("a model is required, e.g. model='openai/gpt-5-mini'")
    if "input" not in body:
        raise TypeError("input is required: a string or a list of input items")
    if "tools" in body:
        body["tools"] = [getattr(tool, "schema", tool) for tool in body["tools"]]
    if "tool_choice" in body:
        body["tool_choice"] = tool_choice_param(body["tool_choice"])
    if isinstance(body.get("reasoning"), str):
        body["reasoning"] = {"effort": body["reasoning"]}
    body["stream"] = stream
    return body
