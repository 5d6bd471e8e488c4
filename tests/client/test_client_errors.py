"""Typed errors, retries, broken streams, timeouts, cancellation and key secrecy."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import traceback

import pytest
from helpers.scripted_server import Reply, sse

import or_jupyter as orj

SECRET = "sk-or-v1-SECRET-0123456789abcdef"


def error_body(code, message="nope", **extra) -> bytes:
    return json.dumps({"error": {"code": code, "message": message, **extra}}).encode()


def client_for(server, **kwargs) -> orj.Client:
    kwargs.setdefault("max_retries", 0)
    return orj.Client(api_key=SECRET, base_url=server.base_url, **kwargs)


def text_events(*deltas: str) -> list[dict]:
    events = [
        {
            "type": "response.created",
            "response": {"id": "gen-1", "status": "in_progress", "output": []},
        },
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {"type": "message", "id": "msg_1", "role": "assistant", "content": []},
        },
    ]
    events += [
        {"type": "response.output_text.delta", "output_index": 0, "content_index": 0, "delta": d}
        for d in deltas
    ]
    return events


STATUS_ERRORS = [
    (400, orj.BadRequestError),
    (401, orj.AuthenticationError),
    (402, orj.InsufficientCreditsError),
    (403, orj.PermissionDeniedError),
    (404, orj.NotFoundError),
    (408, orj.RequestTimeoutError),
    (413, orj.BadRequestError),
    (422, orj.BadRequestError),
    (429, orj.RateLimitError),
    (500, orj.ServerError),
    (502, orj.ServerError),
    (503, orj.ServerError),
    (524, orj.ServerError),
    (529, orj.ServerError),
]


@pytest.mark.parametrize(("status", "cls"), STATUS_ERRORS)
def test_every_error_status_raises_its_typed_error(server, status, cls):
    metadata = {"provider_name": "Google", "raw": "upstream says no"}
    server.queue(
        Reply(
            status,
            error_body(status, "Provider returned error", metadata=metadata),
            content_type="application/json",
        )
    )
    with pytest.raises(cls) as info:
        client_for(server).stream(model="m", input="x").until_done()
    error = info.value
    assert isinstance(error, orj.APIError)
    assert (error.status_code, error.code) == (status, status)
    assert error.message == "Provider returned error"
    assert error.metadata["provider_name"] == "Google"
    assert "upstream says no" in str(error)
    assert len(server.seen) == 1


def test_string_error_code_and_top_level_metadata_are_kept(server):
    body = json.dumps(
        {"error": {"code": "moderation", "message": "flagged"}, "metadata": {"reasons": ["x"]}}
    ).encode()
    server.queue(Reply(403, body, content_type="application/json"))
    with pytest.raises(orj.PermissionDeniedError) as info:
        client_for(server).create(model="m", input="x")
    assert info.value.code == "moderation"
    assert info.value.metadata == {"reasons": ["x"]}
    assert info.value.hint


def test_non_json_error_body_still_gives_a_readable_error(server):
    server.queue(Reply(502, b"<html>Bad gateway</html>", content_type="text/html"))
    with pytest.raises(orj.ServerError) as info:
        client_for(server).create(model="m", input="x")
    assert "Bad gateway" in info.value.message


def test_429_then_success_waits_for_retry_after(server):
    server.queue(
        Reply(
            429,
            error_body(429, "rate limited"),
            headers={"Retry-After": "1"},
            content_type="application/json",
        ),
        Reply(200, sse(*text_events("ok"))),
    )
    started = time.monotonic()
    with client_for(server, max_retries=2).stream(model="m", input="x") as stream:
        response = stream.until_done()
    assert time.monotonic() - started >= 0.95
    assert response.output_text == "ok"
    assert len(server.seen) == 2


def test_500_then_success_is_retried(server):
    server.queue(
        Reply(500, error_body(500, "internal"), content_type="application/json"),
        Reply(200, sse(*text_events("fine"))),
    )
    response = client_for(server, max_retries=1).stream(model="m", input="x").until_done()
    assert response.output_text == "fine"
    assert len(server.seen) == 2


@pytest.mark.slow
def test_retries_stop_after_max_retries(server):
    for _ in range(3):
        server.queue(
            Reply(
                503,
                error_body(503, "no provider"),
                headers={"Retry-After": "0"},
                content_type="application/json",
            )
        )
    with pytest.raises(orj.ServerError):
        client_for(server, max_retries=2).create(model="m", input="x")
    assert len(server.seen) == 3


def test_client_errors_are_not_retried(server):
    server.queue(Reply(400, error_body(400), content_type="application/json"))
    with pytest.raises(orj.BadRequestError):
        client_for(server, max_retries=3).create(model="m", input="x")
    assert len(server.seen) == 1


def test_connection_refused_is_a_connection_error_after_retries():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = orj.Client(api_key=SECRET, base_url=f"http://127.0.0.1:{port}/api/v1", max_retries=1)
    with pytest.raises(orj.APIConnectionError) as info:
        client.create(model="m", input="x")
    assert SECRET not in str(info.value)


def test_a_stream_that_began_is_never_sent_again(server):
    server.queue(
        Reply(200, chunks=[sse(*text_events("par"), done=False)], abort=True),
        Reply(200, sse(*text_events("second"))),
    )
    with pytest.raises(orj.StreamError):
        client_for(server, max_retries=3).stream(model="m", input="x").until_done()
    assert len(server.seen) == 1


def test_midstream_error_event_keeps_the_partial_text(server):
    events = text_events("Hello", ", wor") + [
        {"type": "error", "code": "server_error", "message": "Provider disconnected", "param": None}
    ]
    server.queue(Reply(200, sse(*events)))
    seen = []
    with (
        pytest.raises(orj.StreamError) as info,
        client_for(server).stream(model="m", input="x") as s,
    ):
        for event in s:
            seen.append(event.type)
    assert seen[-1] == "error"  # the error event itself is delivered before the raise
    assert info.value.response.output_text == "Hello, wor"
    assert info.value.response.status == "failed"
    assert info.value.code == "server_error"
    assert s.response.error["message"] == "Provider disconnected"


def test_response_failed_raises_with_the_response_error(server):
    failed = {
        "type": "response.failed",
        "response": {
            "id": "gen-2",
            "status": "failed",
            "output": [],
            "error": {"code": "server_error", "message": "model crashed"},
        },
    }
    server.queue(Reply(200, sse(*text_events("so far"), failed)))
    with pytest.raises(orj.StreamError) as info:
        client_for(server).stream(model="m", input="x").until_done()
    assert info.value.response.output_text == "so far"
    assert info.value.response.error["message"] == "model crashed"


def test_connection_cut_mid_event_raises_stream_error_keeping_what_arrived(server):
    body = sse(*text_events("kept"), done=False) + b'data: {"type":"response.output_text.de'
    server.queue(Reply(200, chunks=[body], abort=True))
    with pytest.raises(orj.StreamError) as info:
        client_for(server).stream(model="m", input="x").until_done()
    assert info.value.response.output_text == "kept"
    assert info.value.response.status == "incomplete"


def test_clean_end_in_the_middle_of_an_event_is_a_stream_error(server):
    body = sse(*text_events("kept"), done=False) + b'data: {"type":"resp'
    server.queue(Reply(200, body))
    with pytest.raises(orj.StreamError, match="middle of an event") as info:
        client_for(server).stream(model="m", input="x").until_done()
    assert info.value.response.output_text == "kept"


def test_garbage_json_names_the_event_and_keeps_earlier_events(server):
    body = (
        sse(*text_events("before"), done=False)
        + b"data: {not json}\n\n"
        + sse(*text_events("after"))
    )
    server.queue(Reply(200, body))
    with pytest.raises(orj.StreamError, match=r"event #4 .*not valid JSON") as info:
        client_for(server).stream(model="m", input="x").until_done()
    assert info.value.response.output_text == "before"


def test_stalled_server_raises_a_timeout_instead_of_hanging(server):
    stalled = Reply(
        200, chunks=[b": OPENROUTER PROCESSING\n\n", sse(*text_events("a"), done=False)], stall=5
    )
    server.queue(stalled)
    client = client_for(server, timeout=0.5)
    with pytest.raises(orj.StreamTimeoutError) as info:
        client.stream(model="m", input="x").until_done()
    assert not stalled.stalled_out  # the client gave up while the server sat silent
    assert isinstance(info.value, orj.APITimeoutError)
    assert info.value.response.output_text == "a"


def test_closing_the_stream_early_cancels_and_releases_the_connection(server):
    server.queue(
        Reply(
            200, chunks=[sse(*text_events(f"{i} ")[-1:], done=False) for i in range(50)], pause=0.02
        )
    )
    client = client_for(server)
    with client.stream(model="m", input="x") as stream:
        for event in stream:
            if event.type == "response.output_text.delta":
                break
    assert stream.response.status == "cancelled"
    server.queue(Reply(200, sse(*text_events("next"))))
    assert client.stream(model="m", input="y").until_done().output_text == "next"


def test_cancel_from_another_thread_stops_a_silent_stream_at_once(server):
    stalled = Reply(200, chunks=[sse(*text_events("partial"), done=False)], stall=10)
    server.queue(stalled)
    client = client_for(server, timeout=30)
    stream = client.stream(model="m", input="x")
    threading.Timer(0.3, stream.cancel).start()
    response = stream.until_done()
    assert not stalled.stalled_out  # it returned while the server still sat silent
    assert response.status == "cancelled"
    assert response.output_text == "partial"


def test_missing_key_says_how_to_set_it(monkeypatch):
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    monkeypatch.delenv("OR_JUPYTER_OFFLINE", raising=False)
    with pytest.raises(orj.MissingAPIKeyError, match="OPENROUTER_API_KEY"):
        orj.Client(base_url="http://127.0.0.1:9/api/v1").stream(model="m", input="x")


def test_key_and_base_url_come_from_the_environment(server, monkeypatch):
    monkeypatch.setenv("OPENROUTER_API_KEY", SECRET)
    monkeypatch.setenv("OPENROUTER_BASE_URL", server.base_url)
    server.queue(Reply(200, sse(*text_events("env"))))
    assert orj.Client().stream(model="m", input="x").until_done().output_text == "env"
    seen = server.seen[0]
    assert seen.headers["Authorization"] == f"Bearer {SECRET}"
    assert seen.path == "/api/v1/responses"


def test_request_carries_attribution_and_streaming_headers(server):
    server.queue(Reply(200, sse(*text_events("h"))))
    client_for(server, app_title="My Notebook", app_url="https://example.org/nb").stream(
        model="m", input="x"
    ).until_done()
    headers = server.seen[0].headers
    assert headers["X-OpenRouter-Title"] == headers["X-Title"] == "My Notebook"
    assert headers["HTTP-Referer"] == "https://example.org/nb"
    assert headers["Accept"] == "text/event-stream"
    assert server.seen[0].json()["stream"] is True


def test_the_key_never_shows_in_reprs_errors_tracebacks_or_logs(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.queue(Reply(401, error_body(401, "User not found."), content_type="application/json"))
    client = client_for(server)
    with pytest.raises(orj.AuthenticationError) as info:
        client.create(model="m", input="x")
    shown = [
        repr(client),
        str(client),
        str(info.value),
        repr(info.value),
        "".join(traceback.format_exception(info.value)),
        repr(client._auth),
        caplog.text,
    ]
    assert all(SECRET not in text for text in shown)
    assert "api_key=set" in repr(client)


def test_non_streaming_create_parses_a_recorded_body(server):
    from helpers.recordings import recorded

    body, _, _ = recorded("openrouter-prompt-cache.0")
    server.queue(Reply(200, json.dumps(body).encode(), content_type="application/json"))
    response = client_for(server).create(model="m", input="x")
    assert response.status == body["status"]
    assert response.usage == body["usage"]
    assert response.output_text == "".join(
        part.get("text", "")
        for item in body["output"]
        if item["type"] == "message"
        for part in item["content"]
    )
    assert server.seen[0].json()["stream"] is False


def test_models_lists_the_catalogue(server):
    catalogue = {"data": [{"id": "openai/gpt-5-mini", "context_length": 400000}]}
    server.queue(Reply(200, json.dumps(catalogue).encode(), content_type="application/json"))
    assert client_for(server).models() == catalogue["data"]
    assert server.seen[0].method == "GET" and server.seen[0].path == "/api/v1/models"


async def _async_stream(server):
    async with orj.AsyncClient(api_key=SECRET, base_url=server.base_url, max_retries=1) as client:
        async with client.stream(model="m", input="x") as stream:
            deltas = [
                e.data["delta"] async for e in stream if e.type == "response.output_text.delta"
            ]
        return deltas, stream.response


@pytest.mark.anyio
async def test_async_client_streams_with_retry(server):
    server.queue(
        Reply(500, error_body(500), content_type="application/json"),
        Reply(200, sse(*text_events("as", "ync"))),
    )
    deltas, response = await _async_stream(server)
    assert deltas == ["as", "ync"]
    assert response.output_text == "async"


@pytest.mark.anyio
async def test_async_client_raises_typed_errors_and_stream_errors(server):
    server.queue(
        Reply(402, error_body(402, "Insufficient credits"), content_type="application/json")
    )
    client = orj.AsyncClient(api_key=SECRET, base_url=server.base_url, max_retries=0)
    with pytest.raises(orj.InsufficientCreditsError):
        await client.create(model="m", input="x")
    server.queue(
        Reply(200, sse(*text_events("part"), {"type": "error", "message": "x", "code": 1}))
    )
    with pytest.raises(orj.StreamError) as info:
        await client.stream(model="m", input="x").until_done()
    assert info.value.response.output_text == "part"
    await client.aclose()
