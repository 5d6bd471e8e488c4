"""One HTTP exchange kept as bytes with their timing, and the httpx responses that capture
or replay it.

The response cache (`cache.py`) and cassettes (`cassette.py`) both sit at the same seam,
below the stream parser: a live response is wrapped so its decoded bytes are copied as
they are read, and a kept exchange becomes an `httpx.Response` whose body yields the same
bytes. So a hit or a replay goes through the very parser, accumulator and live view a
live answer does. The API key is never part of an exchange: only the request body (which
the client refuses to send with the key in it) and a few response headers are kept, and
should a server echo the key back (in an error message, a redirect), it is hidden in the
copy as it is in the client's errors.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..protocol import SSEDecoder
from ..protocol.media import media_type

__all__ = [
    "CACHED",
    "Exchange",
    "acapture",
    "capture",
    "outcome",
    "replayed",
    "request_json",
    "stable_body",
]

CACHED = "or_jupyter.cached"  # response extension: answered from the cache or a cassette
KEPT_HEADERS = ("content-type", "retry-after", "location")
HIDDEN = "[API key hidden]"  # what stands for the key wherever a server echoed it
MIN_SECRET_LENGTH = 12  # a shorter "key" (tests use "k") is no real key and would match plain text
_BOUNDARIES = (b"\n\n", b"\r\n\r\n", b"\r\r")
_TERMINAL = {
    "response.completed": "completed",
    "response.incomplete": "incomplete",
    "response.failed": "failed",
}


@dataclass
class Exchange:
    """A request and its answer: the body as SSE events (or one JSON body) with their times.

    `events` holds `(ms, bytes)` pairs: milliseconds after the request was sent, and the
    bytes of one SSE event (its blank line included) or of a whole non-streamed body.
    """

    method: str
    path: str
    body: Any
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    events: list[tuple[int, bytes]] = field(default_factory=list)

    @property
    def content(self) -> bytes:
        return b"".join(data for _, data in self.events)

    @property
    def content_type(self) -> str:
        return media_type(self.headers.get("content-type", ""))


def request_json(content: bytes | None) -> Any:
    """The request body as JSON (None for a request without a body)."""
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", "replace")


def stable_body(body: Any) -> Any:
    """The body as it identifies a request: input items without their `id`.

    The client makes up ids for the items it adds (`fco_…` tool outputs, `msg_…`
    messages), new on every run; they carry nothing the answer depends on.
    """
    if not isinstance(body, dict) or not isinstance(body.get("input"), list):
        return body
    items = [
        {k: v for k, v in item.items() if k != "id"} if isinstance(item, dict) else item
        for item in body["input"]
    ]
    return {**body, "input": items}


def outcome(exchange: Exchange) -> tuple[str | None, str | None, float | None]:
    """The final response's status, model and cost (`usage.cost`), as far as they are known.

    A stream counts as `completed` only when its last terminal event says so and no
    `error` event came; anything else (no terminal event, an error) is not completed.
    """
    final: Any = None
    status = None
    if exchange.content_type == "text/event-stream":
        decoder = SSEDecoder()
        messages = [m for _, data in exchange.events for m in decoder.feed(data)]
        for message in [*messages, *decoder.close()]:
            try:
                data = json.loads(message.data)
            except ValueError:
                continue
            kind = data.get("type") if isinstance(data, dict) else None
            if kind == "error" or message.event == "error":
                return "failed", None, None
            if kind in _TERMINAL:
                status, final = _TERMINAL[kind], data.get("response")
    else:
        try:
            final = json.loads(exchange.content)
        except ValueError:
            return None, None, None
        status = final.get("status") if isinstance(final, dict) else None
    if not isinstance(final, dict):
        return status, None, None
    usage = final.get("usage") if isinstance(final.get("usage"), dict) else {}
    cost = usage.get("cost")
    cost = float(cost) if isinstance(cost, (int, float)) and not isinstance(cost, bool) else None
    model = final.get("model") if isinstance(final.get("model"), str) else None
    return status, model, cost


def events_of(chunks: list[tuple[int, bytes]]) -> list[tuple[int, bytes]]:
    """Regroup the chunks as read into whole SSE events, each timed when its end arrived."""
    events: list[tuple[int, bytes]] = []
    pending = b""
    for ms, chunk in chunks:
        pending += chunk
        while True:
            ends = [(pending.find(b), len(b)) for b in _BOUNDARIES if b in pending]
            if not ends:
                break
            at, size = min(ends)
            events.append((ms, pending[: at + size]))
            pending = pending[at + size :]
    if pending:
        events.append((chunks[-1][0], pending))
    return events


class _Copy:
    """The bytes of a live body as they are read; hands the exchange on once read to the end."""

    def __init__(
        self,
        exchange: Exchange,
        started: float,
        keep: Callable[[Exchange], None],
        secret: str | None = None,
    ):
        self.exchange = exchange
        self.started = started
        self.keep = keep
        self.secret = secret
        self.chunks: list[tuple[int, bytes]] = []

    def add(self, chunk: bytes) -> None:
        self.chunks.append((round((time.monotonic() - self.started) * 1000), chunk))

    def done(self) -> None:
        """The body was read to its end: keep the exchange (never a body cut short)."""
        whole = self.exchange.content_type == "text/event-stream"
        events = events_of(self.chunks) if whole else self._one()
        if self.secret:
            secret, hidden = self.secret.encode(), HIDDEN.encode()
            events = [(ms, data.replace(secret, hidden)) for ms, data in events]
            headers = self.exchange.headers
            self.exchange.headers = {k: v.replace(self.secret, HIDDEN) for k, v in headers.items()}
        self.exchange.events = events
        self.keep(self.exchange)

    def _one(self) -> list[tuple[int, bytes]]:
        if not self.chunks:
            return []
        return [(self.chunks[-1][0], b"".join(c for _, c in self.chunks))]


class _CopyingStream(httpx.SyncByteStream):
    def __init__(self, response: httpx.Response, copy: _Copy) -> None:
        self._response, self._copy = response, copy

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._response.iter_bytes():
            self._copy.add(chunk)
            yield chunk
        self._copy.done()

    def close(self) -> None:
        self._response.close()


class _AsyncCopyingStream(httpx.AsyncByteStream):
    def __init__(self, response: httpx.Response, copy: _Copy) -> None:
        self._response, self._copy = response, copy

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._response.aiter_bytes():
            self._copy.add(chunk)
            yield chunk
        self._copy.done()

    async def aclose(self) -> None:
        await self._response.aclose()


def _copied(
    response: httpx.Response, method: str, path: str, body: Any, started: float, keep: Any, stream
) -> httpx.Response:
    headers = {k: v for k in KEPT_HEADERS if (v := response.headers.get(k)) is not None}
    exchange = Exchange(method, path, body, response.status_code, headers)
    copy = _Copy(exchange, started, keep, _secret(response.request))
    return httpx.Response(
        response.status_code,
        headers=headers,
        stream=stream(response, copy),
        request=response.request,
        extensions=response.extensions,  # the network stream: cancel() can still shut it
    )


def _secret(request: httpx.Request) -> str | None:
    """The key a request authenticates with (`Authorization: Bearer KEY`), if any."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    key = key.strip()
    return key if scheme.lower() == "bearer" and len(key) >= MIN_SECRET_LENGTH else None


