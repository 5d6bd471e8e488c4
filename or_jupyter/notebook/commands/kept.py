"""`%responses cache …`, `record …` and `replay …`: the response cache and cassettes in a notebook.

`cache on [PATH]` answers identical requests of the magics from a SQLite file (default
`.or_jupyter_cache.sqlite` in the notebook's folder), `cache off|clear|stats` manage it,
and `--no-cache` skips it for one cell. `record FILE` copies every exchange of this kernel
into a cassette until `record off`; `replay FILE [--fast]` answers every request of this
kernel from one until `replay off`. Mistakes are one-line `UsageError`s.
"""

from __future__ import annotations

from IPython.core.error import UsageError

from ...kept import cassette
from ...kept.cache import DEFAULT_CACHE_FILE, Cache, CacheError
from ..session import Session
from ..tables import show_table

__all__ = ["CACHE_USAGE", "RECORD_USAGE", "REPLAY_USAGE", "cache", "record", "replay"]

CACHE_USAGE = "usage: %responses cache on [PATH] | off | clear | stats"
RECORD_USAGE = "usage: %responses record FILE | off"
REPLAY_USAGE = "usage: %responses replay FILE [--fast] | off"


def cache(session: Session, rest: str) -> None:
    """`%responses cache on [PATH] | off | clear | stats`."""
    words = rest.split()
    action = words.pop(0) if words else ""
    if action not in ("on", "off", "clear", "stats") or len(words) > (action == "on"):
        raise UsageError(CACHE_USAGE)
    current: Cache | None = session.response_cache
    if action == "on":
        path = words[0] if words else DEFAULT_CACHE_FILE
        try:
            opened = Cache(path)
        except CacheError as exc:  # it names the file and what is wrong with it
            raise UsageError(str(exc)) from None
        _switch(session, opened)
        print(f"response cache on: {path} (identical requests are answered from it)")
        return
    if action == "off":
        _switch(session, None)
        print("response cache off: every request goes to the server")
        return
    if current is None:
        raise UsageError(f"cache {action}: the response cache is off; %responses cache on [PATH]")
    if action == "clear":
        print(f"response cache cleared: {current.clear()} entries removed from {current.path}")
        return
    figures = current.stats()
    show_table(
        ["response cache", str(current.path)],
        [
            ["entries", f"{figures['entries']:,}"],
            ["hits", f"{figures['hits']:,}"],
            ["size", f"{figures['bytes'] / 1024:,.1f} KiB"],
            ["saved cost", f"${figures['saved_cost']:.6f}"],
        ],
    )


def _switch(session: Session, new: Cache | None) -> None:
    old = session.response_cache
    session.response_cache = new
    session.set_client(None)  # the next cell's client uses the new cache
    if old is not None and old is not new:
        old.close()


def record(session: Session, rest: str) -> None:
    """`%responses record FILE | off`."""
    if not rest or len(rest.split()) != 1:
        raise UsageError(RECORD_USAGE)
    if rest == "off":
        recorder = cassette.stop_recording()
        if recorder is None:
            raise UsageError("record off: nothing is being recorded")
        print(f"recording stopped: {_exchanges(recorder.count)} in {recorder.path}")
        return
    try:
        cassette.record(rest)
    except OSError as exc:
        raise UsageError(f"record {rest}: cannot write it ({exc.strerror or exc})") from None
    print(f"recording every request of this kernel into {rest}, until %responses record off")


def replay(session: Session, rest: str) -> None:
    """`%responses replay FILE [--fast] | off`."""
    words = rest.split()
    fast = "--fast" in words
    words = [w for w in words if w != "--fast"]
    if len(words) != 1 or (words[0] == "off" and fast):
        raise UsageError(REPLAY_USAGE)
    if words[0] == "off":
        cassette.stop_replay()
        print("replay off: requests go to the server again")
        return
    try:
        player = cassette.replay(words[0], fast=fast)
    except cassette.CassetteError as exc:
        raise UsageError(f"replay {words[0]}: {exc}") from None
    pace = "at once" if fast else "at the recorded pace"
    print(
        f"replaying {_exchanges(len(player.exchanges))} recorded from {words[0]} {pace}; "
        "requests not in it are errors"
    )


def _exchanges(count: int) -> str:
    return f"{count} exchange" if count == 1 else f"{count} exchanges"
