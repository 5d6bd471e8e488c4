"""Every recorded stream, replayed over real HTTP in many chunkings, accumulates correctly."""

from __future__ import annotations

import json
import random

import pytest
from helpers.recordings import recorded, recorded_streams
from helpers.scripted_server import Reply

import or_jupyter as orj

STREAMS = [name for name in recorded_streams() if "midstream-error" not in name]


def reference(body: bytes) -> tuple[list[dict], dict | None]:
    """A naive, non-incremental parse: every JSON event, and the terminal response if any."""
    events = []
    for block in body.replace(b"\r\n", b"\n").split(b"\n\n"):
        data = [line[5:].strip() for line in block.split(b"\n") if line.startswith(b"data:")]
        if data and data != [b"[DONE]"]:
            events.append(json.loads(b"\n".join(data)))
    terminal = [
        e["response"]
        for e in events
        if e.get("type") in ("response.completed", "response.incomplete", "response.failed")
    ]
    return events, terminal[-1] if terminal else None


def expected_items(body: bytes) -> tuple[list[dict], dict | None]:
    events, terminal = reference(body)
    if terminal is not None:
        return terminal["output"], terminal
    done = {
        e["output_index"]: e["item"] for e in events if e["type"] == "response.output_item.done"
    }
    return [done[i] for i in sorted(done)], None


def texts(items: list[dict], kind: str, fields: tuple[str, ...], sep: str = "") -> str:
    return sep.join(
        part["text"]
        for item in items
        if item["type"] == kind
        for key in fields
        for part in item.get(key) or []
        if part.get("text")
    )


def chunkings(body: bytes) -> dict[str, list[bytes]]:
    rng = random.Random(len(body))
    sizes, pos = [], 0
    while pos < len(body):
        size = rng.randint(1, 97)
        sizes.append(body[pos : pos + size])
        pos += size
    one = [body[i : i + 1] for i in range(len(body))] if len(body) < 40_000 else None
    result = {"whole": [body], "random": sizes, "lines": body.splitlines(keepends=True)}
    if one:
        result["1-byte"] = one
    return result


SMALL = 10_000  # bytes: a 1-byte replay of a larger recording takes seconds (marked slow)


def case(name: str, how: str):
    big = how == "1-byte" and len(recorded(name)[0]) >= SMALL
    return pytest.param(name, how, id=f"{name}-{how}", marks=[pytest.mark.slow] if big else [])


CASES = [case(name, how) for name in STREAMS for how in ("whole", "random", "lines", "1-byte")]


@pytest.mark.parametrize(("name", "how"), CASES)
def test_recorded_stream_accumulates_to_its_terminal_event(server, name, how):
    body, request, _ = recorded(name)
    chunks = chunkings(body).get(how)
    if chunks is None:  # 1-byte chunking of the two largest recordings: 7-byte instead
        chunks = [body[i : i + 7] for i in range(0, len(body), 7)]
    server.queue(Reply(200, chunks=chunks))
    client = orj.Client(api_key="test-key", base_url=server.base_url, max_retries=0)
    deltas = []
    with client.stream(model=request["body"].get("model", "m"), input="replay") as stream:
        for event in stream:
            if event.type == "response.output_text.delta":
                deltas.append(event.data["delta"])
        response = stream.response

    items, terminal = expected_items(body)
    assert response.output_text == texts(items, "message", ("content",))
    assert "".join(deltas) == response.output_text
    assert response.reasoning_text == texts(items, "reasoning", ("content", "summary"), "\n\n")
    expected_calls = [
        (i["name"], i["call_id"], i["arguments"]) for i in items if i["type"] == "function_call"
    ]
    assert [(c.name, c.call_id, c.arguments) for c in response.function_calls] == expected_calls
    if terminal is not None:
        assert response.status == terminal["status"]
        assert response.usage == terminal.get("usage")
        assert response.id == terminal["id"]
    else:
        assert response.status == "incomplete"


