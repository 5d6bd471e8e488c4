"""Builds a `Response` from stream events, surviving the quirks of real traffic.

Deltas are kept as lists of fragments and joined only when `response()` is
asked for, so feeding an event costs a dict lookup and an append. Items are
keyed by `output_index`, which makes out-of-order `output_item.done` events and
ids renamed in `response.completed` harmless; deltas for an index that was never
announced make an item of their own, so nothing received is lost.

Real traffic is liberal, so events are never checked against the schema: only the
fields the accumulator uses are, and one of the wrong type is a `StreamError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from . import events as ev
from .citations import ANNOTATION_ADDED
from .errors import ProtocolError, StreamError, error_from_event
from .events import Event
from .response import STATUS_VALUES, Response, clean_output, item_problem
from .server_tools import SEARCH_STATUS_EVENTS

__all__ = ["Accumulator", "response_from_json"]

_ENDED = ("completed", "incomplete", "failed")


@dataclass(frozen=True, slots=True)
class _PartEvent:
    """How a delta or done event maps to a part: which list, which index key, which type."""

    field: str  # "content" or "summary"
    index_key: str  # "content_index" or "summary_index"
    part_type: str  # the part's type when it was never announced
    text_key: str  # the field of the done event holding the full text


_CONTENT = ("content", "content_index")
_SUMMARY = ("summary", "summary_index")
_DELTAS = {
    ev.OUTPUT_TEXT_DELTA: _PartEvent(*_CONTENT, "output_text", "text"),
    ev.REFUSAL_DELTA: _PartEvent(*_CONTENT, "refusal", "refusal"),
    ev.REASONING_TEXT_DELTA: _PartEvent(*_CONTENT, "reasoning_text", "text"),
    ev.REASONING_SUMMARY_TEXT_DELTA: _PartEvent(*_SUMMARY, "summary_text", "text"),
}
_DONES = {
    ev.OUTPUT_TEXT_DONE: _DELTAS[ev.OUTPUT_TEXT_DELTA],
    ev.REFUSAL_DONE: _DELTAS[ev.REFUSAL_DELTA],
    ev.REASONING_TEXT_DONE: _DELTAS[ev.REASONING_TEXT_DELTA],
    ev.REASONING_SUMMARY_TEXT_DONE: _DELTAS[ev.REASONING_SUMMARY_TEXT_DELTA],
}
# The item made for deltas whose output_index never got `output_item.added`.
_ITEM_OF_PART = {
    "output_text": "message",
    "refusal": "message",
    "reasoning_text": "reasoning",
    "summary_text": "reasoning",
}


@dataclass(slots=True)
class _Part:
    """One content or summary part as streamed: its type and its text fragments."""

    type: str
    fragments: list[str]


class Accumulator:
    """Feed it every `Event` of one stream; `response()` gives the `Response` so far.

    `count` is the number of events fed (1-based in error messages, as `EventReader`
    counts them).
    """

    def __init__(self) -> None:
        self._items: dict[int, dict[str, Any]] = {}
        self._index_of: dict[str, int] = {}
        # output_index -> (field, index) -> part
        self._parts: dict[int, dict[tuple[str, int], _Part]] = {}
        self._args: dict[int, list[str]] = {}
        # output_index -> content_index -> annotations streamed by `annotation.added`
        self._annotations: dict[int, dict[int, list[Any]]] = {}
        # output_index -> what events told of an item never announced (id, name)
        self._unannounced: dict[int, dict[str, str]] = {}
        self._final: dict[str, Any] | None = None
        self._head: dict[str, Any] = {}
        self.count = 0
        self.status = "in_progress"
        self.error: dict[str, Any] | None = None
        self._kind = ""
        self._handlers: dict[str, Callable[[dict[str, Any]], None]] = {
            ev.RESPONSE_CREATED: self._on_header,
            ev.RESPONSE_IN_PROGRESS: self._on_header,
            ev.OUTPUT_ITEM_ADDED: self._on_item,
            ev.OUTPUT_ITEM_DONE: self._on_item,
            ev.CONTENT_PART_ADDED: self._on_part,
            ev.CONTENT_PART_DONE: self._on_part,
            ev.REASONING_SUMMARY_PART_ADDED: self._on_summary_part,
            ev.FUNCTION_CALL_ARGUMENTS_DELTA: self._on_arguments_delta,
            ev.FUNCTION_CALL_ARGUMENTS_DONE: self._on_arguments_done,
            ev.ERROR: self._on_error,
            ANNOTATION_ADDED: self._on_annotation,
            **dict.fromkeys(SEARCH_STATUS_EVENTS, self._on_search_status),
        }

    def add(self, event: Event) -> None:
        """Take one event into account. Unknown event types are passed over.

        Raises `StreamError` (its `response` what arrived before) when a field this
        event needs has the wrong type; the accumulator is then left `incomplete`.
        """
        self.count += 1
        kind = self._kind = event.type
        data = event.data
        spec = _DELTAS.get(kind)
        if spec is not None:
            delta = data.get("delta")
            if type(delta) is not str:
                delta = self._optional(delta, "delta", str, "a string") or ""
            self._part(data, spec).fragments.append(delta)
            return
        spec = _DONES.get(kind)
        if spec is not None:
            text = self._optional(data.get(spec.text_key), spec.text_key, str, "a string")
            if text is not None:
                self._part(data, spec).fragments = [text]
            return
        if kind in ev.TERMINAL_TYPES:
            self._on_terminal(kind, data)
            return
        handler = self._handlers.get(kind)
        if handler is not None:
            handler(data)

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
        indexes = sorted({*self._items, *self._parts, *self._args})
        streamed = [self._materialise(index) for index in indexes]
        return Response(
            id=_string_or_none(head.get("id")),
            model=_string_or_none(head.get("model")),
            status=self.status,
            output=_merge(streamed, final.get("output")),
            usage=_object_or_none(final.get("usage")),
            error=self.error,
            incomplete_details=_object_or_none(final.get("incomplete_details")),
            created_at=_number_or_none(head.get("created_at")),
            openrouter_metadata=_object_or_none(head.get("openrouter_metadata")),
        )

    # -- checking fields ----------------------------------------------------------

    def _reject(self, field: str, expected: str, value: Any) -> NoReturn:
        self.finish()
        raise StreamError(
            f"event #{self.count} ({self._kind}): {field} must be {expected},"
            f" got {type(value).__name__}",
            status_code=None,
            response=self.response(),
        )

    def _optional(self, value: Any, field: str, cls: type, expected: str) -> Any:
        """`value` if it is a `cls` (bools are not ints here), None if absent, else reject."""
        if value is None or (type(value) is cls if cls is int else isinstance(value, cls)):
            return value
        self._reject(field, expected, value)

    def _index(self, data: dict[str, Any]) -> int:
        index = data.get("output_index")
        if type(index) is int:
            return index
        self._optional(index, "output_index", int, "an integer")
        item_id = self._optional(data.get("item_id"), "item_id", str, "a string")
        return self._index_of.get(item_id or "", len(self._items))

    def _part(self, data: dict[str, Any], spec: _PartEvent) -> _Part:
        """The part an event is about, made on first use (with its item, if unannounced)."""
        sub = data.get(spec.index_key)
        if type(sub) is not int:
            sub = self._optional(sub, spec.index_key, int, "an integer") or 0
        index = self._index(data)
        parts = self._parts.get(index)
        if parts is None:
            parts = self._parts[index] = {}
        part = parts.get((spec.field, sub))
        if part is None:
            part = parts[(spec.field, sub)] = _Part(spec.part_type, [])
            self._note_unannounced(index, data)
        return part

    def _note_unannounced(self, index: int, data: dict[str, Any], name: Any = None) -> None:
        if index in self._items:
            return
        known = self._unannounced.setdefault(index, {})
        item_id = data.get("item_id")
        if isinstance(item_id, str) and item_id:
            known.setdefault("id", item_id)
            self._index_of.setdefault(item_id, index)
        if isinstance(name, str) and name:
            known["name"] = name

    def _object(self, data: dict[str, Any], field: str) -> dict[str, Any] | None:
        return self._optional(data.get(field), field, dict, "an object")

    # -- handlers -------------------------------------------------------------

    def _on_header(self, data: dict[str, Any]) -> None:
        response = self._object(data, "response")
        if response is not None:
            self._head = response

    def _on_item(self, data: dict[str, Any]) -> None:
        item = self._object(data, "item")
        if item is None:
            return
        problem = item_problem(item)
        if problem is not None:
            field, expected, value = problem
            self._reject(f"item.{field}", expected, value)
        index = self._index(data)
        self._items[index] = dict(item)
        self._unannounced.pop(index, None)
        if item.get("id"):
            self._index_of[item["id"]] = index

    def _on_part(self, data: dict[str, Any]) -> None:
        part = self._object(data, "part")
        if part is None:
            return
        kind = self._optional(part.get("type"), "part.type", str, "a string")
        text = self._optional(part.get("text"), "part.text", str, "a string")
        refusal = self._optional(part.get("refusal"), "part.refusal", str, "a string")
        text = text or refusal
        if not kind:
            return
        entry = self._part(data, _PartEvent(*_CONTENT, kind, "text"))
        entry.type = kind
        if text:
            entry.fragments = [text]

    def _on_summary_part(self, data: dict[str, Any]) -> None:
        self._part(data, _DELTAS[ev.REASONING_SUMMARY_TEXT_DELTA])

    def _on_arguments_delta(self, data: dict[str, Any]) -> None:
        delta = self._optional(data.get("delta"), "delta", str, "a string") or ""
        index = self._index(data)
        if index not in self._args:
            self._args[index] = []
            self._note_unannounced(index, data)
        self._args[index].append(delta)

    def _on_arguments_done(self, data: dict[str, Any]) -> None:
        arguments = self._optional(data.get("arguments"), "arguments", str, "a string")
        name = self._optional(data.get("name"), "name", str, "a string")
        index = self._index(data)
        self._note_unannounced(index, data, name)
        if arguments is not None:
            self._args[index] = [arguments]

    def _on_annotation(self, data: dict[str, Any]) -> None:
        annotation = self._object(data, "annotation")
        if annotation is None:
            return
        content = self._optional(data.get("content_index"), "content_index", int, "an integer")
        index = self._index(data)
        streamed = self._annotations.setdefault(index, {}).setdefault(content or 0, [])
        streamed.append(annotation)

    def _on_search_status(self, data: dict[str, Any]) -> None:
        """`response.web_search_call.searching` and friends: the item's status so far."""
        item = self._items.get(self._index(data))
        if item is not None and item.get("status") != "completed":
            item["status"] = SEARCH_STATUS_EVENTS[self._kind]

    def _on_terminal(self, kind: str, data: dict[str, Any]) -> None:
        response = self._object(data, "response") or {}
        self._final = response
        status = response.get("status")
        self.status = status if status in _ENDED else kind.removeprefix("response.")
        if response.get("error"):
            self.error = _clean_error(error_from_event(response))
        elif self.status == "failed" and self.error is None:
            self.error = {"code": None, "message": "the response failed"}

    def _on_error(self, data: dict[str, Any]) -> None:
        self.error = _clean_error(error_from_event(data))
        self.status = "failed"

    # -- materialising ----------------------------------------------------------

    def _materialise(self, index: int) -> dict[str, Any]:
        announced = self._items.get(index)
        item = dict(announced if announced is not None else self._unannounced_item(index))
        kind = item.get("type")
        if kind == "function_call":
            if not item.get("arguments") and index in self._args:
                item["arguments"] = "".join(self._args[index])
            return item
        parts = self._parts.get(index)
        if parts and kind in ("message", "reasoning"):
            for field in ("content", "summary"):
                streamed = {i: part for (f, i), part in parts.items() if f == field}
                if streamed:
                    item[field] = _filled_parts(item.get(field), streamed)
        if kind == "message" and index in self._annotations:
            item["content"] = _annotated(item.get("content"), self._annotations[index])
        return item

    def _unannounced_item(self, index: int) -> dict[str, Any]:
        """An item for deltas whose `output_item.added` never came, from what they told."""
        known = self._unannounced.get(index, {})
        parts = self._parts.get(index)
        if parts:
            first = min(parts)
            kind = _ITEM_OF_PART.get(parts[first].type, "message")
        else:
            kind = "function_call"
        item: dict[str, Any] = {"type": kind, **known}
        if kind == "message":
            item["role"] = "assistant"
        elif kind == "reasoning":
            item["summary"] = []
        return item


