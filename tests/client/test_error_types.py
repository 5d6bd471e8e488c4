"""Errors by type: the tree, in-stream failures versus broken streams, hints, and
messages that stay readable however long the server's text (issue #14, #9 item 12)."""

from __future__ import annotations

import json

import pytest
from helpers.scripted_server import Reply, sse

import or_jupyter as orj
from or_jupyter import protocol
from or_jupyter.protocol import errors

KEY = "sk-or-v1-error-types-0123456789"
ERRORS = [getattr(errors, name) for name in errors.__all__ if name.endswith("Error")]


def client_for(server) -> orj.Client:
    return orj.Client(api_key=KEY, base_url=server.base_url, max_retries=0)


def started(*more: dict) -> bytes:
    created = {"type": "response.created", "response": {"id": "g", "status": "in_progress"}}
    added = {
        "type": "response.output_item.added",
        "output_index": 0,
        "item": {"type": "message", "id": "m", "role": "assistant", "content": []},
    }
    delta = {"type": "response.output_text.delta", "output_index": 0, "delta": "so far"}
    return sse(created, added, delta, *more, done=False)


def test_every_error_is_in_the_drawn_tree_and_exported_everywhere():
    tree = errors.__doc__
    for cls in ERRORS:
        assert f" {cls.__name__} " in tree, cls.__name__
        assert getattr(protocol, cls.__name__) is cls
        assert getattr(orj, cls.__name__) is cls
        assert cls.__name__ in orj.__all__
        assert issubclass(cls, orj.APIError)


def test_the_failures_the_server_reports_are_response_failed_errors(server):
    failed = {
        "type": "response.failed",
        "response": {"status": "failed", "error": {"code": "server_error", "message": "crash"}},
    }
    error_event = {"type": "error", "code": 502, "message": "Provider disconnected"}
    for body in (started(failed), started(error_event)):
        server.queue(Reply(200, body))
        with pytest.raises(orj.ResponseFailedError) as info:
            client_for(server).stream(model="m", input="x").until_done()
        assert isinstance(info.value, orj.StreamError)  # old `except StreamError` still works
        assert info.value.status_code is None
        assert info.value.response.output_text == "so far"
        assert info.value.response.status == "failed"


def test_a_broken_stream_is_a_plain_stream_error_without_status(server):
    bodies = [
        Reply(200, chunks=[started()], abort=True),
        Reply(200, started() + b"data: {nope}\n\n"),
        Reply(200, started() + b'data: {"type": "respo'),
    ]
    for reply in bodies:
        server.queue(reply)
        with pytest.raises(orj.StreamError) as info:
            client_for(server).stream(model="m", input="x").until_done()
        assert type(info.value) is orj.StreamError
        assert info.value.status_code is None
        assert info.value.hint == "the stream broke; what arrived is kept. Try again."
        assert info.value.response.output_text == "so far"


def test_a_failed_non_streamed_body_is_a_response_failed_error(server):
    body = {
        "id": "r",
        "status": "failed",
        "output": [],
        "error": {"code": "server_error", "message": "model crashed"},
    }
    server.queue(Reply(200, json.dumps(body).encode(), content_type="application/json"))
    with pytest.raises(orj.ResponseFailedError) as info:
        client_for(server).create(model="m", input="x")
    assert info.value.message == "model crashed"
    assert info.value.status_code is None
    assert info.value.response.status == "failed"


def test_every_error_class_has_a_hint():
    statuses = {
        orj.BadRequestError: 400,
        orj.AuthenticationError: 401,
        orj.InsufficientCreditsError: 402,
        orj.PermissionDeniedError: 403,
        orj.NotFoundError: 404,
        orj.RequestTimeoutError: 408,
        orj.RateLimitError: 429,
        orj.ServerError: 500,
    }
    for cls in ERRORS:
        if cls is not orj.APIError:
            assert cls("x", status_code=statuses.get(cls)).hint, cls.__name__
    assert orj.AuthenticationError("x", status_code=401).hint.startswith("check your API key")
    assert orj.ServerError("x", status_code=503).hint.startswith("no provider is available")


def test_a_long_message_is_truncated_in_str_but_kept_whole(server):
    message = "word " * 3000
    body = json.dumps({"error": {"code": 400, "message": message}}).encode()
    server.queue(Reply(400, body, content_type="application/json"))
    with pytest.raises(orj.BadRequestError) as info:
        client_for(server).create(model="m", input="x")
    shown = str(info.value)
    assert info.value.message == message
    assert len(shown) < 2100
    assert shown.endswith(f"… [truncated {len(message) - 2000:,} characters]")


def test_a_short_message_is_shown_whole():
    error = orj.ServerError("x" * 2000, status_code=500)
    assert str(error) == "500: " + "x" * 2000


def test_terminal_controls_in_a_servers_message_are_stripped(server):
    body = json.dumps({"error": {"code": 400, "message": "bad\x1b[2J\x1b]0;pwned\x07 input\u202e"}})
    server.queue(Reply(400, body.encode(), content_type="application/json"))
    with pytest.raises(orj.BadRequestError) as info:
        client_for(server).create(model="m", input="x")
    assert info.value.message == "bad input"


def test_terminal_controls_in_an_in_stream_error_are_stripped(server):
    server.queue(Reply(200, started({"type": "error", "message": "gone\x1b[31m away\x9b"})))
    with pytest.raises(orj.ResponseFailedError) as info:
        client_for(server).stream(model="m", input="x").until_done()
    assert info.value.message == "gone away"
