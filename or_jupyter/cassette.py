"""Cassettes: every HTTP exchange of a session recorded to a plain-text file, and replayed.

`record(PATH)` makes every client of this process copy each exchange it reads to the
end into the cassette; `replay(PATH, fast=False)` makes every client answer from it
instead of the network (no key needed), at the recorded pace or at once. The
environment variable `OR_JUPYTER_REPLAY=PATH` replays for a whole process (a notebook
run on Binder, the tutorial tests), and `OR_JUPYTER_RECORD=PATH` records one. A request the cassette does not hold raises
`ReplayMissError`, naming the closest recorded request and what differs.

The format (docs/cassette.md): JSON Lines, UTF-8. The first line is a header,
`{"or_jupyter_cassette": 1, "created": "...", "package": "..."}`; every other line one
exchange: `method`, `path` (after the base URL, e.g. `/responses`), `body` (the request
JSON; never the key, which travels in a header), `status`, `headers` (content-type,
retry-after, location only) and `events`, a list of `[ms, text]`: the milliseconds after
the request was sent at which each SSE event (or the whole JSON body) had arrived, and
its exact text. Bytes that are not UTF-8 are kept as `{"base64": ...}` instead of text.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import threading
import warnings
from pathlib import Path
from typing import Any

from ._version import __version__
from .exchange import KEPT_HEADERS, Exchange, stable_body
from .protocol import APIError

__all__ = [
    "FORMAT_VERSION",
    "RECORD_ENV",
    "REPLAY_ENV",
    "CassetteError",
    "Player",
    "Recorder",
    "ReplayMissError",
    "active_player",
    "active_recorder",
    "dump_exchange",
    "load",
    "record",
    "replay",
    "stop_recording",
    "stop_replay",
]

FORMAT_VERSION = 1
HEADER_KEY = "or_jupyter_cassette"
REPLAY_ENV = "OR_JUPYTER_REPLAY"
REPLAY_FAST_ENV = "OR_JUPYTER_REPLAY_FAST"
RECORD_ENV = "OR_JUPYTER_RECORD"
MAX_MS = 24 * 60 * 60 * 1000  # an event's time: no answer takes a day
MAX_PATH = 8192


class CassetteError(ValueError):
    """A cassette file that cannot be read: not one, a newer version, a broken line."""


class ReplayMissError(APIError):
    """A request the cassette does not hold. `closest` is the nearest recorded request
    (method, path, body) or None; `differences` says what differs from it."""

    HINT = "record the cassette again with this request, or change the cell back"

    def __init__(self, message: str, closest: dict[str, Any] | None, differences: list[str]):
        super().__init__(message, status_code=None, code="replay_miss")
        self.closest = closest
        self.differences = differences


# -- the file format -------------------------------------------------------------------


def header() -> dict[str, Any]:
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    return {HEADER_KEY: FORMAT_VERSION, "created": now, "package": f"or_jupyter {__version__}"}


def _text(data: bytes) -> str | dict[str, str]:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode()}


def _bytes(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, dict) and isinstance(value.get("base64"), str):
        return base64.b64decode(value["base64"])
    raise TypeError("an event is a text or {'base64': ...}")


def dump_exchange(exchange: Exchange) -> str:
    """One cassette line (without the newline)."""
    line = {
        "method": exchange.method,
        "path": exchange.path,
        "body": exchange.body,
        "status": exchange.status,
        "headers": exchange.headers,
        "events": [[ms, _text(data)] for ms, data in exchange.events],
    }
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


def load(path: str | os.PathLike[str]) -> list[Exchange]:
    """The exchanges of a cassette file, in recorded order; `CassetteError` if it is not one."""
    path = Path(path)
    if path.exists() and not path.is_file():  # a folder, a FIFO, /dev/zero: never read
        raise CassetteError(f"cannot read cassette {str(path)!r}: not a regular file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CassetteError(f"cannot read cassette {str(path)!r}: {exc}") from None
    if not lines or not _is_header(lines[0]):
        raise CassetteError(
            f"{str(path)!r} is not an or_jupyter cassette: its first line must be "
            f'{{"{HEADER_KEY}": {FORMAT_VERSION}, ...}}'
        )
    version = json.loads(lines[0])[HEADER_KEY]
    if version != FORMAT_VERSION:
        raise CassetteError(
            f"{str(path)!r} is cassette format {version}; this or_jupyter reads {FORMAT_VERSION}"
        )
    exchanges = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            exchanges.append(_exchange(json.loads(line)))
        except (ValueError, TypeError, RecursionError) as exc:
            raise CassetteError(f"{str(path)!r} line {number} is not an exchange: {exc}") from None
    return exchanges


def _exchange(data: Any) -> Exchange:
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
    return Exchange(method.upper(), path, data.get("body"), status, kept, [*map(_event, events)])


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


# -- recording -------------------------------------------------------------------------


class Recorder:
    """Appends each exchange handed to `add` to a new cassette file, a line at a time."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.count = 0
        self._lock = threading.Lock()
        self.path.write_text(json.dumps(header()) + "\n", encoding="utf-8")

    def add(self, exchange: Exchange) -> None:
        """Append one exchange; a file that cannot be written warns (the answer goes on)."""
        line = dump_exchange(exchange) + "\n"
        try:
            with self._lock, open(self.path, "a", encoding="utf-8") as file:
                file.write(line)
                self.count += 1
        except OSError as exc:
            warnings.warn(
                f"the cassette {str(self.path)!r} could not record this exchange: {exc}",
                RuntimeWarning,
                stacklevel=2,
            )