def _annotated(content: Any, streamed: dict[int, list[Any]]) -> Any:
    """Content parts whose annotations were streamed get them, unless they have their own."""
    if not isinstance(content, list):
        return content
    parts = list(content)
    for position, added in streamed.items():
        if position < len(parts) and isinstance(parts[position], dict):
            part = parts[position]
            if not part.get("annotations"):
                parts[position] = {**part, "annotations": list(added)}
    return parts


def _filled_parts(existing: Any, streamed: dict[int, _Part]) -> list[Any]:
    """The item's own parts with the streamed ones filled in, by index (no padding)."""
    own = dict(enumerate(existing)) if isinstance(existing, list) else {}
    merged = []
    for i in sorted({*own, *streamed}):
        part = streamed.get(i)
        if part is None:
            merged.append(own[i])
        else:
            merged.append(_filled(own.get(i), part.type, "".join(part.fragments)))
    return merged


def _filled(part: Any, part_type: str, text: str) -> dict[str, Any]:
    """A content part with its streamed text, unless it already carries text of its own."""
    part = dict(part) if isinstance(part, dict) else {}
    if not isinstance(part.get("type"), str):
        part["type"] = part_type
    key = "refusal" if part["type"] == "refusal" else "text"
    if not part.get(key):
        part[key] = text
    if part["type"] == "output_text":
        part.setdefault("annotations", [])
    return part


