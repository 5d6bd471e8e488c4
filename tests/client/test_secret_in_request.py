"""The client refuses to send its own API key anywhere but the Authorization header
(issue #9, item 1b): defence in depth against a key pasted into a prompt or a tool."""

from __future__ import annotations

import pytest
from helpers.scripted_server import Reply, sse

import or_jupyter as orj

KEY = "sk-or-v1-do-not-send-me-0123456789abcdef"


def client_for(server, **kwargs) -> orj.Client:
    return orj.Client(api_key=KEY, base_url=server.base_url, max_retries=0, **kwargs)


def refused(call) -> orj.SecretInRequestError:
    with pytest.raises(orj.SecretInRequestError) as info:
        call()
    error = info.value
    assert KEY not in str(error) and KEY not in repr(error) and KEY not in error.path
    assert isinstance(error, orj.APIError) and error.status_code is None
    assert error.hint
    return error


@pytest.mark.parametrize(
    ("params", "path"),
    [
        ({"input": f"my key is {KEY}"}, "input"),
        (
            {"input": [{"role": "user", "content": f"use {KEY} please"}]},
            "input[0].content",
        ),
        (
            {
                "input": [
                    {"role": "user", "content": "hi"},
                    {
                        "role": "user",
                        "content": [{"type": "input_text", "text": f"({KEY})"}],
                    },
                ]
            },
            "input[1].content[0].text",
        ),
        ({"input": "x", "instructions": KEY}, "instructions"),
        ({"input": "x", "metadata": {"note key": KEY}}, 'metadata["note key"]'),
    ],
)
def test_a_request_holding_the_key_is_refused_and_nothing_is_sent(server, params, path):
    server.queue(Reply(200, sse()))
    client = client_for(server)
    error = refused(lambda: client.stream(model="m", **params))
    assert error.path == path
    assert path in error.message and "nothing was sent" in error.message
    refused(lambda: client.create(model="m", **params))
    assert server.seen == []


def test_a_tool_description_holding_the_key_is_refused(server):
    tool = {
        "type": "function",
        "name": "lookup",
        "description": f"call with token {KEY}",
        "parameters": {"type": "object", "properties": {}},
    }
    error = refused(lambda: client_for(server).create(model="m", input="x", tools=[tool]))
    assert error.path == "tools[0].description"
    assert server.seen == []


def test_a_header_holding_the_key_is_refused(server):
    client = client_for(server, app_url=f"https://example.org/?k={KEY}")
    error = refused(lambda: client.create(model="m", input="x"))
    assert error.path == 'headers["HTTP-Referer"]'
    refused(client.models)
    assert server.seen == []


def test_a_request_without_the_key_is_sent_with_it_only_in_authorization(server):
    server.queue(Reply(200, sse({"type": "response.completed", "response": {"output": []}})))
    client_for(server).stream(model="m", input=f"nearly {KEY[:-1]}").until_done()
    (seen,) = server.seen
    assert seen.headers["Authorization"] == f"Bearer {KEY}"
    assert KEY not in seen.body.decode()
    assert seen.json()["input"] == f"nearly {KEY[:-1]}"


def test_short_test_keys_are_not_searched_for(server):
    server.queue(Reply(200, sse({"type": "response.completed", "response": {"output": []}})))
    client = orj.Client(api_key="k", base_url=server.base_url, max_retries=0)
    assert client.stream(model="m", input="knock knock").until_done().status == "completed"
    body = b'{"error": {"code": 400, "message": "knock rejected"}}'
    server.queue(Reply(400, body, content_type="application/json"))
    with pytest.raises(orj.BadRequestError) as info:
        client.create(model="m", input="knock knock")
    assert info.value.message == "knock rejected"  # nor hidden in messages


@pytest.mark.anyio
async def test_the_async_client_refuses_too(server):
    async with orj.AsyncClient(api_key=KEY, base_url=server.base_url) as client:
        with pytest.raises(orj.SecretInRequestError) as info:
            await client.create(model="m", input=[{"role": "user", "content": KEY}])
        assert info.value.path == "input[0].content"
        with pytest.raises(orj.SecretInRequestError):
            client.stream(model="m", input=KEY)
    assert server.seen == []
