"""The response cache: identical requests answered from SQLite, through the same parser,
spending nothing; only completed answers are kept; the key is never in the file."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import textwrap
import zlib

import pytest
from helpers import REPO
from helpers.scripted_server import Reply, sse

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.kept.cache import Cache, request_key
from or_jupyter.render.view import SendStats

KEY = "sk-or-v1-cache-test-secret-0123456789"
MODEL = "openai/gpt-5-mini"


def completed_stream(text: str = "Hello there", cost: float = 0.0042) -> bytes:
    item = {
        "type": "message",
        "id": "msg_1",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text}],
    }
    return sse(
        {"type": "response.created", "response": {"id": "r1", "model": MODEL, "output": []}},
        {"type": "response.output_text.delta", "output_index": 0, "delta": text[:5]},
        {"type": "response.output_text.delta", "output_index": 0, "delta": text[5:]},
        {
            "type": "response.completed",
            "response": {
                "id": "r1",
                "model": MODEL,
                "status": "completed",
                "output": [item],
                "usage": {"input_tokens": 3, "output_tokens": 2, "cost": cost},
            },
        },
    )


def streamed(client, text="hi"):
    with client.stream(model=MODEL, input=text) as stream:
        events = [(event.type, event.data) for event in stream]
    return events, stream.response


@pytest.fixture
def cache_path(tmp_path):
    return tmp_path / "cache.sqlite"


def test_a_hit_replays_the_same_events_and_sends_nothing(server, cache_path):
    server.queue(Reply(body=completed_stream(), chunks=None))
    client = orj.Client(api_key=KEY, base_url=server.base_url, cache=cache_path)
    first_events, first = streamed(client)
    assert len(server.seen) == 1 and first.cached is False
    again_events, again = streamed(client)
    assert len(server.seen) == 1  # nothing sent, nothing spent
    assert again.cached is True
    assert again_events == first_events
    assert again.output_text == first.output_text == "Hello there"
    assert again.output == first.output and again.usage == first.usage
    assert Cache(cache_path).stats()["saved_cost"] == pytest.approx(0.0042)


def test_a_non_streamed_answer_is_cached_too(server, cache_path):
    body = json.loads(completed_stream().split(b"data: ")[4].split(b"\n")[0])["response"]
    server.queue(Reply(body=json.dumps(body).encode(), content_type="application/json"))
    client = orj.Client(api_key=KEY, base_url=server.base_url, cache=cache_path)
    first = client.create(model=MODEL, input="hi")
    again = client.create(model=MODEL, input="hi")
    assert len(server.seen) == 1
    assert (first.cached, again.cached) == (False, True)
    assert again.output_text == first.output_text == "Hello there"


def test_a_different_request_is_a_miss(server, cache_path):
    server.queue(Reply(body=completed_stream("one")), Reply(body=completed_stream("two")))
    client = orj.Client(api_key=KEY, base_url=server.base_url, cache=cache_path)
    streamed(client, "first question")
    _, other = streamed(client, "second question")
    assert len(server.seen) == 2 and other.cached is False and other.output_text == "two"


@pytest.mark.parametrize(
    "reply",
    [
        Reply(body=sse({"type": "error", "error": {"code": 502, "message": "provider down"}})),
        Reply(body=completed_stream()[: len(completed_stream()) // 2], abort=True),
        Reply(
            body=sse(
                {
                    "type": "response.incomplete",
                    "response": {"id": "r", "status": "incomplete", "output": []},
                }
            )
        ),
        Reply(500, b'{"error":{"code":500,"message":"boom"}}', content_type="application/json"),
    ],
    ids=["error-event", "cut-mid-stream", "incomplete", "http-500"],
)
def test_failed_cut_and_incomplete_answers_are_not_cached(server, cache_path, reply):
    server.queue(reply)
    client = orj.Client(api_key=KEY, base_url=server.base_url, cache=cache_path, max_retries=0)
    if "incomplete" in reply.body.decode():
        assert streamed(client)[1].status == "incomplete"
    else:
        with pytest.raises(orj.APIError):
            streamed(client)
    assert Cache(cache_path).stats()["entries"] == 0
    server.queue(Reply(body=completed_stream()))
    _, response = streamed(client)
    assert len(server.seen) == 2 and response.cached is False


def test_a_stopped_stream_is_not_cached(server, cache_path):
    server.queue(
        Reply(
            body=b"",
            chunks=[p + b"\n\n" for p in completed_stream().split(b"\n\n") if p],
            pause=0.05,
        )
    )
    client = orj.Client(api_key=KEY, base_url=server.base_url, cache=cache_path)
    with client.stream(model=MODEL, input="hi") as stream:
        for event in stream:
            if event.type == "response.output_text.delta":
                stream.cancel()
    assert stream.response.status == "cancelled"
    assert Cache(cache_path).stats()["entries"] == 0


def test_the_key_is_never_in_the_cache_file(server, cache_path):
    server.queue(Reply(body=completed_stream()))
    client = orj.Client(api_key=KEY, base_url=server.base_url, cache=cache_path)
    streamed(client)
    assert KEY in server.seen[0].headers["Authorization"]  # it was sent, in the header
    for path in cache_path.parent.iterdir():
        assert KEY.encode() not in path.read_bytes(), path
    with sqlite3.connect(cache_path) as db:  # nor inside the compressed events
        for row in db.execute("SELECT * FROM responses"):
            unpacked = [zlib.decompress(v) if isinstance(v, bytes) else str(v) for v in row]
            assert all(KEY not in str(value) for value in unpacked)
            assert any(b"response.completed" in v for v in unpacked if isinstance(v, bytes))


def test_the_key_ignores_input_ids_and_holds_the_base_url():
    body = {
        "model": MODEL,
        "input": [{"type": "function_call_output", "id": "fco_1", "output": "x"}],
    }
    renamed = {
        "model": MODEL,
        "input": [{"type": "function_call_output", "id": "fco_2", "output": "x"}],
    }
    assert request_key("http://a/api/v1", "/responses", body) == request_key(
        "http://a/api/v1", "/responses", renamed
    )
    assert request_key("http://a/api/v1", "/responses", body) != request_key(
        "http://b/api/v1", "/responses", body
    )
    reordered = {"input": "hi", "model": MODEL}
    assert request_key("u", "/responses", {"model": MODEL, "input": "hi"}) == request_key(
        "u", "/responses", reordered
    )


def test_the_footer_says_cached_with_the_original_cost():
    stats = SendStats(model=MODEL)
    stats.add_usage({"input_tokens": 3, "output_tokens": 2, "cost": 0.0042})
    stats.cached = 1
    assert "cached · original cost $0.004200 · nothing spent" in stats.footer_text()


def test_the_async_client_hits_the_same_cache(server, cache_path):
    server.queue(Reply(body=completed_stream()))
    streamed(orj.Client(api_key=KEY, base_url=server.base_url, cache=cache_path))

    async def main():
        async with orj.AsyncClient(api_key=KEY, base_url=server.base_url, cache=cache_path) as c:
            async with c.stream(model=MODEL, input="hi") as stream:
                async for _ in stream:
                    pass
            return stream.response

    response = asyncio.run(main())
    assert len(server.seen) == 1
    assert response.cached and response.output_text == "Hello there"


def test_a_batch_with_a_cached_client_serves_identical_rows_from_the_cache(cache_path):
    with emulator.start() as em:
        client = orj.Client(api_key="k", base_url=em.base_url, cache=cache_path)
        rows = ["What is 2+2?", "What is 3*3?"]
        first = orj.map(rows, "{}", model=MODEL, client=client, progress=False)
        assert Cache(cache_path).stats()["entries"] == 2
        again = orj.map(rows, "{}", model=MODEL, client=client, progress=False)
    assert [r.output for r in again] == [r.output for r in first]
    assert all(r.status == "done" for r in again)
    assert all(r.cost > 0 and not r.cached for r in first)
    assert all(r.cached and r.cost == 0 and r.seconds == 0 for r in again)  # nothing spent
    assert Cache(cache_path).stats()["hits"] == 2


@pytest.mark.slow  # two subprocesses
def test_two_processes_share_one_cache_file(cache_path):
    """Two processes each ask the emulator 6 questions, 3 in common, through one cache file."""
    script = textwrap.dedent(
        """
        import sys, or_jupyter as orj
        client = orj.Client(api_key="k", base_url=sys.argv[1], cache=sys.argv[2])
        cached = 0
        for n in range(int(sys.argv[3]), int(sys.argv[3]) + 6):
            cached += client.create(model="openai/gpt-5-mini", input=f"What is {n}*2?").cached
        print(cached)
        """
    )
    with emulator.start() as em:
        runs = [
            subprocess.Popen(
                [sys.executable, "-c", script, em.base_url, str(cache_path), start],
                cwd=REPO,
                stdout=subprocess.PIPE,
                text=True,
            )
            for start in ("0", "3")
        ]
        outs = [run.communicate(timeout=120)[0] for run in runs]
    assert all(run.returncode == 0 for run in runs), outs
    stats = Cache(cache_path).stats()
    assert stats["entries"] == 9  # 0..8: the common three kept once
    assert sum(int(out) for out in outs) == stats["hits"]
