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

    __slots__ = ("_pending", "_after_cr", "_data", "_event", "_has_data")

    def __init__(self) -> None:
        # Pieces of the line not yet ended, joined once when it ends: a long line fed in
        # many chunks costs linear time, not quadratic.
        self._pending: list[bytes] = []
        self._after_cr = False  # the last chunk ended with CR: an LF next completes a CRLF
        self._data: list[bytes] = []
        self._event = b""
        self._has_data = False

    def feed(self, chunk: bytes) -> list[SSEMessage]:
        """Consume a chunk and return every message it completes."""
        if not chunk:
            return []
        if self._after_cr:
            self._after_cr = False
            if chunk[0] == 10:  # b"\n": the second half of a CRLF already counted
                chunk = chunk[1:]
        if b"\r" in chunk:
            self._after_cr = chunk.endswith(b"\r")
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = chunk.split(b"\n")
        rest = lines.pop()
        if not lines:  # no line end in this chunk
            if rest:
                self._pending.append(rest)
            return []
        if self._pending:
            self._pending.append(lines[0])
            lines[0] = b"".join(self._pending)
            self._pending = []
        if rest:
            self._pending.append(rest)
        return self._lines(lines)

    def close(self) -> list[SSEMessage]:
        """Flush what is left at end of stream (a last event without its blank line)."""
        rest = b"".join(self._pending)
        self._pending = []
        self._after_cr = False
        messages = self._lines([rest]) if rest else []
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
