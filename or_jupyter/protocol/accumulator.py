"""Builds a `Response` from stream events, surviving the quirks of real traffic.

Deltas are kept as lists of fragments and joined only when `response()` is
asked for, so feeding an event costs a dict lookup and an append. Items are
keyed by `output_index`, which makes out-of-order `output_item.done` events and
ids renamed in `response.completed` harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import error_from_event
from .events import Event
from .response import Response

__all__ = ["Accumulator", "response_from_json", "TERMINAL_TYPES"]

TERMINAL_TYPES = frozenset({"response.completed", "response.incomplete", "response.failed"})

# event type -> (fragment field, index key, part type for a part that was never announced)
_DELTAS = {
    "response.output_text.delta": ("content", "content_index", "output_text"),
    "response.refusal.delta": ("content", "content_index", "refusal"),
    "response.reasoning_text.delta": ("content", "content_index", "reasoning_text"),
    "response.reasoning_summary_text.delta": ("summary", "summary_index", "summary_text"),
}
_DONES = {
    "response.output_text.done": ("content", "content_index", "output_text", "text"),
    "response.refusal.done": ("content", "content_index", "refusal", "refusal"),
    "response.reasoning_text.done": ("content", "content_index", "reasoning_text", "text"),
    "response.reasoning_summary_text.done": ("summary", "summary_index", "summary_text", "text"),
}


class Accumulator:
    """Feed it every `Event` of one stream; `response()` gives the `Response` so far."""

    def __init__(self) -> None:
        self._items: dict[int, dict[str, Any]] = {}
        self._index_of: dict[str, int] = {}
        # output_index -> (field, index) -> [part type, fragments]
        self._parts: dict[int, dict[tuple[str, int], list[Any]]] = {}
        self._args: dict[int, list[str]] = {}
        self._final: dict[str, Any] | None = None
        self._head: dict[str, Any] = {}
        self.status = "in_progress"
        self.error: dict[str, Any] | None = None
        self._handlers: dict[str, Callable[[dict[str, Any]], None]] = {
            "response.created": self._on_header,
            "response.in_progress": self._on_header,
            "response.output_item.added": self._on_item,
            "response.output_item.done": self._on_item,
            "response.content_part.added": self._on_part,
            "response.content_part.done": self._on_part,
            "response.reasoning_summary_part.added": self._on_summary_part,
            "response.function_call_arguments.delta": self._on_arguments_delta,
            "response.function_call_arguments.done": self._on_arguments_done,
            "error": self._on_error,
        }

    def add(self, event: Event) -> None:
        """Take one event into account. Unknown event types are passed over."""
        kind = event.type
        delta = _DELTAS.get(kind)
        if delta is not None:
            data = event.data
            self._entry(data, delta[0], data.get(delta[1]) or 0, delta[2])[1].append(
                data.get("delta") or ""
            )
            return
        done = _DONES.get(kind)
        if done is not None:
            data = event.data
            text = data.get(done[3])
            if isinstance(text, str):
                self._entry(data, done[0], data.get(done[1]) or 0, done[2])[1] = [text]
            return
        if kind in TERMINAL_TYPES:
            self._on_terminal(kind, event.data)
            return
        handler = self._handlers.get(kind)
        if handler is not None:
            handler(event.data)

    @property
    def finished(self) -> bool:
        """True once a terminal event or an error arrived."""
        return self._final is not None or self.error is not None

    def finish(self) -> None:
        """Mark the end of the byte stream: without a terminal event the response is `incomplete`."""
        if self.status == "in_progress":
            self.status = "incomplete"

    def cancel(self) -> None:
        """Mark the response as cancelled by the user (unless it had already ended)."""
        if self.status == "in_progress":
            self.status = "cancelled"

    def response(self) -> Response:
        """The `Response` accumulated so far (a fresh object on every call)."""
        final = self._final or {}
        head = {**self._head, **final}
        streamed = [self._materialise(index) for index in sorted(self._items)]
        return Response(
            id=head.get("id"),
            model=head.get("model"),
            status=self.status,
            output=_merge(streamed, final.get("output")),
            usage=final.get("usage"),
            error=self.error,
            incomplete_details=final.get("incomplete_details"),
            created_at=head.get("created_at"),
        )

    # -- handlers -------------------------------------------------------------

    def _index(self, data: dict[str, Any]) -> int:
        index = data.get("output_index")
        if isinstance(index, int):
            return index
        return self._index_of.get(data.get("item_id") or "", len(self._items))

    def _entry(self, data: dict[str, Any], field: str, index: int, part_type: str) -> list[Any]:
        """The [part type, fragments] entry of one content or summary part, made on first use."""
        parts = self._parts.setdefault(self._index(data), {})
        entry = parts.get((field, index))
        if entry is None:
            entry = parts[(field, index)] = [part_type, []]
        return entry

    def _on_header(self, data: dict[str, Any]) -> None:
        response = data.get("response")
        if isinstance(response, dict):
            self._head = response

    def _on_item(self, data: dict[str, Any]) -> None:
        item = data.get("item")
        if not isinstance(item, dict):
            return
        index = self._index(data)
        self._items[index] = dict(item)
        if item.get("id"):
            self._index_of[item["id"]] = index

    def _on_part(self, data: dict[str, Any]) -> None:
        part = data.get("part")
        if not (isinstance(part, dict) and part.get("type")):
            return
        entry = self._entry(data, "content", data.get("content_index") or 0, part["type"])
        entry[0] = part["type"]
        text = part.get("text", part.get("refusal"))
        if isinstance(text, str) and text:
            entry[1] = [text]

    def _on_summary_part(self, data: dict[str, Any]) -> None:
        self._entry(data, "summary", data.get("summary_index") or 0, "summary_text")

    def _on_arguments_delta(self, data: dict[str, Any]) -> None:
        self._args.setdefault(self._index(data), []).append(data.get("delta") or "")

    def _on_arguments_done(self, data: dict[str, Any]) -> None:
        arguments = data.get("arguments")
        if isinstance(arguments, str):
            self._args[self._index(data)] = [arguments]

    def _on_terminal(self, kind: str, data: dict[str, Any]) -> None:
        response = data.get("response")
        self._final = response if isinstance(response, dict) else {}
        status = self._final.get("status")
        self.status = status if status in ("completed", "incomplete", "failed") else kind[9:]
        if self._final.get("error"):
            self.error = error_from_event(self._final)
        elif self.status == "failed" and self.error is None:
            self.error = {"code": None, "message": "the response failed"}

    def _on_error(self, data: dict[str, Any]) -> None:
        self.error = error_from_event(data)
        self.status = "failed"

    # -- materialising ----------------------------------------------------------

    def _materialise(self, index: int) -> dict[str, Any]:
        item = dict(self._items[index])
        kind = item.get("type")
        if kind == "function_call":
            if not item.get("arguments") and index in self._args:
                item["arguments"] = "".join(self._args[index])
            return item
        parts = self._parts.get(index)
        if not parts or kind not in ("message", "reasoning"):
            return item
        for field in ("content", "summary"):
            indexes = [i for (f, i) in parts if f == field]
            if not indexes:
                continue
            existing = list(item.get(field) or [])
            while len(existing) <= max(indexes):
                existing.append({})
            for i in indexes:
                part_type, fragments = parts[(field, i)]
                existing[i] = _filled(existing[i], part_type, "".join(fragments))
            item[field] = existing
        return item


def _filled(part: Any, part_type: str, text: str) -> dict[str, Any]:
    """A content part with its streamed text, unless it already carries text of its own."""
    part = dict(part) if isinstance(part, dict) else {}
    part.setdefault("type", part_type)
    key = "refusal" if part["type"] == "refusal" else "text"
    if not part.get(key):
        part[key] = text
    if part["type"] == "output_text":
        part.setdefault("annotations", [])
    return part


def _merge(streamed: list[dict[str, Any]], final: Any) -> list[dict[str, Any]]:
    """Prefer the terminal event's items (the server's last word), filled from the stream.

    The final list can rename ids or drop text that was streamed; it is used only
    when it has at least as many items as were streamed.
    """
    if not isinstance(final, list) or len(final) < len(streamed) or not final:
        return streamed
    merged = []
    for position, item in enumerate(final):
        item = dict(item) if isinstance(item, dict) else {"type": "unknown", "value": item}
        twin = streamed[position] if position < len(streamed) else None
        if twin is not None and twin.get("type") == item.get("type"):
            for key in ("content", "summary", "arguments"):
                if not _has_text(item.get(key)) and _has_text(twin.get(key)):
                    item[key] = twin[key]
        merged.append(item)
    return merged


def _has_text(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value)
    if isinstance(value, list):
        return any(isinstance(p, dict) and (p.get("text") or p.get("refusal")) for p in value)
    return False


def response_from_json(data: dict[str, Any]) -> Response:
    """A `Response` from a non-streaming JSON body (or a terminal event's `response`)."""
    status = data.get("status")
    return Response(
        id=data.get("id"),
        model=data.get("model"),
        status=status if isinstance(status, str) else "completed",
        output=[item for item in data.get("output") or [] if isinstance(item, dict)],
        usage=data.get("usage"),
        error=error_from_event(data) if data.get("error") else None,
        incomplete_details=data.get("incomplete_details"),
        created_at=data.get("created_at"),
    )