def capture(
    response: httpx.Response,
    method: str,
    path: str,
    body: Any,
    started: float,
    keep: Callable[[Exchange], None],
) -> httpx.Response:
    """`response` with its body copied as read; `keep(exchange)` once read to the end."""
    return _copied(response, method, path, body, started, keep, _CopyingStream)


def acapture(
    response: httpx.Response,
    method: str,
    path: str,
    body: Any,
    started: float,
    keep: Callable[[Exchange], None],
) -> httpx.Response:
    """The async `capture`."""
    return _copied(response, method, path, body, started, keep, _AsyncCopyingStream)


class _Replay(httpx.SyncByteStream):
    def __init__(self, events: list[tuple[int, bytes]], paced: bool) -> None:
        self._events, self._paced = events, paced

    def __iter__(self) -> Iterator[bytes]:
        started = time.monotonic()
        for ms, data in self._events:
            if self._paced:
                wait = started + ms / 1000 - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            yield data


class _AsyncReplay(httpx.AsyncByteStream):
    def __init__(self, events: list[tuple[int, bytes]], paced: bool) -> None:
        self._events, self._paced = events, paced

    async def __aiter__(self) -> AsyncIterator[bytes]:
        started = time.monotonic()
        for ms, data in self._events:
            if self._paced:
                wait = started + ms / 1000 - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            yield data


def replayed(
    exchange: Exchange, request: httpx.Request, *, paced: bool, aio: bool
) -> httpx.Response:
    """An `httpx.Response` answering `request` with the kept bytes (at their pace if `paced`)."""
    stream = (_AsyncReplay if aio else _Replay)(exchange.events, paced)
    return httpx.Response(
        exchange.status,
        headers=exchange.headers,
        stream=stream,
        request=request,
        extensions={CACHED: True},
    )
