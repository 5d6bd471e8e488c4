"""Type-confused events, as objects and as bytes: only `APIError`s ever come out."""

from __future__ import annotations

import contextlib
import json

import pytest
from helpers.hostile_events import hostile_events, hostile_objects, hostile_stream_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from or_jupyter.protocol import (
    DONE,
    Accumulator,
    APIError,
    Response,
    SSEDecoder,
    parse_message,
    response_from_json,
)

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def use(response: Response) -> None:
    """Read every property of a response, as the views and the conversation do."""
    texts = (response.output_text, response.reasoning_text, response.refusal)
    assert all(isinstance(text, str) for text in texts)
    assert response.cost is None or isinstance(response.cost, float)
    assert isinstance(response.reasoning_hidden, bool)
    assert all(isinstance(item, dict) for item in response.output)
    for call in response.function_calls:
        assert isinstance(call.name, str) and isinstance(call.arguments, str)
        with contextlib.suppress(ValueError):
            call.parsed_arguments()
    json.dumps(response.to_dict())


def accumulate(events) -> tuple[Accumulator, list[APIError]]:
    acc, errors = Accumulator(), []
    for event in events:
        try:
            acc.add(event)
        except APIError as exc:
            errors.append(exc)
            use(exc.response)
        use(acc.response())
    return acc, errors


@pytest.mark.slow
@SETTINGS
@given(events=hostile_events, end=st.sampled_from(["finish", "cancel", "none"]))
def test_type_confused_events_give_only_api_errors_and_usable_responses(events, end):
    acc, errors = accumulate(events)
    if end == "finish":
        acc.finish()
    elif end == "cancel":
        acc.cancel()
    use(acc.response())
    assert acc.count == len(events)
    for error in errors:
        assert error.status_code is None and error.message.startswith("event #")


@pytest.mark.slow
@SETTINGS
@given(data=hostile_objects)
def test_a_type_confused_json_body_gives_a_usable_response(data):
    use(response_from_json(data))


@pytest.mark.slow
@SETTINGS
@given(body=hostile_stream_bytes, cuts=st.lists(st.integers(0, 10**6), max_size=8))
def test_hostile_stream_bytes_give_only_api_errors(body, cuts):
    decoder, events, count = SSEDecoder(), [], 0
    points = sorted({c % (len(body) + 1) for c in cuts}) + [len(body)]
    start = 0
    messages = []
    for point in points:
        messages += decoder.feed(body[start:point])
        start = point
    messages += decoder.close()
    for message in messages:
        if message.data == DONE:
            continue
        count += 1
        with contextlib.suppress(APIError):
            events.append(parse_message(message, count))
    accumulate(events)
