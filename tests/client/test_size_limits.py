"""Every read is bounded: a gzip bomb, a huge error body or an endless event cannot
take the memory of the notebook (issue #9, item 10)."""

from __future__ import annotations

import json
import textwrap

import pytest
from helpers.bombs import gzip_bomb, run_child
from helpers.scripted_server import Reply, sse

import or_jupyter as orj
from or_jupyter.client.stream import MAX_ERROR_BODY_BYTES, MAX_EVENT_BYTES, EventReader

KEY = "sk-or-v1-size-limits-0123456789"


def bomb(status: int, content_type: str) -> Reply:
    return Reply(
        status, gzip_bomb(), content_type=content_type, headers={"Content-Encoding": "gzip"}
    )


CHILD = textwrap.dedent(
    """
    import json, resource, sys
    import or_jupyter as orj

    client = orj.Client(api_key=sys.argv[2], base_url=sys.argv[1], max_retries=0)
    client.create(model="m", input="warm up")
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    calls = {
        "stream": lambda: client.stream(model="m", input="x").until_done(),
        "error body": lambda: client.create(model="m", input="x"),
        "json body": lambda: client.create(model="m", input="x"),
        "catalogue": lambda: client.models(),
    }
    outcome = {}
    for name, call in calls.items():
        try:
            call()
            outcome[name] = ["no error", ""]
        except orj.APIError as error:
            outcome[name] = [type(error).__name__, error.message[-200:]]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"outcome": outcome, "grew_kib": peak - baseline}))
    """
)


@pytest.mark.slow
def test_gzip_bombs_are_cut_off_without_taking_the_memory(server):
    assert len(gzip_bomb()) < 2 * 2**20  # the test itself stays small
    ok = {"id": "r", "status": "completed", "output": []}
    server.queue(
        Reply(200, json.dumps(ok).encode(), content_type="application/json"),
        bomb(200, "text/event-stream"),
        bomb(500, "application/json"),
        bomb(200, "application/json"),
        bomb(200, "application/json"),
    )
    report = run_child(CHILD, server.base_url, KEY)
    outcome = report["outcome"]
    assert outcome["stream"][0] == "EventTooLargeError"
    assert outcome["error body"][0] == "ServerError"
    assert "too large" in outcome["error body"][1]
    assert outcome["json body"][0] == "ResponseTooLargeError"
    assert outcome["catalogue"][0] == "ResponseTooLargeError"
    # Unbounded, each of these took 2.1 GB; bounded, they stay within a few hundred MB.
    assert report["grew_kib"] < 400 * 1024, report


def test_an_error_body_over_a_mebibyte_is_truncated_and_says_so(server):
    message = "x" * (2 * MAX_ERROR_BODY_BYTES)
    body = json.dumps({"error": {"code": 500, "message": message}}).encode()
    server.queue(Reply(500, body, content_type="application/json"))
    client = orj.Client(api_key=KEY, base_url=server.base_url, max_retries=0)
    with pytest.raises(orj.ServerError) as info:
        client.create(model="m", input="x")
    assert info.value.status_code == 500
    assert "too large" in info.value.message
    assert len(info.value.message) < MAX_ERROR_BODY_BYTES


def test_an_event_that_never_ends_stops_the_stream_keeping_what_arrived():
    reader = EventReader()
    events = list(
        reader.feed(sse({"type": "response.output_text.delta", "delta": "kept"}, done=False))
    )
    assert [e.type for e in events] == ["response.output_text.delta"]
    list(reader.feed(b'data: {"type": "response.output_text.delta", "delta": "'))
    block = b"y" * 2**20
    with pytest.raises(orj.EventTooLargeError) as info:
        for _ in range(MAX_EVENT_BYTES // len(block) + 2):
            list(reader.feed(block))
    assert isinstance(info.value, orj.StreamError)
    assert info.value.status_code is None
    assert "stream was stopped" in info.value.message
    assert info.value.response.status == "incomplete"


def test_events_below_the_limit_pass_however_many_arrive():
    reader = EventReader()
    event = sse({"type": "response.output_text.delta", "delta": "z" * 2**20}, done=False)
    count = 0
    for _ in range(MAX_EVENT_BYTES // len(event) + 8):
        count += len(list(reader.feed(event)))
    assert count == MAX_EVENT_BYTES // len(event) + 8