def test_openrouter_quirks_renamed_ids_and_empty_output_text(server):
    body, _, _ = recorded("openrouter-gpt-oss-reasoning-text-stream.0")
    server.queue(Reply(200, body))
    client = orj.Client(api_key="k", base_url=server.base_url)
    with client.stream(model="openai/gpt-oss-20b", input="What is 2+2?") as stream:
        types = [event.type for event in stream]
    response = stream.response
    assert response.output_text == "4"  # the terminal event says output_text ""
    assert response.reasoning_text.startswith("The user asks")
    assert [item["type"] for item in response.output] == ["reasoning", "message"]
    assert response.usage["cost"] == pytest.approx(0.0000113)
    assert response.usage["output_tokens_details"]["reasoning_tokens"] == 22
    assert types[-1] == "response.completed"


def test_midstream_error_chunk_raises_stream_error_keeping_reasoning(server):
    body, _, _ = recorded("openrouter-midstream-error-chat.0")
    server.queue(Reply(200, body))
    client = orj.Client(api_key="k", base_url=server.base_url)
    with pytest.raises(orj.StreamError) as info, client.stream(model="m", input="hi") as stream:
        for _ in stream:
            pass
    assert info.value.message == "Token limit reached"
    assert info.value.code == 400
    assert info.value.response.status == "failed"


def test_stream_without_terminal_event_is_incomplete_and_keeps_items(server):
    body, _, _ = recorded("openrouter-gpt-oss-reasoning-text-stream.0")
    cut = body.index(b'data: {"type":"response.completed"')
    server.queue(Reply(200, body[:cut]))
    client = orj.Client(api_key="k", base_url=server.base_url)
    with client.stream(model="m", input="x") as stream:
        response = stream.until_done()
    assert response.status == "incomplete"
    assert response.output_text == "4"
    assert response.reasoning_text.endswith("Just answer 4.")
    assert response.id.startswith("gen-")


def test_encrypted_reasoning_only_is_reported_as_hidden():
    acc = orj.protocol.Accumulator()
    item = {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAAA"}
    acc.add(orj.Event("response.output_item.added", {"output_index": 0, "item": item}))
    acc.add(orj.Event("response.output_item.done", {"output_index": 0, "item": item}))
    response = acc.response()
    assert response.reasoning_hidden
    assert response.output[0]["encrypted_content"] == "gAAAA"


def test_documented_aliases_are_normalised(server):
    from helpers.scripted_server import sse

    server.queue(
        Reply(
            200,
            sse(
                {
                    "type": "response.output_item.added",
                    "output_index": 0,
                    "item": {"type": "reasoning", "id": "r", "summary": []},
                },
                {"type": "response.reasoning.delta", "output_index": 0, "delta": "think"},
                {
                    "type": "response.output_item.added",
                    "output_index": 1,
                    "item": {"type": "message", "id": "m", "role": "assistant", "content": []},
                },
                {
                    "type": "response.content_part.delta",
                    "output_index": 1,
                    "content_index": 0,
                    "delta": "hi",
                },
                {"type": "response.mystery.event", "x": 1},
                {
                    "type": "response.done",
                    "response": {"id": "gen-1", "status": "completed", "output": [], "usage": None},
                },
            ),
        )
    )
    client = orj.Client(api_key="k", base_url=server.base_url)
    with client.stream(model="m", input="x") as stream:
        types = [e.type for e in stream]
    assert types == [
        "response.output_item.added",
        "response.reasoning_text.delta",
        "response.output_item.added",
        "response.output_text.delta",
        "response.mystery.event",
        "response.completed",
    ]
    assert stream.response.output_text == "hi"
    assert stream.response.reasoning_text == "think"
    assert stream.response.status == "completed"


def test_response_error_alias_raises_stream_error(server):
    from helpers.scripted_server import sse

    server.queue(
        Reply(
            200,
            sse({"type": "response.error", "error": {"code": "server_error", "message": "boom"}}),
        )
    )
    client = orj.Client(api_key="k", base_url=server.base_url)
    with pytest.raises(orj.StreamError) as info:
        client.stream(model="m", input="x").until_done()
    assert info.value.code == "server_error"
    assert "boom" in str(info.value)
