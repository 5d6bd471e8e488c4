"""No exception the client raises carries the API key anywhere reachable from it
(issue #9, item 3): httpx's exceptions hold the request, and with it the
`Authorization: Bearer` header, so they must never be chained into ours."""

from __future__ import annotations

import json
import socket
import threading

import httpx
import pytest
from helpers.scripted_server import Reply, sse

import or_jupyter as orj

KEY = "sk-or-v1-reachable-nowhere-0123456789abcdef"


def holders(value: object, path: str = "error", seen: set[int] | None = None) -> list[str]:
    """Paths from `value` to the key: through causes, contexts, args, attributes,
    slots, containers, and httpx requests, responses and headers."""
    seen = set() if seen is None else seen
    if value is None or isinstance(value, (bool, int, float, type)) or id(value) in seen:
        return []
    seen.add(id(value))
    if isinstance(value, (str, bytes, bytearray)):
        text = value if isinstance(value, str) else bytes(value).decode("latin-1")
        return [path] if KEY in text else []
    found: list[str] = []

    def look(item: object, where: str) -> None:
        found.extend(holders(item, where, seen))

    if isinstance(value, BaseException):
        look(str(value), f"str({path})")
        look(repr(value), f"repr({path})")
        look(value.__cause__, f"{path}.__cause__")
        look(value.__context__, f"{path}.__context__")
        look(value.args, f"{path}.args")
    if isinstance(value, httpx.Headers):
        look(value.raw, f"{path}.raw")
    if isinstance(value, (httpx.Request, httpx.Response)):
        look(value.headers, f"{path}.headers")
        look(str(value.url) if isinstance(value, httpx.Request) else None, f"{path}.url")
    if isinstance(value, dict):
        for key, item in value.items():
            look(key, f"{path} key")
            look(item, f"{path}[{key!r}]")
    elif isinstance(value, (list, tuple, set, frozenset)):
        for index, item in enumerate(value):
            look(item, f"{path}[{index}]")
    if not callable(value) or isinstance(value, BaseException):
        look(getattr(value, "__dict__", None), f"{path}.__dict__")
        for slot in getattr(type(value), "__slots__", ()):
            look(getattr(value, slot, None), f"{path}.{slot}")
    return found


def test_the_walker_finds_the_key_behind_a_chained_httpx_error():
    request = httpx.Request("POST", "http://127.0.0.1/", headers={"Authorization": f"Bearer {KEY}"})
    try:
        try:
            raise httpx.ConnectError("refused", request=request)
        except httpx.ConnectError as exc:
            raise orj.APIConnectionError("could not connect") from exc
    except orj.APIError as error:
        assert any(".__cause__" in place and "headers" in place for place in holders(error))


def client_for(base_url: str, **kwargs) -> orj.Client:
    return orj.Client(api_key=KEY, base_url=base_url, **{"max_retries": 0, **kwargs})


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/api/v1"


def deltas(*texts: str) -> bytes:
    added = {
        "type": "response.output_item.added",
        "output_index": 0,
        "item": {"type": "message", "id": "m", "role": "assistant", "content": []},
    }
    return sse(
        added,
        *[
            {
                "type": "response.output_text.delta",
                "output_index": 0,
                "content_index": 0,
                "delta": t,
            }
            for t in texts
        ],
        done=False,
    )


def caught(call) -> BaseException:
    with pytest.raises(Exception) as info:
        call()
    return info.value


def test_connection_refused_holds_no_key():
    client = client_for(closed_port(), max_retries=1)
    for call in (lambda: client.create(model="m", input="x"), lambda: client.models()):
        error = caught(call)
        assert isinstance(error, orj.APIConnectionError)
        assert "ConnectError" in error.message  # the useful facts are copied in
        assert holders(error) == []


def test_a_read_timeout_holds_no_key(server):
    server.queue(Reply(200, chunks=[b'{"id": '], content_type="application/json", stall=3))
    error = caught(lambda: client_for(server.base_url, timeout=0.4).create(model="m", input="x"))
    assert isinstance(error, orj.APITimeoutError)
    assert holders(error) == []
    server.queue(Reply(200, chunks=[deltas("a")], stall=3))
    stream = client_for(server.base_url, timeout=0.4).stream(model="m", input="x")
    error = caught(stream.until_done)
    assert isinstance(error, orj.StreamTimeoutError)
    assert error.response.output_text == "a"
    assert holders(error) == []


def test_a_stream_cut_mid_event_holds_no_key(server):
    server.queue(Reply(200, chunks=[deltas("kept") + b'data: {"ty'], abort=True))
    stream = client_for(server.base_url).stream(model="m", input="x")
    error = caught(stream.until_done)
    assert type(error) is orj.StreamError
    assert error.response.output_text == "kept"
    assert holders(error) == []
    assert KEY not in repr(stream)


