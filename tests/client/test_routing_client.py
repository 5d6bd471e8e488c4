"""Routing through the clients, on a scripted server: the metadata header on every request,
`models` and `provider` sent as the spec documents them, and the metadata read back."""

from __future__ import annotations

import json

import pytest
from helpers.recordings import spec_validator
from helpers.scripted_server import Reply, completed_body, sse

import or_jupyter as orj
from or_jupyter.chat.conversation import Conversation
from or_jupyter.protocol import parse_provider

KEY = "sk-or-v1-test-routing-key-0123456789"
METADATA = {
    "attempt": 2,
    "attempts": [
        {"provider": "Anthropic", "model": "anthropic/claude-sonnet-4.5", "status": 503},
        {"provider": "Google Vertex", "model": "google/gemini-2.5-flash", "status": 200},
    ],
    "endpoints": {
        "available": [
            {"model": "anthropic/claude-sonnet-4.5", "provider": "Anthropic", "selected": False},
            {"model": "google/gemini-2.5-flash", "provider": "Google Vertex", "selected": True},
        ],
        "total": 2,
    },
    "is_byok": False,
    "region": None,
    "requested": "anthropic/claude-sonnet-4.5",
    "strategy": "fallback",
    "summary": "available=2, selected=Google Vertex",
}


def final(metadata=METADATA, model="google/gemini-2.5-flash"):
    return completed_body(model=model, openrouter_metadata=metadata)


def stream_reply(metadata=METADATA):
    body = final(metadata)
    return Reply(
        200,
        sse(
            {
                "type": "response.created",
                "response": {**body, "status": "in_progress", "output": []},
            },
            {
                "type": "response.output_text.delta",
                "output_index": 0,
                "content_index": 0,
                "delta": "Hi",
            },
            {"type": "response.completed", "response": body},
        ),
    )


def client(server):
    return orj.Client(api_key=KEY, base_url=server.base_url, max_retries=0)


def read(stream):
    with stream:
        for _ in stream:
            pass
    return stream.response


def test_every_request_asks_for_routing_metadata(server):
    server.queue(
        stream_reply(), Reply(200, json.dumps(final()).encode(), content_type="application/json")
    )
    server.queue(Reply(200, b'{"data": []}', content_type="application/json"))
    c = client(server)
    read(c.stream(model="m/x", input="hi"))
    c.create(model="m/x", input="hi")
    c.models()
    assert [seen.headers.get("X-OpenRouter-Metadata") for seen in server.seen] == ["enabled"] * 3


@pytest.mark.anyio
async def test_the_async_client_asks_for_routing_metadata_too(server):
    server.queue(Reply(200, json.dumps(final()).encode(), content_type="application/json"))
    async with orj.AsyncClient(api_key=KEY, base_url=server.base_url, max_retries=0) as c:
        response = await c.create(model="m/x", input="hi")
    assert server.seen[0].headers.get("X-OpenRouter-Metadata") == "enabled"
    assert (response.provider, response.attempts) == ("Google Vertex", 2)


def test_models_and_provider_go_out_exactly_as_the_spec_documents_them(server):
    server.queue(stream_reply())
    provider = parse_provider(
        "sort=price,only=openai|azure,zdr,allow_fallbacks=false,max_price.prompt=1"
    )
    models = ["anthropic/claude-sonnet-4.5", "google/gemini-2.5-flash"]
    response = read(
        client(server).stream(
            model="anthropic/claude-sonnet-4.5", models=models, provider=provider, input="hi"
        )
    )
    body = server.seen[0].json()
    assert body["models"] == models
    assert body["provider"] == {
        "sort": "price",
        "only": ["openai", "azure"],
        "zdr": True,
        "allow_fallbacks": False,
        "max_price": {"prompt": "1"},
    }
    assert [e.message for e in spec_validator("ResponsesRequest").iter_errors(body)] == []
    assert (response.model, response.provider, response.attempts) == (
        "google/gemini-2.5-flash",
        "Google Vertex",
        2,
    )
    assert response.openrouter_metadata == METADATA


def test_a_conversation_passes_provider_and_models_on_every_turn(server):
    server.queue(stream_reply(), stream_reply())
    chat = Conversation(
        model="anthropic/claude-sonnet-4.5",
        client=client(server),
        provider={"sort": "throughput"},
        models=["anthropic/claude-sonnet-4.5", "google/gemini-2.5-flash"],
    )
    first = chat.send("hi")
    chat.send("again", provider={"order": ["google-vertex"]})
    bodies = [seen.json() for seen in server.seen]
    assert bodies[0]["provider"] == {"sort": "throughput"}
    assert bodies[1]["provider"] == {"order": ["google-vertex"]}
    assert all(
        b["models"] == ["anthropic/claude-sonnet-4.5", "google/gemini-2.5-flash"] for b in bodies
    )
    assert all(not list(spec_validator("ResponsesRequest").iter_errors(b)) for b in bodies)
    assert first.provider == "Google Vertex"


@pytest.mark.parametrize("metadata", ["enabled", [1, 2], {"attempt": "x", "endpoints": 3}, None])
def test_wrong_typed_metadata_in_a_stream_loses_nothing(server, metadata):
    server.queue(stream_reply(metadata))
    response = read(client(server).stream(model="m/x", input="hi"))
    assert response.status == "completed"
    assert response.output_text == "Hi"
    assert response.provider is None
    assert response.attempts is None
