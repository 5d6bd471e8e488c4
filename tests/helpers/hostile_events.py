"""Hypothesis strategies of type-confused stream events, for every layer that eats events.

`hostile_events` draws lists of `Event`: well-formed events of one small answer
(created, a message, a reasoning item, a function call, a terminal event) interleaved
with events of the same types whose fields hold random JSON values of random types
(ints, huge ints, floats, bools, None, strings, lists, nested objects). `hostile_stream_bytes`
draws the same as SSE bytes, with junk lines (invalid JSON, non-objects, nesting too deep
for `json`, comments, `[DONE]`, odd line ends) mixed in.

    from helpers.hostile_events import hostile_events, hostile_stream_bytes
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import strategies as st

from or_jupyter.protocol import Event
from or_jupyter.protocol import events as ev

__all__ = ["EVENT_TYPES", "hostile_events", "hostile_stream_bytes", "json_values"]

EVENT_TYPES = [
    ev.RESPONSE_CREATED,
    ev.RESPONSE_IN_PROGRESS,
    ev.RESPONSE_COMPLETED,
    ev.RESPONSE_INCOMPLETE,
    ev.RESPONSE_FAILED,
    ev.OUTPUT_ITEM_ADDED,
    ev.OUTPUT_ITEM_DONE,
    ev.CONTENT_PART_ADDED,
    ev.CONTENT_PART_DONE,
    ev.OUTPUT_TEXT_DELTA,
    ev.OUTPUT_TEXT_DONE,
    ev.REFUSAL_DELTA,
    ev.REFUSAL_DONE,
    ev.REASONING_TEXT_DELTA,
    ev.REASONING_TEXT_DONE,
    ev.REASONING_SUMMARY_PART_ADDED,
    ev.REASONING_SUMMARY_PART_DONE,
    ev.REASONING_SUMMARY_TEXT_DELTA,
    ev.REASONING_SUMMARY_TEXT_DONE,
    ev.FUNCTION_CALL_ARGUMENTS_DELTA,
    ev.FUNCTION_CALL_ARGUMENTS_DONE,
    ev.ERROR,
    *ev.ALIASES,
    "response.something_new",
    "message",
]

# Every field an event, an item, a part or a response may carry that anyone reads.
FIELDS = [
    "output_index", "content_index", "summary_index", "item_id", "delta", "text", "refusal",
    "arguments", "name", "call_id", "id", "type", "role", "status", "item", "part", "response",
    "output", "content", "summary", "usage", "cost", "error", "code", "message", "metadata",
    "param", "incomplete_details", "created_at", "model", "encrypted_content", "annotations",
    "logprobs", "sequence_number", "raw", "provider_name",
]  # fmt: skip

# The fields the accumulator and `Response` read: mutated more often than the rest.
USED = [
    "output_index", "content_index", "summary_index", "item_id", "delta", "text", "refusal",
    "arguments", "name", "call_id", "id", "type", "item", "part", "response", "output",
    "content", "summary", "usage", "error", "status", "message", "code", "metadata",
]  # fmt: skip

HUGE_INTS = st.sampled_from([2**63, -(2**63) - 1, 10**100, -(10**300)])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    HUGE_INTS,
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["message", "function_call", "reasoning", "output_text", "refusal"]),
)

json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), inner, max_size=5),
    ),
    max_leaves=12,
)
"""Any JSON value, objects keyed mostly by the fields events carry."""

hostile_objects = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=8)

# An output item or part of a plausible type whose other fields are random.
hostile_items = st.builds(
    lambda kind, rest: {**rest, "type": kind},
    st.sampled_from(["message", "reasoning", "function_call", "output_text", "summary_text"]),
    hostile_objects,
)


def _hostile_data() -> st.SearchStrategy[dict[str, Any]]:
    nested = st.one_of(
        json_values,
        hostile_items,
        st.builds(
            lambda output, rest: {**rest, "output": output},
            st.lists(hostile_items | json_values, max_size=4),
            hostile_objects,
        ),
    )
    return st.dictionaries(
        st.sampled_from(FIELDS),
        st.one_of(json_values, nested),
        max_size=8,
    )


hostile_event = st.builds(Event, st.sampled_from(EVENT_TYPES), _hostile_data())


def _valid_events(index: int, text: str, arguments: str) -> list[Event]:
    at = {"output_index": index, "content_index": 0, "item_id": f"msg_{index}"}
    call = {"output_index": index + 1, "item_id": f"fc_{index}"}
    message = {"type": "message", "id": f"msg_{index}", "role": "assistant", "content": []}
    function = {"type": "function_call", "id": f"fc_{index}", "call_id": "c", "name": "f"}
    return [
        Event(
            ev.RESPONSE_CREATED,
            {"response": {"id": "resp_1", "model": "m", "status": "in_progress"}},
        ),
        Event(ev.OUTPUT_ITEM_ADDED, {"output_index": index, "item": message}),
        Event(ev.CONTENT_PART_ADDED, {**at, "part": {"type": "output_text", "text": ""}}),
        Event(ev.OUTPUT_TEXT_DELTA, {**at, "delta": text}),
        Event(ev.OUTPUT_TEXT_DONE, {**at, "text": text}),
        Event(ev.REASONING_SUMMARY_TEXT_DELTA, {**at, "summary_index": 0, "delta": text}),
        Event(
            ev.OUTPUT_ITEM_ADDED, {"output_index": index + 1, "item": {**function, "arguments": ""}}
        ),
        Event(ev.FUNCTION_CALL_ARGUMENTS_DELTA, {**call, "delta": arguments}),
        Event(ev.FUNCTION_CALL_ARGUMENTS_DONE, {**call, "arguments": arguments}),
        Event(
            ev.OUTPUT_ITEM_DONE,
            {"output_index": index + 1, "item": {**function, "arguments": arguments}},
        ),
        Event(
            ev.RESPONSE_COMPLETED,
            {"response": {"id": "resp_1", "status": "completed", "output": [message]}},
        ),
    ]


valid_event = st.builds(
    lambda events, pick: events[pick % len(events)],
    st.builds(
        _valid_events,
        st.integers(0, 3),
        st.text(max_size=8),
        st.sampled_from(["", "{", '{"a": 1}']),
    ),
    st.integers(min_value=0),
)


def _mutated(event: Event, changes: list[tuple[str, str, Any]]) -> Event:
    """`event` with some fields, at its top or in its item, part or response, set to `changes`."""
    data = copy.deepcopy(event.data)
    for where, field, value in changes:
        target = data.get(where) if where in ("item", "part", "response") else data
        if isinstance(target, dict):
            target[field] = value
        elif where == "output" and isinstance(data.get("response"), dict):
            data["response"].setdefault("output", []).append(
                {**value} if isinstance(value, dict) else value
            )
    return Event(event.type, data)


changes = st.lists(
    st.tuples(
        st.sampled_from(["top", "top", "item", "part", "response", "output"]),
        st.sampled_from(USED) | st.sampled_from(FIELDS),
        json_values | hostile_items,
    ),
    min_size=1,
    max_size=3,
)

mutated_event = st.builds(_mutated, valid_event, changes)

hostile_events = st.lists(
    st.one_of(valid_event, valid_event, mutated_event, mutated_event, hostile_event), max_size=25
)
"""Lists of `Event`: valid events of a small answer interleaved with type-confused ones."""


def _encode(event: Event) -> bytes:
    data = event.data if "type" in event.data else {"type": event.type, **event.data}
    return b"data: " + json.dumps(data).encode() + b"\n\n"


DEEP = b"[" * 200_000 + b"]" * 200_000

junk_lines = st.sampled_from(
    [
        b"data: {\n\n",
        b"data: [1, 2]\n\n",
        b"data: 5\n\n",
        b'data: "text"\n\n',
        b"data: null\n\n",
        b"data: " + DEEP + b"\n\n",
        b'data: {"type": "response.output_text.delta", "delta": ' + DEEP + b"}\n\n",
        b"data: \xff\xfe not utf-8\n\n",
        b": keep-alive\n\n",
        b"event: response.output_text.delta\ndata: {}\n\n",
        b"data: [DONE]\n\n",
        b'data: {"error": {"message": 5, "code": []}}\n\n',
        b"\r\n\r\n",
        b"id: 3\nretry: x\n\n",
    ]
)


@st.composite
def _stream_bytes(draw: st.DrawFn) -> bytes:
    """SSE bytes: encoded hostile events, junk lines, and any line ends."""
    pieces = draw(
        st.lists(
            st.one_of(hostile_events.map(lambda evs: b"".join(map(_encode, evs))), junk_lines),
            max_size=6,
        )
    )
    body = b"".join(pieces)
    end = draw(st.sampled_from([b"\n", b"\r\n", b"\r"]))
    return body.replace(b"\n", end) if end != b"\n" else body


hostile_stream_bytes = _stream_bytes()
"""SSE bytes of hostile events and junk lines, with LF, CRLF or CR line ends."""