def test_a_plain_body_cut_short_is_a_connection_error_holding_no_key(server):
    server.queue(Reply(200, chunks=[b'{"id": "r",'], content_type="application/json", abort=True))
    error = caught(lambda: client_for(server.base_url).create(model="m", input="x"))
    assert isinstance(error, orj.APIConnectionError)
    assert holders(error) == []


def test_a_401_that_echoes_the_key_has_it_hidden(server):
    body = {"error": {"code": 401, "message": f"Key {KEY} not found", "metadata": {"k": KEY}}}
    server.queue(Reply(401, json.dumps(body).encode(), content_type="application/json"))
    error = caught(lambda: client_for(server.base_url).create(model="m", input="x"))
    assert isinstance(error, orj.AuthenticationError)
    assert "[API key hidden]" in error.message
    assert holders(error) == []


def test_a_redirect_whose_location_echoes_the_key_has_it_hidden(server):
    server.queue(Reply(302, b"", headers={"Location": f"http://127.0.0.1/?key={KEY}"}))
    error = caught(lambda: client_for(server.base_url).create(model="m", input="x"))
    assert isinstance(error, orj.RedirectError)
    assert error.location == "http://127.0.0.1/?key=[API key hidden]"
    assert holders(error) == []


def test_a_500_after_retries_holds_no_key(server):
    body = json.dumps({"error": {"code": 500, "message": "internal"}}).encode()
    server.queue(*[Reply(500, body, content_type="application/json") for _ in range(2)])
    stream = client_for(server.base_url, max_retries=1).stream(model="m", input="x")
    error = caught(stream.until_done)
    assert isinstance(error, orj.ServerError) and len(server.seen) == 2
    assert holders(error) == []


def test_a_cancelled_stream_and_reusing_it_hold_no_key(server):
    server.queue(Reply(200, chunks=[deltas("partial")], stall=5))
    stream = client_for(server.base_url, timeout=30).stream(model="m", input="x")
    threading.Timer(0.3, stream.cancel).start()
    response = stream.until_done()
    assert response.status == "cancelled"
    error = caught(stream.until_done)
    assert isinstance(error, RuntimeError) and "read already" in str(error)
    assert holders(error) == [] and holders(response) == []
    assert KEY not in repr(stream)


def test_a_missing_key_error_holds_no_key(monkeypatch):
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    monkeypatch.delenv("OR_JUPYTER_OFFLINE", raising=False)
    error = caught(lambda: orj.Client(base_url=closed_port()).create(model="m", input="x"))
    assert isinstance(error, orj.MissingAPIKeyError)
    assert holders(error) == []


def test_the_reprs_of_client_and_stream_hold_no_key(server):
    client = client_for(server.base_url)
    stream = client.stream(model="m", input="x")
    assert KEY not in repr(client) and KEY not in str(client)
    assert KEY not in repr(stream)
    assert "api_key=set" in repr(client)


@pytest.mark.anyio
async def test_the_async_client_errors_hold_no_key(server):
    async with orj.AsyncClient(api_key=KEY, base_url=closed_port(), max_retries=0) as client:
        with pytest.raises(orj.APIConnectionError) as info:
            await client.create(model="m", input="x")
        assert holders(info.value) == []
    server.queue(Reply(200, chunks=[deltas("kept")], abort=True))
    async with orj.AsyncClient(api_key=KEY, base_url=server.base_url, max_retries=0) as client:
        with pytest.raises(orj.StreamError) as info:
            await client.stream(model="m", input="x").until_done()
        assert holders(info.value) == []
        assert info.value.response.output_text == "kept"


def test_a_key_pasted_with_spaces_and_a_line_break_around_it_is_sent_trimmed(server):
    server.queue(Reply(200, json.dumps({"id": "r", "status": "completed", "output": []}).encode(),
                       content_type="application/json"))  # fmt: skip
    client = orj.Client(api_key=f"  {KEY}\n", base_url=server.base_url, max_retries=0)
    client.create(model="m", input="hi")
    assert server.seen[0].headers["Authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize(
    "pasted", [f"{KEY[:20]} {KEY[20:]}", f"{KEY}\nrest", f"{KEY}\x00", f"{KEY}é"]
)
def test_a_key_with_characters_no_key_has_is_refused_at_once_without_echoing_it(pasted):
    with pytest.raises(ValueError) as refused:
        orj.Client(api_key=pasted, base_url="http://127.0.0.1:9/api/v1")
    assert "copy-paste" in str(refused.value) and not holders(refused.value)
    assert KEY[:20] not in str(refused.value)


@pytest.mark.parametrize("title", ["Données", "two\r\nX-Injected: yes", "tab\there"])
def test_an_app_title_that_cannot_be_a_header_is_refused_naming_the_option(title):
    with pytest.raises(ValueError, match="app_title is sent as an HTTP header"):
        orj.AsyncClient(api_key=KEY, app_title=title)
    with pytest.raises(ValueError, match="app_url is sent as an HTTP header"):
        orj.Client(api_key=KEY, app_url=f"https://example.org/{title}")
