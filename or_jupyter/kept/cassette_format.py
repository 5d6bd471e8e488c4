"""The cassette file (docs/cassette.md): a header, then one exchange a line, each request
written relative to the earlier one it extends.

Why relative: every turn of a conversation sends the whole history again, so a cassette
that kept each body whole grew with the square of the session (300 cells: 40 MB). From
version 2 a request whose `input` list begins with an input already in the file is
written as `extends` (the digest of that earlier input) and only its new items; its
size is linear in the session, and so is the memory a reader needs, since the items of
a shared prefix are one set of objects. Version 1 files (every body whole) are still
read, their prefixes shared the same way.

A digest is a hash chain over the input items (`chain`), so the digest of an input
follows from its prefix's in the time of its new items: writing and reading are linear.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from .._version import __version__
from .exchange import KEPT_HEADERS, Exchange

__all__ = [
    "FORMAT_VERSION",
    "READABLE_VERSIONS",
    "CassetteError",
    "Writer",
    "chain",
    "dump_exchange",
    "header",
    "is_cassette",
    "load",
]

FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
HEADER_KEY = "or_jupyter_cassette"
MAX_MS = 24 * 60 * 60 * 1000  # an event's time: no answer takes a day
MAX_PATH = 8192
DIGEST_CHARS = 32  # hex digits of a digest: 128 bits
_DIGEST = re.compile(f"[0-9a-f]{{{DIGEST_CHARS}}}")


class CassetteError(ValueError):
    """A cassette file that cannot be read: not one, a newer version, a broken line."""


def header() -> dict[str, Any]:
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    return {HEADER_KEY: FORMAT_VERSION, "created": now, "package": f"or_jupyter {__version__}"}


def chain(digest: str, item: Any) -> str:
    """The digest of an input list one item longer than the list whose digest is `digest`
    (the empty list's is "")."""
    text = json.dumps(item, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{digest}\n{text}".encode()).hexdigest()[:DIGEST_CHARS]


def _digests(items: list[Any], start: str = "") -> list[str]:
    """The digest of each prefix of `items` (one item, two, ...), chained on from `start`."""
    found, digest = [], start
    for item in items:
        digest = chain(digest, item)
        found.append(digest)
    return found


# -- writing ---------------------------------------------------------------------------


def _text(data: bytes) -> str | dict[str, str]:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode()}


def _line(exchange: Exchange, body: Any, extends: str | None) -> str:
    line: dict[str, Any] = {"method": exchange.method, "path": exchange.path}
    if extends is not None:
        line["extends"] = extends
    line |= {
        "body": body,
        "status": exchange.status,
        "headers": exchange.headers,
        "events": [[ms, _text(data)] for ms, data in exchange.events],
    }
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


def dump_exchange(exchange: Exchange) -> str:
    """One cassette line (without the newline) holding the whole request body."""
    return _line(exchange, exchange.body, None)


class Writer:
    """Makes the lines of one cassette, each request relative to the longest input of an
    earlier line that its own input begins with.

    `line` does not change the writer: `keep` the digests it returned once the line is
    in the file, so that no later line extends one that was never written.
    """

    def __init__(self) -> None:
        self._known: set[str] = set()  # the digest of every prefix of every input written
        # the last input kept, as compact JSON less its closing bracket, and its digests:
        # the next input of a conversation starts with it, and only its new items are hashed
        self._last: tuple[bytes, list[str]] = (b"", [])
        self._pending: tuple[bytes, list[str]] = (b"", [])

    def line(self, exchange: Exchange) -> tuple[str, list[str]]:
        """The line for `exchange` (without the newline), and the digests to `keep`."""
        body = exchange.body
        if not isinstance(body, dict) or not isinstance(body.get("input"), list):
            return _line(exchange, body, None), []
        items = body["input"]
        digests = self._digests(items)
        shared = next((n for n in range(len(items), 0, -1) if digests[n - 1] in self._known), 0)
        if not shared:
            return _line(exchange, body, None), digests
        rest = {**body, "input": items[shared:]}
        return _line(exchange, rest, digests[shared - 1]), digests

    def keep(self, digests: list[str]) -> None:
        self._known.update(digests)
        if self._pending[1] is digests:
            self._last = self._pending

    def _digests(self, items: list[Any]) -> list[str]:
        """`_digests(items)`, the items of the last input kept not hashed again."""
        data = json.dumps(items, separators=(",", ":"), default=str).encode()
        text, known = self._last
        ends = data[len(text) : len(text) + 1] in (b",", b"]")
        if known and len(known) <= len(items) and ends and data.startswith(text):
            digests = known + _digests(items[len(known) :], known[-1])
        else:
            digests = _digests(items)
        self._pending = (data[:-1], digests)
        return digests


# -- reading ---------------------------------------------------------------------------


def _bytes(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, dict) and isinstance(value.get("base64"), str):
        return base64.b64decode(value["base64"])
    raise TypeError("an event is a text or {'base64': ...}")


class _Reader:
    """Rebuilds whole request bodies line by line, sharing the items of common prefixes."""

    def __init__(self, version: int) -> None:
        self.version = version
        self._known: dict[str, tuple[list[Any], int]] = {}  # prefix digest: (input, length)

    def body(self, data: dict[str, Any]) -> Any:
        """The whole body of one line; `ValueError` if it extends an input not read before."""
        body, extends = data.get("body"), data.get("extends")
        if self.version < 2 or extends is None:
            return self._shared(body)
        if not isinstance(extends, str) or not _DIGEST.fullmatch(extends):
            raise ValueError(f"extends must be {DIGEST_CHARS} hex digits, not {_short(extends)}")
        if not isinstance(body, dict) or not isinstance(body.get("input"), list):
            raise ValueError("a body that extends an earlier input must hold an input list")
        if extends not in self._known:
            raise ValueError(
                f"extends {extends}, an input no earlier line holds (one edited or removed?)"
            )
        earlier, length = self._known[extends]
        items = earlier[:length] + body["input"]
        self._remember(items, length, extends)
        return {**body, "input": items}

    def _shared(self, body: Any) -> Any:
        """A whole body, its input's longest known prefix replaced by the items read before."""
        if not isinstance(body, dict) or not isinstance(body.get("input"), list):
            return body
        items = body["input"]
        digests = _digests(items)
        shared = next((n for n in range(len(items), 0, -1) if digests[n - 1] in self._known), 0)
        if shared:
            earlier, length = self._known[digests[shared - 1]]
            items = earlier[:length] + items[shared:]
        for position in range(shared, len(items)):
            self._known.setdefault(digests[position], (items, position + 1))
        return {**body, "input": items}

    def _remember(self, items: list[Any], start: int, digest: str) -> None:
        for position in range(start, len(items)):
            digest = chain(digest, items[position])
            self._known.setdefault(digest, (items, position + 1))


def load(path: str | os.PathLike[str]) -> list[Exchange]:
    """The exchanges of a cassette file, in recorded order; `CassetteError` if it is not one."""
    path = Path(path)
    if path.exists() and not path.is_file():  # a folder, a FIFO, /dev/zero: never read
        raise CassetteError(f"cannot read cassette {str(path)!r}: not a regular file")
    number = 1
    try:
        with open(path, encoding="utf-8") as file:
            reader = _Reader(_version(path, file.readline()))
            exchanges = []
            for line in file:
                number += 1
                if line.strip():
                    exchanges.append(_exchange(json.loads(line), reader))
    except (OSError, UnicodeDecodeError) as exc:
        raise CassetteError(f"cannot read cassette {str(path)!r}: {exc}") from None
    except (ValueError, TypeError, RecursionError) as exc:
        if isinstance(exc, CassetteError):
            raise
        raise CassetteError(f"{str(path)!r} line {number} is not an exchange: {exc}") from None
    return exchanges


def _version(path: Path, first: str) -> int:
    if not _is_header(first):
        raise CassetteError(
            f"{str(path)!r} is not an or_jupyter cassette: its first line must be "
            f'{{"{HEADER_KEY}": {FORMAT_VERSION}, ...}}'
        )
    version = json.loads(first)[HEADER_KEY]
    if version not in READABLE_VERSIONS or type(version) is not int:
        raise CassetteError(
            f"{str(path)!r} is cassette format {_short(version)}; this or_jupyter reads "
            + " and ".join(map(str, READABLE_VERSIONS))
        )
    return version


def _exchange(data: Any, reader: _Reader) -> Exchange:
    """One line's exchange, every field checked: `ValueError` naming the first that is wrong.

    Of the headers only those a recorder keeps are read (a `Set-Cookie` is ignored), and
    none may hold a line break.
    """
    if not isinstance(data, dict):
        raise ValueError("a line must be a JSON object")
    method, path, status = data.get("method"), data.get("path"), data.get("status")
    if not isinstance(method, str) or not method.isalpha():
        raise ValueError(f"method must be a word such as POST, not {_short(method)}")
    if not isinstance(path, str) or not path.startswith("/") or len(path) > MAX_PATH:
        raise ValueError(f"path must be text starting with /, not {_short(path)}")
    if not path.isprintable():
        raise ValueError(f"path holds control characters: {_short(path)}")
    if type(status) is not int or not 100 <= status <= 599:
        raise ValueError(f"status must be an HTTP status (100-599), not {_short(status)}")
    headers = data.get("headers") or {}
    if not isinstance(headers, dict):
        raise ValueError(f"headers must be an object, not {_short(headers)}")
    kept = {}
    for name, value in headers.items():
        if not isinstance(value, str) or not value.isprintable():
            raise ValueError(f"header {_short(name)} must be one line of text: {_short(value)}")
        if name.lower() in KEPT_HEADERS:
            kept[name.lower()] = value
    events = data.get("events")
    if not isinstance(events, list):
        raise ValueError(f"events must be a list of [ms, text], not {_short(events)}")
    checked = [*map(_event, events)]
    return Exchange(method.upper(), path, reader.body(data), status, kept, checked)


def _event(event: Any) -> tuple[int, bytes]:
    if not isinstance(event, list) or len(event) != 2:
        raise ValueError(f"an event must be [ms, text], not {_short(event)}")
    ms, value = event
    if type(ms) is not int or not 0 <= ms <= MAX_MS:
        raise ValueError(f"an event's ms must be a whole number 0-{MAX_MS}, not {_short(ms)}")
    return ms, _bytes(value)


def is_cassette(path: str | os.PathLike[str]) -> bool:
    """Whether the file starts with a cassette header (a FIFO or a device never does)."""
    try:
        if not Path(path).is_file():
            return False
        with open(path, encoding="utf-8") as file:
            return _is_header(file.readline(64 * 1024))
    except (OSError, UnicodeDecodeError):
        return False


def _is_header(line: str) -> bool:
    try:
        data = json.loads(line)
    except ValueError:
        return False
    return isinstance(data, dict) and HEADER_KEY in data


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
