"""Bytes on the wire: SSE framing, HTTP/1.1 chunked bodies and token pacing."""

from __future__ import annotations

import json
import threading
import time
from typing import Any, BinaryIO

KEEPALIVE = b": OPENROUTER PROCESSING\n\n"
DONE = b"data: [DONE]\n\n"
FLUSH_AT = 16 * 1024


def sse(event: dict[str, Any]) -> bytes:
    """One ``data:``-only SSE event, compact JSON in UTF-8 as OpenRouter sends it.

    Text with lone surrogates (possible in JSON input) cannot be UTF-8: such an
    event is sent with ``\\u`` escapes instead, which decodes to the same string.
    """
    try:
        text = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
    except UnicodeEncodeError:
        text = json.dumps(event, separators=(",", ":")).encode()
    return b"data: " + text + b"\n\n"


class ChunkedWriter:
    """Writes a chunked HTTP body, gathering small writes into chunks of up to ~16 KB."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._buffer = bytearray()

    def write(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) >= FLUSH_AT:
            self.flush()

    def flush(self) -> None:
        """Send what is gathered as one chunk."""
        if self._buffer:
            self._stream.write(b"%X\r\n%s\r\n" % (len(self._buffer), bytes(self._buffer)))
            self._buffer.clear()
        self._stream.flush()

    def end(self) -> None:
        """Send the rest and the last (empty) chunk."""
        self.flush()
        self._stream.write(b"0\r\n\r\n")
        self._stream.flush()


class Pacer:
    """Spaces token deltas ``1/tps`` seconds apart (no waiting when ``tps`` is 0), the
    first one ``first`` seconds after the pacer is made (the time to first token)."""

    def __init__(self, tps: float, stopping: threading.Event, first: float = 0.0):
        self.interval = 1.0 / tps if tps > 0 else 0.0
        self._stopping = stopping
        self._next: float | None = time.monotonic() + first - self.interval if first else None

    @property
    def active(self) -> bool:
        return self.interval > 0 or self._next is not None

    def wait(self) -> bool:
        """Sleep until the next token is due; False if the server is stopping meanwhile."""
        now = time.monotonic()
        self._next = max(self._next or now, now - 1.0) + self.interval
        delay = self._next - now
        if delay > 0:
            return not self._stopping.wait(delay)
        return not self._stopping.is_set()
