"""The accumulator against malformed, unannounced and odd events: typed errors, nothing lost."""

from __future__ import annotations

import json
from typing import get_args

import pytest
from helpers.scripted_server import Reply, sse

import or_jupyter as orj
from or_jupyter.protocol import (
    OUTPUT_ITEM_ADDED,
    OUTPUT_TEXT_DELTA,
    RESPONSE_COMPLETED,
    Accumulator,
    Event,
    FunctionCall,
    ProtocolError,
    SSEMessage,
    Status,
    StreamError,
    parse_message,
    response_from_json,
)

MESSAGE = {"type": "message", "id": "msg_1", "role": "assistant", "content": []}


def started() -> Accumulator:
    """An accumulator that has received a message item and the text "Hel" (3 events)."""
    acc = Accumulator()
    acc.add(Event("response.created", {"response": {"id": "resp_1", "model": "m"}}))
    acc.add(Event(OUTPUT_ITEM_ADDED, {"output_index": 0, "item": MESSAGE}))
    acc.add(Event(OUTPUT_TEXT_DELTA, {"output_index": 0, "content_index": 0, "delta": "Hel"}))
    return acc


def test_a_delta_that_is_not_a_string_is_a_stream_error_naming_the_event_and_field():
    acc = started()
    with pytest.raises(StreamError) as caught:
        acc.add(Event(OUTPUT_TEXT_DELTA, {"output_index": 0, "content_index": 0, "delta": 5}))
    error = caught.value
    assert error.message == "event #4 (response.output_text.delta): delta must be a string, got int"
    assert error.status_code is None
    assert error.response.output_text == "Hel"
    assert error.response.id == "resp_1"
    assert error.response.status == "incomplete"


MALFORMED = [
    (OUTPUT_TEXT_DELTA, {"output_index": [0], "delta": "x"}, "output_index must be an integer"),
    (OUTPUT_TEXT_DELTA, {"output_index": True, "delta": "x"}, "output_index must be an integer"),
    (OUTPUT_TEXT_DELTA, {"output_index": 0, "content_index": [1]}, "content_index must be"),
    (OUTPUT_TEXT_DELTA, {"item_id": ["a"], "delta": "x"}, "item_id must be a string, got list"),
    ("response.output_text.done", {"output_index": 0, "text": {}}, "text must be a string"),
    ("response.refusal.delta", {"output_index": 0, "delta": 1.5}, "delta must be a string"),
    (OUTPUT_ITEM_ADDED, {"output_index": 1, "item": "x"}, "item must be an object, got str"),
    (
        "response.output_item.done",
        {"output_index": 1, "item": {"type": "function_call", "name": 5, "arguments": "{}"}},
        "item.name must be a string, got int",
    ),
    (
        OUTPUT_ITEM_ADDED,
        {"output_index": 1, "item": {"type": "message", "content": [3]}},
        "item.content[0] must be an object, got int",
    ),
    (OUTPUT_ITEM_ADDED, {"output_index": 1, "item": {"id": {}}}, "item.id must be a string"),
    ("response.content_part.added", {"output_index": 0, "part": 3}, "part must be an object"),
    (
        "response.content_part.done",
        {"output_index": 0, "part": {"type": "output_text", "text": 9}},
        "part.text must be a string, got int",
    ),
    ("response.in_progress", {"response": []}, "response must be an object, got list"),
    (RESPONSE_COMPLETED, {"response": [1]}, "response must be an object, got list"),
    (
        "response.function_call_arguments.delta",
        {"output_index": 1, "delta": ["{"]},
        "delta must be a string, got list",
    ),
    (
        "response.function_call_arguments.done",
        {"output_index": 1, "arguments": {"a": 1}},
        "arguments must be a string, got dict",
    ),
    ("response.reasoning_summary_part.added", {"summary_index": "0"}, "summary_index must be"),
]


