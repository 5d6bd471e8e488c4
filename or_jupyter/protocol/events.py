"""Stream events: their names, and parsing of one SSE message into an `Event`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .errors import ProtocolError
from .sse import SSEMessage

__all__ = [
    "ALIASES",
    "CONTENT_PART_ADDED",
    "CONTENT_PART_DONE",
    "DONE",
    "ERROR",
    "FUNCTION_CALL_ARGUMENTS_DELTA",
    "FUNCTION_CALL_ARGUMENTS_DONE",
    "OUTPUT_ITEM_ADDED",
    "OUTPUT_ITEM_DONE",
    "OUTPUT_TEXT_DELTA",
    "OUTPUT_TEXT_DONE",
    "REASONING_SUMMARY_PART_ADDED",
    "REASONING_SUMMARY_PART_DONE",
    "REASONING_SUMMARY_TEXT_DELTA",
    "REASONING_SUMMARY_TEXT_DONE",
    "REASONING_TEXT_DELTA",
    "REASONING_TEXT_DONE",
    "REFUSAL_DELTA",
    "REFUSAL_DONE",
    "RESPONSE_COMPLETED",
    "RESPONSE_CREATED",
    "RESPONSE_FAILED",
    "RESPONSE_INCOMPLETE",
    "RESPONSE_IN_PROGRESS",
    "TERMINAL_TYPES",
    "Event",
    "parse_message",
]

RESPONSE_CREATED = "response.created"
RESPONSE_IN_PROGRESS = "response.in_progress"
RESPONSE_COMPLETED = "response.completed"
RESPONSE_INCOMPLETE = "response.incomplete"
RESPONSE_FAILED = "response.failed"
OUTPUT_ITEM_ADDED = "response.output_item.added"
OUTPUT_ITEM_DONE = "response.output_item.done"
CONTENT_PART_ADDED = "response.content_part.added"
CONTENT_PART_DONE = "response.content_part.done"
OUTPUT_TEXT_DELTA = "response.output_text.delta"
OUTPUT_TEXT_DONE = "response.output_text.done"
REFUSAL_DELTA = "response.refusal.delta"
REFUSAL_DONE = "response.refusal.done"
REASONING_TEXT_DELTA = "response.reasoning_text.delta"
REASONING_TEXT_DONE = "response.reasoning_text.done"
REASONING_SUMMARY_PART_ADDED = "response.reasoning_summary_part.added"
REASONING_SUMMARY_PART_DONE = "response.reasoning_summary_part.done"
REASONING_SUMMARY_TEXT_DELTA = "response.reasoning_summary_text.delta"
REASONING_SUMMARY_TEXT_DONE = "response.reasoning_summary_text.done"
FUNCTION_CALL_ARGUMENTS_DELTA = "response.function_call_arguments.delta"
FUNCTION_CALL_ARGUMENTS_DONE = "response.function_call_arguments.done"
ERROR = "error"

TERMINAL_TYPES = frozenset({RESPONSE_COMPLETED, RESPONSE_INCOMPLETE, RESPONSE_FAILED})

# Names seen in OpenRouter's documentation pages but not in its spec or real traffic.
ALIASES = {
    "response.content_part.delta": OUTPUT_TEXT_DELTA,
    "response.done": RESPONSE_COMPLETED,
    "response.reasoning.delta": REASONING_TEXT_DELTA,
    "response.error": ERROR,
}

DONE = b"[DONE]"


@dataclass(slots=True)
class Event:
    """One stream event: `.type` is the canonical name, `.data` the JSON object as sent."""

    type: str
    data: dict[str, Any]


def parse_message(message: SSEMessage, index: int) -> Event:
    """Parse one SSE message (not `[DONE]`) into an `Event`.

    The type comes from the JSON `type` (OpenRouter sends `data:` lines only), else
    the SSE `event:` name. A chunk that carries only an `error` object (as
    OpenRouter does mid-stream) becomes an `error` event. Data that is not a JSON
    object, or is nested too deeply for `json` to read, is a `ProtocolError`.
    """
    try:  # decoding first skips json's encoding detection: measurably faster per event
        data = json.loads(message.data.decode("utf-8"))
    except ValueError as exc:
        raise _invalid(message, index, getattr(exc, "msg", str(exc))) from None
    except RecursionError:
        raise _invalid(message, index, "nested too deeply") from None
    if not isinstance(data, dict):
        raise ProtocolError(f"event #{index} ({message.event}) is JSON but not an object")
    kind = data.get("type")
    if not isinstance(kind, str):
        kind = ERROR if isinstance(data.get("error"), dict) else message.event
    elif kind in ALIASES:
        kind = ALIASES[kind]
    return Event(kind, data)


def _invalid(message: SSEMessage, index: int, reason: str) -> ProtocolError:
    preview = message.data[:120].decode("utf-8", "replace")
    return ProtocolError(
        f"event #{index} ({message.event}) is not valid JSON: {reason} — data starts {preview!r}"
    )
