"""The sync and async clients and streams stay a pair, and share one retry policy."""

from __future__ import annotations

import asyncio
import inspect
import json

import pytest
from helpers.scripted_server import Reply, sse

import or_jupyter as orj
from or_jupyter.client.retry import MAX_RETRY_AFTER, retry_delays

KEY = "sk-or-v1-pairs-0123456789abcdef"
TWINS = {
    "close": "aclose",
    "__enter__": "__aenter__",
    "__exit__": "__aexit__",
    "__iter__": "__aiter__",
    "to_async": "to_sync",  # each converts to the other kind
}
PROTOCOL = {"__init__", *TWINS, *TWINS.values()}
PAIRS = [(orj.Client, orj.AsyncClient), (orj.ResponseStream, orj.AsyncResponseStream)]


def surface(cls: type, async_side: bool) -> dict[str, object]:
    """Public names and the context/iteration protocol, named as on the async side."""
    return {
        name if async_side else TWINS.get(name, name): value
        for name, value in inspect.getmembers(cls)
        if not name.startswith("_") or name in PROTOCOL
    }


def parameters(member: object) -> list[tuple[str, object, object]]:
    if isinstance(member, property):
        return [("<property>", None, None)]
    if not callable(member):
        return [("<attribute>", None, None)]
    signature = inspect.signature(member)
    return [(p.name, p.kind, p.default) for p in signature.parameters.values()]


@pytest.mark.parametrize(("sync", "async_"), PAIRS, ids=lambda cls: cls.__name__)
def test_the_sync_and_async_twins_have_the_same_surface(sync, async_):
    ours, theirs = surface(sync, False), surface(async_, True)
    assert sorted(ours) == sorted(theirs)
    for name in ours:
        assert parameters(ours[name]) == parameters(theirs[name]), name


def test_the_parity_check_notices_a_missing_method_or_parameter():
    class Sync:
        def send(self, a, b=1): ...

        def close(self): ...

    class Async:
        async def send(self, a): ...

        async def aclose(self): ...

    assert sorted(surface(Sync, False)) == sorted(surface(Async, True))
    assert parameters(Sync.send) != parameters(Async.send)

    class Fewer:
        async def aclose(self): ...

    assert sorted(surface(Sync, False)) != sorted(surface(Fewer, True))


def error_reply(status: int) -> Reply:
    body = json.dumps({"error": {"code": status, "message": f"status {status}"}}).encode()
    return Reply(status, body, content_type="application/json", headers={"Retry-After": "0"})


OK = sse({"type": "response.completed", "response": {"status": "completed", "output": []}})
RETRIED = [408, 429, 500, 502, 503, 524]
FINAL = [400, 401, 402, 403, 404, 413, 422]


def sync_attempts(server, status: int, max_retries: int) -> int:
    server.reset()
    server.queue(*[error_reply(status) for _ in range(max_retries + 1)], Reply(200, OK))
    client = orj.Client(api_key=KEY, base_url=server.base_url, max_retries=max_retries)
    with pytest.raises(orj.APIError) as info:
        client.stream(model="m", input="x").until_done()
    assert info.value.status_code == status
    return len(server.seen)


def async_attempts(server, status: int, max_retries: int) -> int:
    server.reset()
    server.queue(*[error_reply(status) for _ in range(max_retries + 1)], Reply(200, OK))

    async def run() -> None:
        async with orj.AsyncClient(
            api_key=KEY, base_url=server.base_url, max_retries=max_retries
        ) as client:
            with pytest.raises(orj.APIError) as info:
                await client.stream(model="m", input="x").until_done()
            assert info.value.status_code == status

    asyncio.run(run())
    return len(server.seen)


@pytest.mark.slow
@pytest.mark.parametrize("status", RETRIED + FINAL)
def test_both_clients_retry_the_same_statuses_the_same_number_of_times(server, status):
    expected = 3 if status in RETRIED else 1
    assert sync_attempts(server, status, 2) == async_attempts(server, status, 2) == expected


def test_the_policy_honours_retry_after_but_caps_it():
    delays = retry_delays(3)
    assert next(delays) == 0.0
    assert delays.send(orj.RateLimitError("slow down", status_code=429, retry_after=2.5)) == 2.5
    capped = orj.RateLimitError("slow down", status_code=429, retry_after=3600)
    assert delays.send(capped) == MAX_RETRY_AFTER


def test_the_policy_backs_off_with_jitter_then_gives_up():
    delays = retry_delays(3)
    next(delays)
    waits = [delays.send(orj.ServerError("x", status_code=500)) for _ in range(3)]
    assert all(0.5 * 0.5 * 2**n <= wait <= 0.5 * 2**n for n, wait in enumerate(waits))
    assert delays.send(orj.ServerError("x", status_code=500)) is None


def test_the_policy_never_retries_a_final_error_or_beyond_max_retries():
    delays = retry_delays(5)
    next(delays)
    assert delays.send(orj.BadRequestError("no", status_code=400)) is None
    none = retry_delays(0)
    next(none)
    assert none.send(orj.APIConnectionError("down")) is None
    connection = retry_delays(1)
    next(connection)
    assert connection.send(orj.APIConnectionError("down")) is not None