# -- replaying -------------------------------------------------------------------------


class Player:
    """Answers requests from recorded exchanges.

    An identical request (method, path, body with input ids aside) gets the first
    recorded answer not yet used, so a retried request gets the answers in their
    recorded order; once all are used, the last one again (a cell run twice).
    """

    def __init__(self, exchanges: list[Exchange], fast: bool = False, source: str = "") -> None:
        self.exchanges = exchanges
        self.fast = fast
        self.source = source
        self._used: set[int] = set()
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: str | os.PathLike[str], fast: bool = False) -> Player:
        return cls(load(path), fast=fast, source=str(path))

    def answer(self, method: str, path: str, body: Any) -> Exchange:
        """The recorded exchange for this request; `ReplayMissError` if there is none."""
        wanted = stable_body(body)
        with self._lock:
            matches = [
                i
                for i, ex in enumerate(self.exchanges)
                if ex.method == method and ex.path == path and stable_body(ex.body) == wanted
            ]
            if matches:
                index = next((i for i in matches if i not in self._used), matches[-1])
                self._used.add(index)
                return self.exchanges[index]
        raise self.miss(method, path, body)

    def miss(self, method: str, path: str, body: Any) -> ReplayMissError:
        where = f" {self.source!r}" if self.source else ""
        asked = f"{method} {path}"
        if not self.exchanges:
            return ReplayMissError(f"{asked} is not in the cassette{where}: it is empty", None, [])
        closest = min(
            self.exchanges,
            key=lambda ex: (
                ex.method != method or ex.path != path,
                len(differences(ex, method, path, body)),
            ),
        )
        found = differences(closest, method, path, body)
        said = _input_text(closest.body)
        text = (
            f"{asked} is not in the cassette{where}. The closest recorded request is "
            f"{closest.method} {closest.path}"
            + (f" with input {said if len(said) <= 80 else said[:79] + '…'!r}" if said else "")
            + "; it differs in: "
            + "; ".join(found)
        )
        closest_request = {"method": closest.method, "path": closest.path, "body": closest.body}
        return ReplayMissError(text, closest_request, found)


def differences(recorded: Exchange, method: str, path: str, body: Any) -> list[str]:
    """What differs between a recorded request and this one: method, path, top-level keys."""
    found = []
    if recorded.method != method:
        found.append(f"method: recorded {recorded.method}, asked {method}")
    if recorded.path != path:
        found.append(f"path: recorded {recorded.path}, asked {path}")
    old, new = stable_body(recorded.body), stable_body(body)
    if not (isinstance(old, dict) and isinstance(new, dict)):
        if old != new:
            found.append(f"body: recorded {_short(old)}, asked {_short(new)}")
        return found
    for key in sorted({*old, *new}):
        if key not in new:
            found.append(f"{key}: recorded {_short(old[key])}, not in this request")
        elif key not in old:
            found.append(f"{key}: not recorded, asked {_short(new[key])}")
        elif old[key] != new[key]:
            if key == "input":
                found.append(
                    f"input: recorded {_short(_input_text(old) or old[key])}, "
                    f"asked {_short(_input_text(new) or new[key])}"
                )
            else:
                found.append(f"{key}: recorded {_short(old[key])}, asked {_short(new[key])}")
    return found


def _input_text(body: Any) -> str:
    """The text a request asks: its input string, or the text of its last user message."""
    if not isinstance(body, dict):
        return ""
    value = body.get("input")
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        for item in reversed(value):
            if isinstance(item, dict) and item.get("role") == "user":
                content = item.get("content")
                if isinstance(content, str):
                    return content
                if isinstance(content, list):
                    return " ".join(
                        part.get("text", "") for part in content if isinstance(part, dict)
                    )
    return ""


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- the process's recorder and player -------------------------------------------------

_UNSET: Any = object()
_state: dict[str, Any] = {"player": _UNSET, "recorder": _UNSET}
_state_lock = threading.Lock()


def record(path: str | os.PathLike[str]) -> Recorder:
    """Record every exchange of this process into a new cassette at `path` (overwritten)."""
    recorder = Recorder(path)
    _state["recorder"] = recorder
    return recorder


def stop_recording() -> Recorder | None:
    """Stop recording (also a recording the environment asked for); return the recorder
    that was active (its `count`, `path`)."""
    recorder, _state["recorder"] = active_recorder(), None
    return recorder


def replay(path: str | os.PathLike[str], fast: bool = False) -> Player:
    """Answer every request of this process from the cassette at `path`."""
    player = Player.open(path, fast=fast)
    _state["player"] = player
    return player


def stop_replay() -> None:
    """Stop replaying (also a replay the environment asked for): requests go out again."""
    _state["player"] = None


def active_recorder() -> Recorder | None:
    """The recorder: `record()`'s, else `$OR_JUPYTER_RECORD`'s (read once, on first use)."""
    if _state["recorder"] is _UNSET:
        with _state_lock:
            if _state["recorder"] is _UNSET:
                path = os.environ.get(RECORD_ENV)
                _state["recorder"] = Recorder(path) if path else None
    return _state["recorder"]


def active_player() -> Player | None:
    """The player answering requests: `replay()`'s, else `$OR_JUPYTER_REPLAY`'s (read once)."""
    if _state["player"] is _UNSET:
        with _state_lock:
            if _state["player"] is _UNSET:
                path = os.environ.get(REPLAY_ENV)
                fast = os.environ.get(REPLAY_FAST_ENV, "") not in ("", "0")
                _state["player"] = Player.open(path, fast=fast) if path else None
    return _state["player"]