def _merge(streamed: list[dict[str, Any]], final: Any) -> list[dict[str, Any]]:
    """Prefer the terminal event's items (the server's last word), filled from the stream.

    The final items are cleaned first (see `clean_output`). The final list can rename
    ids or drop text that was streamed; it is used only when it has at least as many
    items as were streamed.
    """
    final = clean_output(final)
    if len(final) < len(streamed) or not final:
        return streamed
    merged = []
    for position, item in enumerate(final):
        twin = streamed[position] if position < len(streamed) else None
        if twin is not None and twin.get("type") == item.get("type"):
            for key in ("content", "summary", "arguments", "result"):  # result: an image
                if not _has_text(item.get(key)) and _has_text(twin.get(key)):
                    item[key] = twin[key]
            if item.get("type") == "message" and isinstance(twin.get("content"), list):
                streamed = {
                    i: part["annotations"]
                    for i, part in enumerate(twin["content"])
                    if isinstance(part, dict)
                    and isinstance(part.get("annotations"), list)
                    and part["annotations"]
                }
                item["content"] = _annotated(item.get("content"), streamed)
        merged.append(item)
    return merged


def _has_text(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value)
    if isinstance(value, list):
        return any(isinstance(p, dict) and (p.get("text") or p.get("refusal")) for p in value)
    return False


