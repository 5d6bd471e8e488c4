"""Incremental Server-Sent Events decoder.

Bytes arrive in arbitrary network chunks; `SSEDecoder.feed` returns the
messages completed so far. It works on bytes so that a UTF-8 character split
across chunks is never decoded half-way, and it hands `data` to the caller as
bytes because `json.loads` reads bytes directly.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SSEDecoder", "SSEMessage"]


@dataclass(slots=True)
class SSEMessage:
    """One dispatched event: the `event:` name (or "message") and its joined `data:` lines."""

    event: str
    data: bytes


class SSEDecoder:
    """Turns a byte stream into `SSEMessage`s, per the WHATWG event-stream rules.

    Handles LF, CRLF and lone CR line ends, `:` comments (OpenRouter's keep-alives),
    multi-line `data:` fields and a missing final blank line at end of stream.
    """

    __slots__ = ("_buffer", "_data", "_event", "_has_data")

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[bytes] = []
        self._event = b""
        self._has_data = False

    def feed(self, chunk: bytes) -> list[SSEMessage]:
        """Consume a chunk and return every message it completes."""
        buffer = self._buffer + chunk if self._buffer else chunk
        if b"\r" in buffer:
            if buffer.endswith(b"\r"):
                # A CR at the end may be the first half of a CRLF: wait for the next byte.
                self._buffer = b"\r"
                buffer = buffer[:-1]
            else:
                self._buffer = b""
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            end = buffer.rfind(b"\n")
            if end < 0:
                self._buffer = buffer + self._buffer
                return []
            self._buffer = buffer[end + 1 :] + self._buffer
        else:
            end = buffer.rfind(b"\n")
            if end < 0:
                self._buffer = buffer
                return []
            self._buffer = buffer[end + 1 :]
        return self._lines(buffer[:end].split(b"\n"))

    def close(self) -> list[SSEMessage]:
        """Flush what is left at end of stream (a last event without its blank line)."""
        rest, self._buffer = self._buffer, b""
        lines = rest.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n") if rest else []
        messages = self._lines([line for line in lines if line])
        if self._has_data:
            messages.append(self._dispatch())
        return messages

    def _lines(self, lines: list[bytes]) -> list[SSEMessage]:
        messages = []
        for line in lines:
            if not line:
                if self._has_data:
                    messages.append(self._dispatch())
                else:
                    self._event = b""
            elif line.startswith(b"data:"):
                value = line[6:] if line.startswith(b"data: ") else line[5:]
                self._data.append(value)
                self._has_data = True
            elif line[0] == 58:  # b":" — a comment / keep-alive
                continue
            else:
                self._field(line)
        return messages

    def _field(self, line: bytes) -> None:
        name, _, value = line.partition(b":")
        if value.startswith(b" "):
            value = value[1:]
        if name == b"event":
            self._event = value
        # `id` and `retry` are not used by the Responses API; other fields are ignored per spec.

    def _dispatch(self) -> SSEMessage:
        data = self._data[0] if len(self._data) == 1 else b"\n".join(self._data)
        message = SSEMessage(self._event.decode("utf-8", "replace") or "message", data)
        self._data = []
        self._event = b""
        self._has_data = False
        return message
