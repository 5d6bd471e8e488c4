"""Cassettes: every HTTP exchange of a session recorded to a plain-text file, and replayed.

`record(PATH)` makes every client of this process copy each exchange it reads to the
end into the cassette; `replay(PATH, fast=False)` makes every client answer from it
instead of the network (no key needed), at the recorded pace or at once. The
environment variable `OR_JUPYTER_REPLAY=PATH` replays for a whole process (a notebook
run on Binder, the tutorial tests), and `OR_JUPYTER_RECORD=PATH` records one. A request the cassette does not hold raises
`ReplayMissError`, naming the closest recorded request and what differs.

The format (docs/cassette.md, `cassette_format.py`): JSON Lines, UTF-8. The first line is
a header, `{"or_jupyter_cassette": 2, "created": "...", "package": "..."}`; every other
line one exchange: `method`, `path` (after the base URL, e.g. `/responses`), `body` (the
request JSON; never the key, which travels in a header), `status`, `headers`
(content-type, retry-after, location only) and `events`, a list of `[ms, text]`: the
milliseconds after the request was sent at which each SSE event (or the whole JSON body)
had arrived, and its exact text. A request whose input begins with an earlier one's says
so (`extends`) and holds only its new input items, so a long conversation's cassette
grows linearly. Version 1 files are still read.
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from pathlib import Path
from typing import Any

from .cassette_format import (
    FORMAT_VERSION,
    CassetteError,
    Writer,
    dump_exchange,
    header,
    is_cassette,
    load,
)
from .exchange import Exchange
from .replay import Player, ReplayMissError

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
    "is_cassette",
    "load",
    "record",
    "replay",
    "stop_recording",
    "stop_replay",
]

REPLAY_ENV = "OR_JUPYTER_REPLAY"
REPLAY_FAST_ENV = "OR_JUPYTER_REPLAY_FAST"
RECORD_ENV = "OR_JUPYTER_RECORD"


# -- recording -------------------------------------------------------------------------


class Recorder:
    """Appends each exchange handed to `add` to a new cassette file, a line at a time."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.count = 0
        self._lock = threading.Lock()
        self._writer = Writer()
        self.path.write_text(json.dumps(header()) + "\n", encoding="utf-8")

    def add(self, exchange: Exchange) -> None:
        """Append one exchange; a file that cannot be written warns (the answer goes on)."""
        with self._lock:
            line, digests = self._writer.line(exchange)
            try:
                with open(self.path, "a", encoding="utf-8") as file:
                    file.write(line + "\n")
            except OSError as exc:
                warnings.warn(
                    f"the cassette {str(self.path)!r} could not record this exchange: {exc}",
                    RuntimeWarning,
                    stacklevel=2,
                )
                return
            self._writer.keep(digests)
            self.count += 1


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
