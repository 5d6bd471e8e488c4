"""A read-only view of a Responses request body: the parts the scripted models use."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from . import tokens
from .prefixes import Seen, depth

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
    input_tokens: int = 0  # what its usage bills for the input (`tokens.input_count`)
    seen: Seen | None = None  # the findings for all its input items, to remember (`prefixes`)

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


def parse(body: dict[str, Any], known: Seen | None = None) -> Request:
    """The view of a body that already passed validation; the findings `known` for the
    first input items (`prefixes.find`) are not worked out again."""
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
    seed, seen = _seed(body, known)
    item_tokens = seen.tokens if seen is not None else None
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
        seed=seed,
        input_tokens=tokens.input_count(body, item_tokens),
        seen=seen,
    )


def _seed(body: dict[str, Any], known: Seen | None) -> tuple[int, Seen | None]:
    """The answer's seed: a hash of the seed text (`seed_text`), worked out item by item
    from `known` on when the input is a list; with the findings for all its items."""
    raw_input = body.get("input")
    if not isinstance(raw_input, list):
        digest = hashlib.sha256(seed_text(body).encode())
        return int.from_bytes(digest.digest()[:8], "big"), None
    head, tail = _around_input(body)
    if known is None or known.head != head or known.count > len(raw_input):
        known = Seen(0, 0, 0, head, hashlib.sha256(head.encode()))
    state = known.seed.copy()
    new = raw_input[known.count :]
    for index, item in enumerate(new, start=known.count):
        if index:
            state.update(b", ")
        state.update(json.dumps(_clean(item), sort_keys=True).encode())
    seen = Seen(
        count=len(raw_input),
        tokens=known.tokens + tokens.item_tokens_of(new),
        depth=max([known.depth, *map(depth, new)]),
        head=head,
        seed=state.copy(),
    )
    state.update(tail.encode())
    return int.from_bytes(state.digest()[:8], "big"), seen


def seed_text(body: dict[str, Any]) -> str:
    """The text an answer's seed hashes: the body's seeded fields, nulls dropped (absent
    and null mean the same), as sorted JSON."""
    return json.dumps(_clean({name: body.get(name) for name in SEEDED_FIELDS}), sort_keys=True)


def _around_input(body: dict[str, Any]) -> tuple[str, str]:
    """The seed text before the input's items and after them, written as `json.dumps`
    writes a dict with sorted keys (the input list's brackets included)."""
    fields = _clean({name: body.get(name) for name in SEEDED_FIELDS if name != "input"})
    parts = {key: f"{json.dumps(key)}: {json.dumps(fields[key], sort_keys=True)}" for key in fields}
    before = [parts[key] for key in sorted(parts) if key < "input"]
    after = [parts[key] for key in sorted(parts) if key > "input"]
    return "{" + "".join(part + ", " for part in before) + '"input": [', "]" + "".join(
        ", " + part for part in after
    ) + "}"


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value