def _clean_error(error: dict[str, Any]) -> dict[str, Any]:
    """An error dict whose message is a string, code an int or string, metadata a dict."""
    clean = dict(error)
    if not isinstance(clean.get("message"), str):
        clean["message"] = "stream error"
    code = clean.get("code")
    if not (isinstance(code, str) or type(code) is int):
        clean["code"] = None
    if "metadata" in clean and not isinstance(clean["metadata"], dict):
        del clean["metadata"]
    return clean


def _string_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _object_or_none(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _number_or_none(value: Any) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def response_from_json(data: dict[str, Any]) -> Response:
    """A `Response` from a non-streaming JSON body (or a terminal event's `response`).

    Fields of the wrong type are dropped (None), the output is cleaned as
    `clean_output` says, and a status that is not one of `Status` reads `completed`.
    """
    if not isinstance(data, dict):
        raise ProtocolError(f"the response body is JSON but not an object ({type(data).__name__})")
    status = data.get("status")
    return Response(
        id=_string_or_none(data.get("id")),
        model=_string_or_none(data.get("model")),
        status=status if status in STATUS_VALUES else "completed",
        output=clean_output(data.get("output")),
        usage=_object_or_none(data.get("usage")),
        error=_clean_error(error_from_event(data)) if data.get("error") else None,
        incomplete_details=_object_or_none(data.get("incomplete_details")),
        created_at=_number_or_none(data.get("created_at")),
        openrouter_metadata=_object_or_none(data.get("openrouter_metadata")),
    )
