"""How large a conversation is, how large it may grow, and which whole turns to drop.

The API is stateless: every request carries the whole history, so a conversation that
goes on for hundreds of cells ends up larger than the model's context window (the
provider refuses it) or than the server takes (HTTP 413). `Conversation` measures each
request before sending it (`Size`): in tokens, from the last answer's `usage.input_tokens`
plus an estimate of what was added since, or in bytes when the model's context length is
unknown. Past `WARN_FRACTION` of the context (or `BYTE_LIMIT`) it warns, or, with a
`history_limit`, drops the oldest turns first (`drop_oldest`), whole: a function call
never loses its output, nor a reasoning item what follows it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BYTE_LIMIT",
    "LOOKUP_FLOOR",
    "WARN_FRACTION",
    "Measured",
    "Size",
    "context_length_of",
    "drop_oldest",
    "estimate_each",
    "estimate_tokens",
    "history_limit_value",
    "json_bytes",
    "whole_turns",
]

WARN_FRACTION = 0.8
"""The share of the model's context window past which a request is too large to risk."""
BYTE_LIMIT = 4_000_000
"""The request size (JSON bytes of input, instructions and tools) past which a request
is too large, when the model's context length is unknown. Servers refuse bodies of a
few MB (413); every model's context fills long before."""
LOOKUP_FLOOR = 3_000
"""Tokens below which no model is near its context (the smallest windows are 4,096
tokens): the model catalogue is only read once a conversation grows past this."""
CHARS_PER_TOKEN = 4  # a common rule for English text and JSON with real tokenizers
IMAGE_TOKENS = 1_000  # a data URL (an image or file) counts as this many, not its length


@dataclass(frozen=True)
class Size:
    """The size of one request, and the limit it is held to.

    `tokens` is measured (the last answer's input and output tokens) plus an estimate of
    what came after; `bytes` the JSON size. `context_length` is the model's window when
    known; then the limit is `WARN_FRACTION` of it, in tokens, else `BYTE_LIMIT` bytes.
    `history_limit` (tokens) replaces that limit when the conversation sets one.
    """

    tokens: int
    bytes: int
    model: str
    context_length: int | None = None
    history_limit: int | None = None

    @property
    def unit(self) -> str:
        """What the limit counts: "tokens", or "bytes" when the context length is unknown."""
        known = self.context_length is not None or self.history_limit is not None
        return "tokens" if known else "bytes"

    @property
    def limit(self) -> int:
        """The largest size allowed, in `unit`."""
        if self.history_limit is not None:
            return self.history_limit
        if self.context_length is not None:
            return int(self.context_length * WARN_FRACTION)
        return BYTE_LIMIT

    @property
    def value(self) -> int:
        """The size in `unit`."""
        return self.tokens if self.unit == "tokens" else self.bytes

    @property
    def over(self) -> bool:
        """Whether the request is larger than its limit."""
        return self.value > self.limit

    def describe(self) -> str:
        """E.g. "about 3,400 tokens, past 80% of emulator/small-context's 4,096-token context"."""
        if self.history_limit is not None:
            return f"about {self.tokens:,} tokens, past its history_limit of {self.limit:,}"
        if self.context_length is not None:
            return (
                f"about {self.tokens:,} tokens, past {WARN_FRACTION:.0%} of {self.model}'s "
                f"{self.context_length:,}-token context"
            )
        return (
            f"{self.bytes:,} bytes, past the {BYTE_LIMIT:,}-byte limit for a model of "
            "unknown context"
        )


@dataclass(frozen=True)
class Measured:
    """What the server counted for the first `count` items of a conversation (`last` is
    the last of them): `tokens`, its input plus its answer, and `estimate`, the sum of
    `estimate_tokens` over those items, kept so that the next estimate adds only new items."""

    count: int
    last: dict[str, Any]
    tokens: int
    estimate: int

    def covers(self, items: list[dict[str, Any]]) -> bool:
        """Whether `items` still start with the items measured (the same objects)."""
        return 0 < self.count <= len(items) and items[self.count - 1] is self.last


