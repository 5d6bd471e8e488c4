"""Stream events: canonical names and parsing of one SSE message into an `Event`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .errors import ProtocolError
from .sse import SSEMessage

__all__ = ["ALIASES", "DONE", "Event", "canonical_type", "parse_message"]

# Names seen in OpenRouter's documentation pages but not in its spec or real traffic.
ALIASES = {
    "response.content_part.delta": "response.output_text.delta",
    "response.done": "response.completed",
    "response.reasoning.delta": "response.reasoning_text.delta",
    "response.error": "error",
}

DONE = b"[DONE]"


@dataclass(slots=True)
class Event:
    """One stream event: `.type` is the canonical name, `.data` the JSON object as sent."""

    type: str
    data: dict[str, Any]


def canonical_type(name: str) -> str:
    """Map a documented alias to the canonical event name; other names pass through."""
    return ALIASES.get(name, name)


def parse_message(message: SSEMessage, index: int) -> Event:
    """Parse one SSE message (not `[DONE]`) into an `Event`.

    The type comes from the JSON `type` (OpenRouter sends `data:` lines only), else
    the SSE `event:` name. A chunk that carries only an `error` object (as
    OpenRouter does mid-stream) becomes an `error` event.
    """
    try:  # decoding first skips json's encoding detection: measurably faster per event
        data = json.loads(message.data.decode("utf-8"))
    except ValueError as exc:
        preview = message.data[:120].decode("utf-8", "replace")
        raise ProtocolError(
            f"event #{index} ({message.event}) is not valid JSON: {getattr(exc, 'msg', exc)}"
            f" — data starts {preview!r}"
        ) from None
    if not isinstance(data, dict):
        raise ProtocolError(f"event #{index} ({message.event}) is JSON but not an object")
    kind = data.get("type")
    if not isinstance(kind, str):
        kind = "error" if isinstance(data.get("error"), dict) else message.event
    elif kind in ALIASES:
        kind = ALIASES[kind]
    return Event(kind, data)
