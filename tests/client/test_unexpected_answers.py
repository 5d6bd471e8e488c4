"""Answers that are not what was asked for become typed errors carrying the status and
what the server said (issue #9, item 6): redirects, HTML, JSON errors with status 200."""

from __future__ import annotations

import json

import pytest
from helpers.scripted_server import Reply, sse

import or_jupyter as orj

KEY = "sk-or-v1-unexpected-0123456789"
LOGIN = "https://login.example.org/sso?next=%2Fapi"
PORTAL = (
    b"<!DOCTYPE html><html><head><title>Corporate proxy</title></head>"
    b"<body>\x1b[31mSign in\x1b[0m to continue\x07 " + b"." * 400 + b"</body></html>"
)


def client_for(server, **kwargs) -> orj.Client:
    kwargs.setdefault("max_retries", 2)
    return orj.Client(api_key=KEY, base_url=server.base_url, **kwargs)


CALLS = {
    "stream": lambda c: c.stream(model="m", input="x").until_done(),
    "create": lambda c: c.create(model="m", input="x"),
    "models": lambda c: c.models(),
}


@pytest.mark.parametrize("status", [301, 302, 307, 308])
@pytest.mark.parametrize("call", list(CALLS))
def test_a_redirect_is_a_typed_error_with_its_location_and_is_not_retried(server, status, call):
    server.queue(Reply(status, PORTAL, content_type="text/html", headers={"Location": LOGIN}))
    with pytest.raises(orj.RedirectError) as info:
        CALLS[call](client_for(server))
    error = info.value
    assert (error.status_code, error.location) == (status, LOGIN)
    assert error.message.startswith("<!DOCTYPE html><html><head><title>Corporate proxy")
    assert LOGIN in str(error) and error.hint
    assert len(server.seen) == 1


@pytest.mark.parametrize("call", list(CALLS))
def test_html_where_json_or_events_were_due_is_an_unexpected_content_error(server, call):
    server.queue(Reply(200, PORTAL, content_type="text/html; charset=utf-8"))
    with pytest.raises(orj.UnexpectedContentError) as info:
        CALLS[call](client_for(server))
    error = info.value
    assert isinstance(error, orj.ProtocolError)
    assert (error.status_code, error.content_type) == (200, "text/html")
    assert "Sign in to continue" in error.message
    assert not any(c in error.message for c in "\x1b\x07")  # terminal controls stripped
    assert error.message.count(".") < 200 + 10  # only the start of the body
    assert error.hint


def test_invalid_json_with_a_json_content_type_is_an_unexpected_content_error(server):
    server.queue(Reply(200, b'{"id": "r", "output": [', content_type="application/json"))
    with pytest.raises(orj.UnexpectedContentError, match="not valid JSON"):
        client_for(server).create(model="m", input="x")


def test_a_200_json_error_on_create_raises_with_the_servers_message(server):
    body = {"error": {"code": 429, "message": "Rate limit exceeded upstream"}}
    server.queue(Reply(200, json.dumps(body).encode(), content_type="application/json"))
    with pytest.raises(orj.ResponseFailedError) as info:
        client_for(server).create(model="m", input="x")
    assert info.value.message == "Rate limit exceeded upstream"
    assert info.value.code == 429
    assert info.value.status_code is None


def test_a_200_json_error_on_a_stream_raises_with_the_servers_message(server):
    body = {"error": {"code": 502, "message": "Provider returned error"}}
    server.queue(Reply(200, json.dumps(body).encode(), content_type="application/json"))
    with pytest.raises(orj.ResponseFailedError) as info:
        client_for(server).stream(model="m", input="x").until_done()
    assert info.value.message == "Provider returned error"
    assert info.value.code == 502
    assert info.value.response.status == "failed"


def test_a_json_response_to_a_streaming_request_is_read_as_one(server):
    body = {
        "id": "r1",
        "status": "completed",
        "output": [
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "whole"}],
            }
        ],
    }
    server.queue(Reply(200, json.dumps(body).encode(), content_type="application/json"))
    with client_for(server).stream(model="m", input="x") as stream:
        kinds = [event.type for event in stream]
    assert kinds == ["response.completed"]
    assert (stream.response.status, stream.response.output_text) == ("completed", "whole")


def test_json_of_another_shape_on_a_stream_is_an_unexpected_content_error(server):
    server.queue(Reply(200, b"[1, 2, 3]", content_type="application/json"))
    with pytest.raises(orj.UnexpectedContentError, match="another shape"):
        client_for(server).stream(model="m", input="x").until_done()


def test_an_sse_chunk_carrying_only_an_error_is_still_an_error_event(server):
    server.queue(Reply(200, sse({"error": {"code": 502, "message": "upstream gone"}})))
    with pytest.raises(orj.ResponseFailedError, match="upstream gone"):
        client_for(server).stream(model="m", input="x").until_done()


@pytest.mark.anyio
async def test_the_async_client_types_redirects_and_html_alike(server):
    server.queue(
        Reply(302, b"", content_type="text/html", headers={"Location": LOGIN}),
        Reply(200, PORTAL, content_type="text/html"),
    )
    async with orj.AsyncClient(api_key=KEY, base_url=server.base_url) as client:
        with pytest.raises(orj.RedirectError) as info:
            await client.create(model="m", input="x")
        assert info.value.location == LOGIN
        with pytest.raises(orj.UnexpectedContentError):
            await client.stream(model="m", input="x").until_done()
