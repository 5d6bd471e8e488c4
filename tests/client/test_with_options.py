"""`with_options` and `to_async`: copies of a client with some options changed, made through
its public surface (the batch and `--no-cache` use them), leaving the original as it was."""

from __future__ import annotations

import anyio
import httpx
import pytest
from helpers.scripted_server import Reply, completed_reply

import or_jupyter as orj

KEY = "sk-or-v1-with-options-0123456789"


def ask(client: orj.Client, text: str = "hi") -> orj.Response:
    with client.stream(model="openai/gpt-5-mini", input=text) as stream:
        for _ in stream:
            pass
    return stream.response


def test_a_copy_keeps_key_address_and_headers_and_changes_only_what_was_asked(server):
    client = orj.Client(api_key=KEY, base_url=server.base_url, max_retries=2, app_title="Mine")
    twin = client.with_options(max_retries=0)
    assert type(twin) is orj.Client and twin.max_retries == 0 and client.max_retries == 2
    assert twin.base_url == client.base_url and KEY not in repr(twin)
    server.queue(Reply(503, b'{"error": {"message": "busy", "code": 503}}',
                       content_type="application/json"))  # fmt: skip
    with pytest.raises(orj.ServerError):
        ask(twin)  # no retry: the 503 is final
    assert len(server.seen) == 1
    seen = server.seen[0].headers
    assert seen["Authorization"] == f"Bearer {KEY}" and seen["X-Title"] == "Mine"


def test_a_copy_shares_the_connections_and_closing_it_leaves_them_open(server):
    client = orj.Client(api_key=KEY, base_url=server.base_url)
    twin = client.with_options(max_retries=1)
    twin.close()
    server.queue(completed_reply("still open"))
    assert ask(client).output_text == "still open"
    client.close()


def test_cache_none_turns_the_cache_off_for_the_copy_only(server, tmp_path):
    client = orj.Client(api_key=KEY, base_url=server.base_url, cache=tmp_path / "c.sqlite")
    server.queue(completed_reply("first"), completed_reply("second"))
    assert ask(client).output_text == "first"
    assert ask(client).output_text == "first"  # from the cache
    fresh = client.with_options(cache=None)
    assert fresh.cache is None and client.cache is not None
    assert ask(fresh).output_text == "second"
    assert len(server.seen) == 2


def test_a_timeout_given_to_a_copy_applies_over_shared_connections(server):
    client = orj.Client(api_key=KEY, base_url=server.base_url, max_retries=0)
    quick = client.with_options(timeout=httpx.Timeout(5, read=0.3))
    stalled = Reply(200, b"", stall=3)
    server.queue(stalled)
    with pytest.raises(orj.APITimeoutError):
        ask(quick)
    assert not stalled.stalled_out  # the copy gave up while the server was still silent
    assert client.timeout != quick.timeout


def test_to_async_gives_an_async_client_with_the_same_key_and_its_own_connections(server):
    client = orj.Client(api_key=KEY, base_url=server.base_url, max_retries=2)
    server.queue(completed_reply("async hello"))

    async def main() -> str:
        twin = client.to_async(max_retries=0)
        assert isinstance(twin, orj.AsyncClient) and twin.max_retries == 0
        async with twin.stream(model="openai/gpt-5-mini", input="hi") as stream:
            async for _ in stream:
                pass
        await twin.aclose()
        return stream.response.output_text

    assert anyio.run(main) == "async hello"
    assert server.seen[0].headers["Authorization"] == f"Bearer {KEY}"
    server.queue(completed_reply("sync still works"))
    assert ask(client).output_text == "sync still works"  # the twin closed only its own


def test_to_sync_gives_a_client_back_from_an_async_one(server):
    async_client = orj.AsyncClient(api_key=KEY, base_url=server.base_url)
    client = async_client.to_sync(max_retries=0)
    assert type(client) is orj.Client and client.max_retries == 0
    server.queue(completed_reply("sync from async"))
    assert ask(client).output_text == "sync from async"
    client.close()
    assert server.seen[0].headers["Authorization"] == f"Bearer {KEY}"