def json_bytes(value: Any) -> int:
    """The size of `value` as the client sends it (compact JSON, UTF-8)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return len(text.encode())


def estimate_tokens(value: Any) -> int:
    """Roughly how many tokens `value` (items, instructions, tools) costs a model.

    Four characters of JSON make a token; an embedded file or image (a data URL) counts
    `IMAGE_TOKENS`, since models bill images by their pixels, not their base64 length.
    """
    chars, urls = _chars(value)
    return math.ceil(chars / CHARS_PER_TOKEN) + urls * IMAGE_TOKENS


def estimate_each(items: list[Any]) -> int:
    """The sum of `estimate_tokens` over `items`: additive, so it can be kept and extended."""
    return sum(estimate_tokens(item) for item in items)


def _chars(value: Any) -> tuple[int, int]:
    """Characters of `value` as JSON, data URLs left out, and how many data URLs it holds."""
    if isinstance(value, str):
        return (0, 1) if value.startswith("data:") else (len(value) + 2, 0)
    if isinstance(value, dict):
        pairs = [_chars(item) for item in value.values()]
        keys = sum(len(str(key)) + 4 for key in value)
        return keys + sum(c for c, _ in pairs) + 2, sum(u for _, u in pairs)
    if isinstance(value, (list, tuple)):
        pairs = [_chars(item) for item in value]
        return len(pairs) + 2 + sum(c for c, _ in pairs), sum(u for _, u in pairs)
    return len(json.dumps(value, default=str)), 0


def whole_turns(history: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """`history` cut into turns, each starting at a user message.

    A cut is made only where nothing is left open: every function call before it has
    its output before it, and no reasoning item is the last thing before it (a
    reasoning item goes with what follows). Items before the first user message make
    a turn of their own.
    """
    turns: list[list[dict[str, Any]]] = []
    open_calls: set[Any] = set()
    previous: dict[str, Any] = {}
    for item in history:
        kind = item.get("type", "message")
        starts = kind == "message" and item.get("role") == "user"
        if not turns or (starts and not open_calls and previous.get("type") != "reasoning"):
            turns.append([])
        turns[-1].append(item)
        if kind == "function_call":
            open_calls.add(item.get("call_id"))
        elif kind == "function_call_output":
            open_calls.discard(item.get("call_id"))
        previous = item
    return turns


def drop_oldest(
    history: list[dict[str, Any]], excess: float, size_of: Any
) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
    """The history without its oldest whole turns, enough of them to shed `excess`.

    `size_of(turn)` is a turn's size in the unit of `excess`. Returns the kept history and
    the dropped turns (all of them if even that does not shed enough).
    """
    turns = whole_turns(history)
    dropped: list[list[dict[str, Any]]] = []
    while turns and excess > 0:
        turn = turns.pop(0)
        dropped.append(turn)
        excess -= size_of(turn)
    return [item for turn in turns for item in turn], dropped


def context_length_of(entry: dict[str, Any] | None) -> int | None:
    """The context window (tokens) a `/models` entry gives, or None."""
    if not isinstance(entry, dict):
        return None
    value = entry.get("context_length")
    if not isinstance(value, int) or isinstance(value, bool):
        top = entry.get("top_provider")
        value = top.get("context_length") if isinstance(top, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def history_limit_value(value: Any) -> int | str | None:
    """A `history_limit` checked: None (keep all), "auto" or a positive number of tokens.

    Raises ValueError with one line saying what is allowed.
    """
    if value is None or value == "auto":
        return value
    if isinstance(value, str) and value.strip().replace("_", "").replace(",", "").isdigit():
        value = int(value.strip().replace("_", "").replace(",", ""))
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    raise ValueError(
        f"history_limit must be a positive number of tokens, 'auto' (80% of the model's "
        f"context) or None (keep everything), not {value!r}"
    )