@pytest.mark.parametrize(("kind", "data", "says"), MALFORMED, ids=[m[2] for m in MALFORMED])
def test_a_used_field_of_the_wrong_type_is_a_stream_error_keeping_what_arrived(kind, data, says):
    acc = started()
    with pytest.raises(StreamError) as caught:
        acc.add(Event(kind, data))
    assert caught.value.message.startswith(f"event #4 ({kind}): {says}")
    assert caught.value.response.output_text == "Hel"


def test_unknown_events_and_unused_fields_of_any_type_pass_silently():
    acc = started()
    acc.add(Event("response.something_new", {"output_index": [0], "delta": 5, "item": "x"}))
    acc.add(Event(OUTPUT_TEXT_DELTA, {"output_index": 0, "delta": "lo", "logprobs": "odd"}))
    acc.add(Event(OUTPUT_TEXT_DELTA, {"output_index": 0, "delta": None, "sequence_number": []}))
    acc.add(Event(OUTPUT_ITEM_ADDED, {"output_index": 1, "item": {"type": "x", "content": 7}}))
    assert acc.response().output_text == "Hello"
    assert acc.count == 7


def test_a_json_body_nested_too_deeply_is_a_protocol_error():
    deep = b'{"type": "response.function_call_arguments.done", "arguments": ' + (
        b"[" * 200_000 + b"]" * 200_000 + b"}"
    )
    with pytest.raises(ProtocolError, match=r"event #3 \(message\).*nested too deeply"):
        parse_message(SSEMessage("message", deep), 3)


def test_arguments_nested_too_deeply_to_decode_are_a_value_error():
    call = FunctionCall(name="f", call_id="c", id=None, arguments="[" * 200_000 + "]" * 200_000)
    with pytest.raises(ValueError, match="nested too deeply"):
        call.parsed_arguments()


ODD_OUTPUT = [
    5,
    "x",
    None,
    {
        "type": "message",
        "content": [3, {"type": "output_text", "text": 7}, {"type": "output_text", "text": "ok"}],
    },
    {"type": "message", "content": "not a list"},
    {"type": "reasoning", "summary": [{"type": "summary_text", "text": ["a"]}], "content": {}},
    {"type": "function_call", "name": 5, "call_id": 6, "arguments": {"a": 1}},
    {"type": ["message"], "id": 3},
]


def properties(response: orj.Response) -> tuple:
    return (
        response.output_text,
        response.reasoning_text,
        response.refusal,
        response.function_calls,
        response.cost,
        response.reasoning_hidden,
        json.dumps(response.to_dict()),
    )


def test_odd_items_in_a_terminal_event_are_cleaned_so_no_property_raises():
    acc = started()
    terminal = {"status": "completed", "output": ODD_OUTPUT, "usage": "lots", "created_at": "x"}
    acc.add(Event(RESPONSE_COMPLETED, {"response": terminal}))
    response = acc.response()
    properties(response)
    assert response.output_text == "ok"
    assert response.reasoning_text == ""
    assert response.function_calls == [
        FunctionCall(name="", call_id="", id=None, arguments='{"a": 1}')
    ]
    assert response.usage is None and response.cost is None and response.created_at is None
    assert response.output == [
        {
            "type": "message",
            "content": [{"type": "output_text"}, {"type": "output_text", "text": "ok"}],
        },
        {"type": "message"},
        {"type": "reasoning", "summary": [{"type": "summary_text"}]},
        {"type": "function_call", "arguments": '{"a": 1}'},
        {},
    ]


def test_a_json_body_with_odd_fields_is_cleaned_and_a_non_object_is_a_protocol_error():
    body = {
        "id": 5,
        "status": "queued",
        "output": ODD_OUTPUT,
        "usage": {"cost": "0.1"},
        "error": None,
        "incomplete_details": [],
    }
    response = response_from_json(body)
    properties(response)
    assert (response.id, response.status, response.output_text) == (None, "completed", "ok")
    assert response.cost is None and response.incomplete_details is None
    with pytest.raises(ProtocolError, match="not an object"):
        response_from_json([1, 2])


