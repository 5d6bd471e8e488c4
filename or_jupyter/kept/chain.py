"""One client's kept answers, asked in order before the network: a cassette's player, then
the response cache; a live answer read to its end is copied to the recorder and the cache.

Each client holds one `Kept`. Its player and recorder are its own when the client was
given them (`Client(replay=..., record=...)`); otherwise the process's supply the default
(`cassette.replay()` / `record()`, `OR_JUPYTER_REPLAY` / `OR_JUPYTER_RECORD`), looked up at
each request so that a replay started later still applies to clients already made.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import cassette
from .cache import Cache, request_key
from .exchange import Exchange
from .replay import Player

__all__ = ["PROCESS", "Kept", "Lookup", "player_of", "recorder_of"]

PROCESS: Any = object()  # the process's player or recorder, whichever is active at the time


@dataclass
class Lookup:
    """What the chain has for one request: a kept answer (and whether to replay it at its
    recorded pace), or else `keep`, which copies the live answer once it is read whole."""

    found: Exchange | None = None
    paced: bool = False
    keep: Callable[[Exchange], None] | None = None


@dataclass
class Kept:
    cache: Cache | None = None
    player: Player | None = PROCESS
    recorder: cassette.Recorder | None = PROCESS

    def active_player(self) -> Player | None:
        return cassette.active_player() if self.player is PROCESS else self.player

    def active_recorder(self) -> cassette.Recorder | None:
        return cassette.active_recorder() if self.recorder is PROCESS else self.recorder

    def idle(self) -> bool:
        """Whether no player, cache or recorder would see a request (then its body need not
        be read back)."""
        player, recorder = self.active_player(), self.active_recorder()
        return self.cache is None and player is None and recorder is None

    def holds(self, base_url: str, path: str, body: Any) -> bool:
        """Whether the cache keeps an answer to `POST path` with this body (then it is free)."""
        return self.cache is not None and self.cache.holds(request_key(base_url, path, body))

    def lookup(self, base_url: str, method: str, path: str, body: Any) -> Lookup:
        """The answer this chain holds for a request (a miss in a replay raises
        `ReplayMissError`: nothing goes to the network while a cassette answers)."""
        player = self.active_player()
        if player is not None:
            return Lookup(player.answer(method, path, body), paced=not player.fast)
        key = request_key(base_url, path, body) if self.cache and method == "POST" else None
        if key is not None:
            found = self.cache.get(key)
            if found is not None:
                return Lookup(found)
        recorder, cache = self.active_recorder(), self.cache
        if recorder is None and key is None:
            return Lookup()

        def keep(exchange: Exchange) -> None:
            if recorder is not None:
                recorder.add(exchange)
            if key is not None:
                cache.put(key, exchange)

        return Lookup(keep=keep)


def player_of(replay: Any) -> Player | None:
    """`Client(replay=...)`: a path to a cassette, a `Player`, or None for the process's."""
    if replay is None:
        return PROCESS
    if isinstance(replay, Player):
        return replay
    if isinstance(replay, (str, os.PathLike)):
        return Player.open(replay)
    raise TypeError(f"replay= takes a cassette path or a Player, not {type(replay).__name__}")


def recorder_of(record: Any) -> cassette.Recorder | None:
    """`Client(record=...)`: a path for a new cassette, a `Recorder`, or None for the process's."""
    if record is None:
        return PROCESS
    if isinstance(record, cassette.Recorder):
        return record
    if isinstance(record, (str, os.PathLike)):
        return cassette.Recorder(record)
    raise TypeError(f"record= takes a cassette path or a Recorder, not {type(record).__name__}")
