"""The batch's aiohttp transport keeps the client's behaviour: typed errors, no redirects,
decoded bodies, the key only in its header. Real HTTP against the scripted server."""

from __future__ import annotations

import asyncio
import gzip
import json
import socket

import httpx
import pytest
from helpers.scripted_server import Reply

import or_jupyter as orj
from or_jupyter.batch.transport import batch_http

pytestmark = pytest.mark.anyio
KEY = "sk-or-v1-transport-test-key-0123456789"
ANSWER = {
    "id": "resp_1",
    "object": "response",
    "status": "completed",
    "model": "m",
    "output": [
        {
            "type": "message",
            "id": "msg_1",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": "positive", "annotations": []}],
        }
    ],
    "usage": {"input_tokens": 3, "output_tokens": 1, "total_tokens": 4, "cost": 0.001},
}
BODY = json.dumps(ANSWER).encode()


def client_for(base_url: str, timeout: float = 5.0, **options) -> orj.AsyncClient:
    http = batch_http(httpx.Timeout(timeout), connections=4)
    return orj.AsyncClient(
        api_key=KEY, base_url=base_url, http_client=http, max_retries=0, **options
    )


async def test_an_answer_arrives_whole_with_the_key_only_in_its_header(server):
    server.queue(Reply(200, BODY, chunks=[BODY[:10], BODY[10:]], content_type="application/json"))
    async with client_for(server.base_url) as client:
        response = await client.create(model="m", input="hi")
    assert response.output_text == "positive"
    seen = server.seen[0]
    assert seen.headers["Authorization"] == f"Bearer {KEY}"
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.json()["input"] == "hi"
    assert KEY not in seen.body.decode()


async def test_with_a_cache_the_answer_is_kept_and_served_again_without_a_request(server, tmp_path):
    server.queue(Reply(200, BODY, content_type="application/json"))
    async with client_for(server.base_url, cache=tmp_path / "cache.sqlite") as client:
        first = await client.create(model="m", input="hi")
        again = await client.create(model="m", input="hi")
    assert (first.output_text, again.output_text) == ("positive", "positive")
    assert (first.cached, again.cached) == (False, True)
    assert len(server.seen) == 1
    assert server.seen[0].headers["Authorization"] == f"Bearer {KEY}"


async def test_a_rate_limit_answer_keeps_its_status_message_and_retry_after(server):
    error = json.dumps({"error": {"code": 429, "message": "slow down, key " + KEY}}).encode()
    server.queue(Reply(429, error, headers={"Retry-After": "7"}, content_type="application/json"))
    async with client_for(server.base_url) as client:
        with pytest.raises(orj.RateLimitError) as caught:
            await client.create(model="m", input="hi")
    assert caught.value.retry_after == 7
    assert "slow down" in str(caught.value) and KEY not in str(caught.value)


async def test_html_where_json_was_promised_is_named_with_its_type(server):
    server.queue(Reply(200, b"<html>maintenance</html>", content_type="text/html"))
    async with client_for(server.base_url) as client:
        with pytest.raises(orj.UnexpectedContentError) as caught:
            await client.create(model="m", input="hi")
    assert "text/html" in str(caught.value) and "maintenance" in str(caught.value)


async def test_the_model_catalogue_is_read_through_the_batch_connections(server):
    catalogue = {"data": [{"id": "m", "pricing": {"prompt": "0.000001"}}]}
    server.queue(Reply(200, json.dumps(catalogue).encode(), content_type="application/json"))
    async with client_for(server.base_url) as client:
        models = await client.models()
    assert [entry["id"] for entry in models] == ["m"]
    assert (server.seen[0].method, server.seen[0].path) == ("GET", "/api/v1/models")


async def test_a_cookie_a_response_sets_is_neither_kept_nor_sent_back(server):
    cookie = {"Set-Cookie": "__cf_bm=tracking; Path=/; HttpOnly"}
    for _ in range(2):
        server.queue(Reply(200, BODY, headers=cookie, content_type="application/json"))
    async with client_for(server.base_url) as client:
        for _ in range(2):
            assert (await client.create(model="m", input="hi")).output_text == "positive"
    assert [seen.headers.get("Cookie") for seen in server.seen] == [None, None]


async def test_a_gzip_body_is_decoded(server):
    server.queue(
        Reply(
            200,
            gzip.compress(BODY),
            headers={"Content-Encoding": "gzip"},
            content_type="application/json",
        )
    )
    async with client_for(server.base_url) as client:
        response = await client.create(model="m", input="hi")
    assert response.output_text == "positive"


