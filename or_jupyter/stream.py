"""Reading one streamed response: events out, a `Response` accumulated, failures typed.

`ResponseStream` and `AsyncResponseStream` differ only in how they read bytes;
`EventReader` does the rest for both.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx

from .protocol import (
    DONE,
    Accumulator,
    Event,
    ProtocolError,
    Response,
    ResponseFailedError,
    SSEDecoder,
    StreamError,
    StreamTimeoutError,
    parse_message,
)

__all__ = ["AsyncResponseStream", "EventReader", "ResponseStream"]


class EventReader:
    """Bytes in, `Event`s out; keeps the `Accumulator` and raises `StreamError` on failure."""

    __slots__ = ("accumulator", "count", "_decoder", "done")

    def __init__(self) -> None:
        self._decoder = SSEDecoder()
        self.accumulator = Accumulator()
        self.count = 0
        self.done = False

    def feed(self, chunk: bytes) -> Iterator[Event]:
        """Yield the events completed by `chunk`; raise `StreamError` after an error event."""
        add = self.accumulator.add
        for message in self._decoder.feed(chunk):
            if message.data == DONE:
                self.done = True
                continue
            self.count += 1
            try:
                event = parse_message(message, self.count)
            except ProtocolError as exc:
                raise self.failure(exc.message) from None
            add(event)
            yield event
            if event.type == "error" or event.type == "response.failed":
                error = self.accumulator.error or {}
                raise self.failure(
                    error.get("message") or "the response failed",
                    ResponseFailedError,
                    code=error.get("code"),
                    metadata=error.get("metadata"),
                )

    def end(self) -> Iterator[Event]:
        """Flush at end of bytes. A stream cut inside an event raises `StreamError`."""
        try:
            for message in self._decoder.close():
                if message.data != DONE:
                    self.count += 1
                    event = parse_message(message, self.count)
                    self.accumulator.add(event)
                    yield event
        except ProtocolError:
            raise self.failure("the stream ended in the middle of an event") from None
        finally:
            self.accumulator.finish()

    def failure(
        self, message: str, cls: type[StreamError] = StreamError, **kwargs: Any
    ) -> StreamError:
        """A `StreamError` carrying everything received so far."""
        self.accumulator.finish()
        return cls(message, status_code=None, response=self.accumulator.response(), **kwargs)

    def broken(self, exc: Exception) -> StreamError:
        """The `StreamError` for a transport failure in the middle of the stream."""
        if isinstance(exc, httpx.TimeoutException):
            return self.failure("the server stopped sending (read timeout)", StreamTimeoutError)
        return self.failure(f"the connection broke mid-stream ({type(exc).__name__}: {exc})")


class _StreamBase:
    """What both stream kinds share: the reader, `response`, cancellation state."""

    def __init__(self) -> None:
        self._reader = EventReader()
        self._http_response: httpx.Response | None = None
        self._cancelled = threading.Event()
        self._closed = False

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

    def _finish_cancelled(self) -> None:
        self._reader.accumulator.cancel()


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
        response = self._ensure_open()
        reader = self._reader
        try:
            for chunk in response.iter_bytes():
                if self._cancelled.is_set():
                    break
                yield from reader.feed(chunk)
            else:
                yield from reader.end()
        except httpx.HTTPError as exc:
            if not self._cancelled.is_set():
                raise reader.broken(exc) from exc
        finally:
            if self._cancelled.is_set():
                self._finish_cancelled()
            response.close()

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
        response = await self._ensure_open()
        reader = self._reader
        try:
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
                raise reader.broken(exc) from exc
        finally:
            if self._cancelled.is_set():
                self._finish_cancelled()
            await response.aclose()

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
