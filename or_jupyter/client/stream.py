"""Reading one streamed response: events out, a `Response` accumulated, failures typed.

`ResponseStream` and `AsyncResponseStream` differ only in how they read bytes;
`EventReader` does the rest for both. Every read is bounded: one SSE event, a
JSON body and an error body each have a size past which reading stops.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx

from ..protocol import (
    DONE,
    Accumulator,
    Event,
    EventTooLargeError,
    ProtocolError,
    Response,
    ResponseFailedError,
    ResponseTooLargeError,
    SSEDecoder,
    StreamError,
    StreamTimeoutError,
    UnexpectedContentError,
    parse_message,
    printable,
    snippet,
)
from ..protocol.media import is_json, media_type

__all__ = [
    "AsyncResponseStream",
    "EventReader",
    "MAX_BODY_BYTES",
    "MAX_ERROR_BODY_BYTES",
    "MAX_EVENT_BYTES",
    "ResponseStream",
    "aread_body",
    "json_body",
    "response_media_type",
    "read_body",
]

MAX_EVENT_BYTES = 64 * 2**20  # one SSE event
MAX_BODY_BYTES = 64 * 2**20  # a JSON body (non-streamed response, catalogue)
MAX_ERROR_BODY_BYTES = 2**20  # an error body: only its start is read beyond this
FAILING = frozenset({"error", "response.failed"})
TERMINAL_BY_STATUS = {
    "completed": "response.completed",
    "incomplete": "response.incomplete",
    "failed": "response.failed",
}


def response_media_type(response: httpx.Response) -> str:
    """The media type a response declares ("" when none)."""
    return media_type(response.headers.get("content-type", ""))


def read_body(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """Read at most `limit` decoded bytes; True with them when the body held more."""
    parts, size = [], 0
    for chunk in response.iter_bytes():
        if size + len(chunk) > limit:
            parts.append(chunk[: limit - size])
            return b"".join(parts), True
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts), False


async def aread_body(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """The async `read_body`."""
    parts, size = [], 0
    async for chunk in response.aiter_bytes():
        if size + len(chunk) > limit:
            parts.append(chunk[: limit - size])
            return b"".join(parts), True
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts), False


def json_body(
    response: httpx.Response, body: bytes, truncated: bool, noun: str, streaming: bool = False
) -> Any:
    """The parsed JSON of a successful answer, or the typed error for a body that is not it.

    `noun` names what was asked for ("response", "model catalogue") in the messages.
    """
    status, media = response.status_code, response_media_type(response)
    if truncated:
        raise ResponseTooLargeError(
            f"the {noun} is larger than {MAX_BODY_BYTES:,} bytes; it was not read",
            status_code=status,
            limit=MAX_BODY_BYTES,
        )
    if not is_json(media):
        wanted = "an event stream or JSON" if streaming else "JSON"
        raise UnexpectedContentError(
            f"the {noun} is {media or 'untyped'}, not {wanted}: {snippet(body)}",
            status_code=status,
            content_type=media or None,
        )
    try:
        return json.loads(body)
    except ValueError as exc:
        raise UnexpectedContentError(
            f"the {noun} is not valid JSON ({getattr(exc, 'msg', exc)}): {snippet(body)}",
            status_code=status,
            content_type=media,
        ) from None


class EventReader:
    """Bytes in, `Event`s out; keeps the `Accumulator` and raises `StreamError` on failure."""

    __slots__ = ("accumulator", "count", "_decoder", "_pending")

    def __init__(self) -> None:
        self._decoder = SSEDecoder()
        self.accumulator = Accumulator()
        self.count = 0
        self._pending = 0  # bytes fed since the last completed SSE message

    def feed(self, chunk: bytes) -> Iterator[Event]:
        """Yield the events completed by `chunk`; raise `StreamError` after an error event."""
        pending = self._pending + len(chunk)
        if pending > MAX_EVENT_BYTES and b"\n" not in chunk and b"\r" not in chunk:
            raise self._too_large()  # before the decoder buffers yet more of it
        messages = self._decoder.feed(chunk)
        self._pending = 0 if messages else pending
        if self._pending > MAX_EVENT_BYTES:
            raise self._too_large()
        accumulator = self.accumulator
        add = accumulator.add
        for message in messages:
            if message.data == DONE:
                continue
            self.count += 1
            try:
                event = parse_message(message, self.count)
            except ProtocolError as exc:
                error = self.failure(exc.message)
            else:
                add(event)
                yield event
                if event.type in FAILING or accumulator.status == "failed":
                    raise self._failed()
                continue
            raise error

    def end(self) -> Iterator[Event]:
        """Flush at end of bytes. A stream cut inside an event raises `StreamError`."""
        try:
            for message in self._decoder.close():
                if message.data == DONE:
                    continue
                self.count += 1
                try:
                    event = parse_message(message, self.count)
                except ProtocolError:
                    error = self.failure("the stream ended in the middle of an event")
                else:
                    yield from self._deliver(event)
                    continue
                raise error
        finally:
            self.accumulator.finish()

    def whole(self, response: httpx.Response, body: bytes, truncated: bool) -> Iterator[Event]:
        """A streaming request answered with one body instead of events.

        JSON holding a response becomes its terminal event, JSON holding an error
        an `error` event (which raises); anything but JSON raises its typed error.
        """
        data = json_body(response, body, truncated, "response", streaming=True)
        if isinstance(data, dict) and "output" in data:
            kind = TERMINAL_BY_STATUS.get(data.get("status"), "response.completed")
            event = Event(kind, {"type": kind, "response": data})
        elif isinstance(data, dict) and data.get("error"):
            event = Event("error", data)
        else:
            raise UnexpectedContentError(
                f"expected a response, got JSON of another shape: {snippet(body)}",
                status_code=response.status_code,
                content_type=response_media_type(response),
            )
        self.count += 1
        yield from self._deliver(event)

    def failure(
        self,
        message: str,
        cls: type[StreamError] = StreamError,
        status_code: int | None = None,
        **kwargs: Any,
    ) -> StreamError:
        """A `StreamError` carrying everything received so far (no HTTP status: in-stream)."""
        self.accumulator.finish()
        return cls(message, status_code=status_code, response=self.accumulator.response(), **kwargs)

    def broken(self, exc: Exception) -> StreamError:
        """The `StreamError` for a transport failure in the middle of the stream.

        It copies the failure's type and message; the httpx exception itself (which
        holds the request and its Authorization header) is not attached.
        """
        if isinstance(exc, httpx.TimeoutException):
            return self.failure("the server stopped sending (read timeout)", StreamTimeoutError)
        return self.failure(f"the connection broke mid-stream ({type(exc).__name__}: {exc})")

    def _too_large(self) -> StreamError:
        return self.failure(
            f"an event grew past {MAX_EVENT_BYTES:,} bytes without ending; the stream was stopped",
            EventTooLargeError,
        )

    def _deliver(self, event: Event) -> Iterator[Event]:
        """Account for `event` and yield it; after an error or failure, raise."""
        self.accumulator.add(event)
        yield event
        if event.type in FAILING or self.accumulator.status == "failed":
            raise self._failed()

    def _failed(self) -> StreamError:
        error = self.accumulator.error or {}
        metadata = error.get("metadata")
        return self.failure(
            printable(str(error.get("message") or "the response failed")),
            ResponseFailedError,
            code=error.get("code"),
            metadata=metadata if isinstance(metadata, dict) else None,
        )


class _StreamBase:
    """What both stream kinds share: the reader, `response`, cancellation state."""

    def __init__(self) -> None:
        self._reader = EventReader()
        self._http_response: httpx.Response | None = None
        self._cancelled = threading.Event()
        self._closed = False
        self._started = False  # iteration began: the body can be read only once

    @property
    def response(self) -> Response:
        """The `Response` accumulated so far; final once the stream has ended."""
        return self._reader.accumulator.response()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        """Stop the stream from any thread: reading ends at once, what arrived is kept.

        The socket is shut down so a read blocked on a silent server wakes up.
        """
        self._cancelled.set()
        self._reader.accumulator.cancel()
        _shutdown(self._http_response)

    def __repr__(self) -> str:
        reader = self._reader
        return f"<{type(self).__name__} {reader.accumulator.status}, {reader.count} events>"

    def _finish_cancelled(self) -> None:
        self._reader.accumulator.cancel()

    def _start(self) -> None:
        if self._started:
            raise RuntimeError("this stream has been read already; `.response` holds its result")
        self._started = True


class ResponseStream(_StreamBase):
    """A streamed response. Use as a context manager and iterate for `Event`s.

    Closing it early (leaving the `with` block, `close()` or `cancel()`) stops
    reading, releases the connection and marks the response `cancelled`.
    """

    def __init__(self, open_response: Callable[[], httpx.Response]) -> None:
        super().__init__()
        self._open = open_response

    def __enter__(self) -> ResponseStream:
        self._ensure_open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[Event]:
        self._start()
        response = self._ensure_open()
        reader = self._reader
        error = None
        try:
            if response_media_type(response) not in ("text/event-stream", ""):
                body, truncated = read_body(response, MAX_BODY_BYTES)
                yield from reader.whole(response, body, truncated)
                return
            for chunk in response.iter_bytes():
                if self._cancelled.is_set():
                    break
                yield from reader.feed(chunk)
            else:
                yield from reader.end()
        except httpx.HTTPError as exc:
            if not self._cancelled.is_set():
                error = reader.broken(exc)
        finally:
            if self._cancelled.is_set():
                self._finish_cancelled()
            response.close()
        if error is not None:
            raise error  # outside `except`: the httpx error, with the key, is not its context

    def until_done(self) -> Response:
        """Read to the end and return the final `Response`."""
        for _ in self:
            pass
        return self.response

    def close(self) -> None:
        """Stop reading and release the connection; an unfinished response becomes `cancelled`."""
        if self._http_response is not None:
            self._http_response.close()
        self._reader.accumulator.cancel()
        self._closed = True

    def _ensure_open(self) -> httpx.Response:
        if self._http_response is None:
            if self._closed:
                raise RuntimeError("this stream is closed")
            self._http_response = self._open()
        return self._http_response


class AsyncResponseStream(_StreamBase):
    """The async twin of `ResponseStream`: `async with` and `async for`."""

    def __init__(self, open_response: Callable[[], Any]) -> None:
        super().__init__()
        self._open = open_response

    async def __aenter__(self) -> AsyncResponseStream:
        await self._ensure_open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def __aiter__(self) -> AsyncIterator[Event]:
        self._start()
        response = await self._ensure_open()
        reader = self._reader
        error = None
        try:
            if response_media_type(response) not in ("text/event-stream", ""):
                body, truncated = await aread_body(response, MAX_BODY_BYTES)
                for event in reader.whole(response, body, truncated):
                    yield event
                return
            async for chunk in response.aiter_bytes():
                if self._cancelled.is_set():
                    break
                for event in reader.feed(chunk):
                    yield event
            else:
                for event in reader.end():
                    yield event
        except httpx.HTTPError as exc:
            if not self._cancelled.is_set():
                error = reader.broken(exc)
        finally:
            if self._cancelled.is_set():
                self._finish_cancelled()
            await response.aclose()
        if error is not None:
            raise error  # outside `except`: the httpx error, with the key, is not its context

    async def until_done(self) -> Response:
        """Read to the end and return the final `Response`."""
        async for _ in self:
            pass
        return self.response

    async def aclose(self) -> None:
        """Stop reading and release the connection; an unfinished response becomes `cancelled`."""
        if self._http_response is not None:
            await self._http_response.aclose()
        self._reader.accumulator.cancel()
        self._closed = True

    async def _ensure_open(self) -> httpx.Response:
        if self._http_response is None:
            if self._closed:
                raise RuntimeError("this stream is closed")
            self._http_response = await self._open()
        return self._http_response


def _shutdown(response: httpx.Response | None) -> None:
    """Shut the response's socket down (wakes a blocked reader); best effort."""
    if response is None:
        return
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