async def test_a_redirect_is_not_followed_but_named(server):
    server.queue(Reply(302, b"", headers={"Location": "https://elsewhere.example/x"}))
    async with client_for(server.base_url) as client:
        with pytest.raises(orj.RedirectError) as caught:
            await client.create(model="m", input="hi")
    assert "elsewhere.example" in str(caught.value)
    assert len(server.seen) == 1


async def test_a_body_cut_mid_way_is_a_typed_connection_error(server):
    server.queue(Reply(200, BODY[:40], content_type="application/json", abort=True))
    async with client_for(server.base_url) as client:
        with pytest.raises(orj.APIConnectionError) as caught:
            await client.create(model="m", input="hi")
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert KEY not in repr(caught.value)


async def test_a_silent_server_is_a_timeout(server):
    server.queue(Reply(200, b"", content_type="application/json", stall=2.0))
    async with client_for(server.base_url, timeout=0.3) as client:
        with pytest.raises(orj.APITimeoutError):
            await client.create(model="m", input="hi")


async def test_a_refused_connection_is_a_connection_error():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with client_for(f"http://127.0.0.1:{port}/api/v1") as client:
        with pytest.raises(orj.APIConnectionError) as caught:
            await client.create(model="m", input="hi")
    assert "could not reach the server" in str(caught.value)
    assert KEY not in str(caught.value)


async def test_a_cancelled_request_leaves_the_transport_usable(server):
    server.queue(
        Reply(200, BODY, content_type="application/json", stall=1.0),
        Reply(200, BODY, content_type="application/json"),
    )
    async with client_for(server.base_url) as client:
        task = asyncio.ensure_future(client.create(model="m", input="slow"))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        response = await client.create(model="m", input="next")
    assert response.output_text == "positive"


def test_a_row_whose_body_is_cut_is_retried_and_done(server):
    server.queue(
        Reply(200, BODY[:40], content_type="application/json", abort=True),
        Reply(200, BODY, content_type="application/json"),
    )
    client = orj.Client(api_key=KEY, base_url=server.base_url)
    [result] = orj.map(["hi"], "{}", client=client, model="m", progress=False)
    assert (result.status, result.output) == ("done", "positive")
    assert len(server.seen) == 2


async def test_a_proxy_from_the_environment_is_used_unless_no_proxy_names_the_host(
    server, monkeypatch
):
    root = server.base_url.removesuffix("/api/v1")
    monkeypatch.setenv("HTTP_PROXY", root)
    monkeypatch.setenv("NO_PROXY", "bypassed.invalid")
    server.queue(Reply(200, BODY, content_type="application/json"))
    async with client_for("http://api.invalid/api/v1") as client:
        response = await client.create(model="m", input="hi")
    assert response.output_text == "positive"
    assert server.seen[0].path == "http://api.invalid/api/v1/responses"  # the proxy's form
    async with client_for("http://bypassed.invalid/api/v1") as client:
        with pytest.raises(orj.APIConnectionError):  # straight to a host that does not exist
            await client.create(model="m", input="hi")
    assert len(server.seen) == 1


BOMB_CHILD = """
import asyncio, json, resource, sys
import httpx
import or_jupyter as orj
from or_jupyter.batch.transport import batch_http

async def main():
    http = batch_http(httpx.Timeout(60), connections=2)
    client = orj.AsyncClient(api_key=sys.argv[2], base_url=sys.argv[1], http_client=http,
                             max_retries=0)
    await client.create(model="m", input="warm up")
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcome = {}
    for name in ("error body", "json body"):
        try:
            await client.create(model="m", input="x")
            outcome[name] = "no error"
        except orj.APIError as error:
            outcome[name] = type(error).__name__
    await http.aclose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"outcome": outcome, "grew_kib": peak - baseline}))

asyncio.run(main())
"""


@pytest.mark.slow
def test_gzip_bombs_through_the_batch_connections_are_cut_off_without_taking_the_memory(server):
    from helpers.bombs import gzip_bomb, run_child

    bomb = gzip_bomb()
    gzip_headers = {"Content-Encoding": "gzip"}
    server.queue(
        Reply(200, BODY, content_type="application/json"),
        Reply(500, bomb, content_type="application/json", headers=gzip_headers),
        Reply(200, bomb, content_type="application/json", headers=gzip_headers),
    )
    report = run_child(BOMB_CHILD, server.base_url, KEY)
    assert report["outcome"] == {"error body": "ServerError", "json body": "ResponseTooLargeError"}
    assert report["grew_kib"] < 400 * 1024, report  # 1 GiB each, unbounded
