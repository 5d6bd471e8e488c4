"""Conversation items: a response's output turned into the input items sent back with the
next request, function calls given ids unique in their conversation, and call outputs.

Pure: the tool loop (`chat/loop.py`), the batch and the comparison all build their
requests from these, so an item is shaped one way wherever it is sent.
"""

from __future__ import annotations

import uuid
from typing import Any

from .response import FunctionCall, Response

__all__ = ["approval_response", "call_output", "input_items", "unique_calls", "user_message"]


def approval_response(request_id: str, approve: bool) -> dict[str, Any]:
    """The `mcp_approval_response` answering a remote MCP server's approval request."""
    return {"type": "mcp_approval_response", "approval_request_id": request_id, "approve": approve}


def user_message(content: str | list[dict[str, Any]]) -> dict[str, Any]:
    """A user message item (`content` is text or a list of input parts)."""
    return {"type": "message", "role": "user", "content": content}


def input_items(response: Response) -> list[dict[str, Any]]:
    """A response's output as input items for the next request.

    Messages keep only what the API accepts back; reasoning items go back as
    received (providers need their `encrypted_content` or `signature`); calls keep
    their `id`. Items of server-side tools are left out, but for a remote MCP server's
    approval requests, which the next request answers.
    """
    items = []
    for item in response.output:
        kind = item.get("type")
        if kind == "message":
            items.append(_message_item(item, response.status))
        elif kind == "function_call":
            items.append(
                {
                    "type": "function_call",
                    "id": item.get("id") or item.get("call_id"),
                    "call_id": item.get("call_id") or item.get("id"),
                    "name": item.get("name"),
                    "arguments": item.get("arguments") or "",
                }
            )
        elif kind == "mcp_approval_request":  # answered by an mcp_approval_response
            keys = ("type", "id", "name", "arguments", "server_label")
            items.append({k: item.get(k) for k in keys})
        elif kind == "reasoning":
            reasoning = {k: v for k, v in item.items() if v is not None and k != "status"}
            reasoning.setdefault("summary", [])
            items.append(reasoning)
    return items


def _message_item(item: dict[str, Any], status: str) -> dict[str, Any]:
    content = [
        {"type": "output_text", "text": part.get("text") or "", "annotations": []}
        if part.get("type") == "output_text"
        else {"type": "refusal", "refusal": part.get("refusal") or ""}
        for part in item.get("content") or []
        if isinstance(part, dict) and part.get("type") in ("output_text", "refusal")
    ]
    message = {
        "type": "message",
        "role": "assistant",
        "id": item.get("id") or f"msg_{uuid.uuid4().hex[:24]}",
        "status": "completed" if status == "completed" else "incomplete",
        "content": content,
    }
    if item.get("phase"):
        message["phase"] = item["phase"]
    return message


def call_output(call_id: str, output: Any) -> dict[str, Any]:
    """The `function_call_output` item for a call, with the unique `id` OpenRouter requires."""
    return {
        "type": "function_call_output",
        "id": f"fco_{uuid.uuid4().hex[:24]}",
        "call_id": call_id,
        "output": output,
    }


def unique_calls(
    items: list[dict[str, Any]], earlier: list[dict[str, Any]], response_id: str | None
) -> list[FunctionCall]:
    """The function calls among `items`, with call ids made unique in the conversation.

    Some providers (Bedrock's Mantle) number calls `call_0`, `call_1`, ... afresh
    in every response; a repeated id would pair an output with the wrong call, so
    it is qualified with the response id (`resp_…:call_0`), as the provider accepts.
    The items are changed in place, so the history carries the qualified ids.
    """
    taken = {item.get("call_id") for item in earlier if item.get("type") == "function_call"}
    calls = []
    for item in items:
        if item["type"] != "function_call":
            continue
        if item["call_id"] in taken:
            item["call_id"] = f"{response_id}:{item['call_id']}"
        taken.add(item["call_id"])
        calls.append(FunctionCall(item["name"], item["call_id"], item["id"], item["arguments"]))
    return calls
