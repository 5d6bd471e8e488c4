"""A read-only view of a Responses request body: the parts the scripted models use."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

MODEL_WHEN_MISSING = "emulator/assistant"  # a request without a model gets the assistant
# The fields that choose the words and ids of an answer. Not the model nor the streaming
# flag (every model and both modes give the same words), nor fields SDKs fill with
# defaults (service_tier, store), so that every client gets the same answer.
SEEDED_FIELDS = (
    "input",
    "instructions",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "reasoning",
    "max_output_tokens",
    "text",
    "include",
)


@dataclass(frozen=True)
class Request:
    """The request body (``body``) plus what the scripted models look at, pre-digested."""

    body: dict[str, Any]
    model: str
    items: list[dict[str, Any]]
    stream: bool
    tools: list[dict[str, Any]] = field(default_factory=list)
    tool_choice: Any = "auto"
    parallel_tool_calls: bool = True
    effort: str | None = None
    summary: str | None = None
    max_output_tokens: int | None = None
    seed: int = 0

    @property
    def last_user_text(self) -> str:
        """Text of the last user message, its parts joined by blank lines ("" if none)."""
        for item in reversed(self.items):
            if item.get("role") == "user" and item.get("type", "message") == "message":
                return message_text(item)
        return ""

    @property
    def trailing_outputs(self) -> list[dict[str, Any]]:
        """The ``function_call_output`` items the input ends with (empty if it ends otherwise)."""
        outputs: list[dict[str, Any]] = []
        for item in reversed(self.items):
            if item.get("type") != "function_call_output":
                break
            outputs.insert(0, item)
        return outputs

    def call_name(self, call_id: str) -> str:
        """Name of the function call in the input with this ``call_id`` ("" if none)."""
        for item in self.items:
            if item.get("type") == "function_call" and item.get("call_id") == call_id:
                return str(item.get("name", ""))
        return ""

    @property
    def wants_encrypted_reasoning(self) -> bool:
        return "reasoning.encrypted_content" in (self.body.get("include") or [])


def message_text(item: dict[str, Any]) -> str:
    """Text of a message item whose content is a string or a list of text parts."""
    content = item.get("content")
    if isinstance(content, str):
        return content
    texts = [part.get("text", "") for part in content or [] if isinstance(part, dict)]
    return "\n\n".join(text for text in texts if isinstance(text, str))


def parse(body: dict[str, Any]) -> Request:
    """The view of a body that already passed validation."""
    raw_input = body.get("input")
    if isinstance(raw_input, str):
        items = [{"type": "message", "role": "user", "content": raw_input}]
    else:
        items = [item for item in raw_input or [] if isinstance(item, dict)]
    reasoning = body.get("reasoning") or {}
    effort = reasoning.get("effort")
    if effort is None and (reasoning.get("enabled") or reasoning.get("max_tokens")):
        effort = "medium"
    if effort == "none":
        effort = None
    choice = body.get("tool_choice")
    digest = hashlib.sha256(json.dumps(_seeded(body), sort_keys=True).encode())
    return Request(
        body=body,
        model=body.get("model") or MODEL_WHEN_MISSING,
        items=items,
        stream=bool(body.get("stream")),
        tools=[tool for tool in body.get("tools") or [] if tool.get("type") == "function"],
        tool_choice="auto" if choice is None else choice,
        parallel_tool_calls=body.get("parallel_tool_calls") is not False,
        effort=effort,
        summary=reasoning.get("summary"),
        max_output_tokens=body.get("max_output_tokens"),
        seed=int.from_bytes(digest.digest()[:8], "big"),
    )


def _seeded(body: dict[str, Any]) -> dict[str, Any]:
    """The body's seeded fields, with nulls dropped (absent and null mean the same)."""

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return clean({name: body.get(name) for name in SEEDED_FIELDS})