def test_an_error_event_with_odd_fields_gives_a_usable_error():
    acc = started()
    acc.add(Event("error", {"error": {"message": 5, "code": [1], "metadata": "m"}}))
    assert acc.error == {"code": None, "message": "stream error"}
    assert acc.response().status == "failed"


def test_deltas_for_items_never_announced_make_items_in_output_index_order():
    acc = Accumulator()
    acc.add(
        Event(
            "response.function_call_arguments.delta",
            {"output_index": 3, "item_id": "fc_1", "delta": '{"a"'},
        )
    )
    acc.add(Event(OUTPUT_TEXT_DELTA, {"output_index": 1, "content_index": 0, "delta": "Hi"}))
    acc.add(Event("response.refusal.delta", {"output_index": 2, "delta": "No."}))
    acc.add(Event("response.reasoning_summary_text.delta", {"output_index": 0, "delta": "Think"}))
    acc.add(Event("response.function_call_arguments.delta", {"output_index": 3, "delta": ": 1}"}))
    acc.add(Event("response.function_call_arguments.done", {"item_id": "fc_1", "name": "f"}))
    acc.finish()
    response = acc.response()
    assert response.output == [
        {"type": "reasoning", "summary": [{"type": "summary_text", "text": "Think"}]},
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Hi", "annotations": []}],
        },
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "refusal", "refusal": "No."}],
        },
        {"type": "function_call", "id": "fc_1", "name": "f", "arguments": '{"a": 1}'},
    ]
    assert (response.output_text, response.refusal, response.reasoning_text) == (
        "Hi",
        "No.",
        "Think",
    )
    assert response.function_calls == [FunctionCall("f", "fc_1", "fc_1", '{"a": 1}')]


def test_an_item_announced_after_its_deltas_takes_its_place_with_the_text():
    acc = Accumulator()
    acc.add(Event(OUTPUT_TEXT_DELTA, {"output_index": 0, "delta": "Hi"}))
    acc.add(Event(OUTPUT_ITEM_ADDED, {"output_index": 0, "item": MESSAGE}))
    assert acc.response().output == [
        {**MESSAGE, "content": [{"type": "output_text", "text": "Hi", "annotations": []}]}
    ]


def test_a_huge_content_index_keeps_its_text_without_padding():
    acc = started()
    acc.add(Event(OUTPUT_TEXT_DELTA, {"output_index": 0, "content_index": 10**30, "delta": "!"}))
    content = acc.response().output[0]["content"]
    assert [part["text"] for part in content] == ["Hel", "!"]


def test_status_is_a_literal_of_the_five_statuses():
    assert get_args(Status) == ("completed", "incomplete", "failed", "cancelled", "in_progress")


def test_a_malformed_event_mid_stream_is_numbered_as_the_stream_counts_it(server):
    body = sse(
        {"type": "response.created", "response": {"id": "resp_1"}},
        ": keep-alive\n\n",
        {"type": OUTPUT_ITEM_ADDED, "output_index": 0, "item": MESSAGE},
        {"type": OUTPUT_TEXT_DELTA, "output_index": 0, "content_index": 0, "delta": "Hel"},
        {"type": OUTPUT_TEXT_DELTA, "output_index": 0, "content_index": 0, "delta": 5},
    )
    server.queue(Reply(200, body))
    client = orj.Client(api_key="test-key", base_url=server.base_url, max_retries=0)
    with pytest.raises(StreamError) as caught, client.stream(model="m", input="hi") as stream:
        for _ in stream:
            pass
    assert caught.value.message.startswith("event #4 (response.output_text.delta): delta must")
    assert caught.value.response.output_text == "Hel"
    assert stream.response.output_text == "Hel"
