"""The response cache: identical requests answered from a SQLite file, spending nothing.

`Client(cache=PATH)` (and `AsyncClient`) look each `POST /responses` up here first; a
hit replays the kept SSE events (or JSON body) through the same parser and live view as
a live answer, unpaced, and its `Response.cached` is True. A miss is sent, its bytes
copied as they stream, and kept only when read to the end with a `completed` response:
failed, stopped, cut, incomplete and error answers are never kept.

The key (`request_key`) is a SHA-256 of the base URL, the path and the request body as
JSON with sorted keys, input items without their `id` (ids the client makes up afresh
each run). `stream` is part of the body, so a streamed and a non-streamed request are
different entries. The API key travels in a header, never in the body, so it is neither
in the key nor in the file.

SQLite in WAL mode, one transaction per entry and a busy timeout: several kernels and
batch runs can share one file (as `batch/store.py` does for batch rows).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
import warnings
import zlib
from pathlib import Path
from typing import Any

from .exchange import Exchange, outcome, stable_body

__all__ = ["DEFAULT_CACHE_FILE", "Cache", "CacheError", "open_cache", "request_key"]

DEFAULT_CACHE_FILE = ".or_jupyter_cache.sqlite"
BUSY_TIMEOUT_MS = 10_000
_SCHEMA = """CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY, model TEXT, cost REAL, status INTEGER, headers TEXT,
    events BLOB, saved REAL, hits INTEGER NOT NULL DEFAULT 0)"""
_COLUMNS = "SELECT key, model, cost, status, headers, events, saved, hits FROM responses LIMIT 0"


class CacheError(ValueError, sqlite3.Error):
    """A file that cannot serve as the response cache: a directory, not SQLite, unwritable.

    Also a `sqlite3.Error`, as `Cache()` raised before it named the file."""


def request_key(base_url: str, path: str, body: Any) -> str:
    """The cache key of a request: what is sent and where (the API key is in neither)."""
    text = json.dumps(
        {"base_url": base_url, "path": path, "body": stable_body(body)},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


class Cache:
    """An open cache file: `get(key)`, `put(key, exchange)`, `clear()`, `stats()`, `close()`.

    One connection shared by the threads and event loops of this process, under a lock.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        if self.path.is_dir():
            raise CacheError(f"cannot use {str(self.path)!r} as the response cache: a directory")
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise CacheError(self._unusable(exc)) from None
        try:
            self._db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
            self._db.execute(_COLUMNS)  # a `responses` table of another shape fails here
        except sqlite3.Error as exc:
            self._db.close()
            raise CacheError(self._unusable(exc)) from None

    def _unusable(self, exc: sqlite3.Error) -> str:
        reason = str(exc)
        if not self.path.parent.is_dir():
            reason = f"its folder {str(self.path.parent)!r} does not exist"
        elif isinstance(exc, sqlite3.DatabaseError) and "not a database" in reason:
            reason = "not a SQLite file (give another path, or delete this one)"
        return f"cannot use {str(self.path)!r} as the response cache: {reason}"

    def _warn(self, doing: str, exc: Exception) -> None:
        warnings.warn(
            f"the response cache {str(self.path)!r} could not {doing}: {exc}",
            RuntimeWarning,
            stacklevel=3,
        )

    def __repr__(self) -> str:
        return f"<Cache {str(self.path)!r}>"

    def holds(self, key: str) -> bool:
        """Whether an answer is kept for `key` (not counted as a hit; a failing file holds none)."""
        with self._lock:
            try:
                row = self._db.execute("SELECT 1 FROM responses WHERE key = ?", (key,)).fetchone()
            except sqlite3.Error:
                return False
        return row is not None

    def get(self, key: str) -> Exchange | None:
        """The kept answer for `key` (counting the hit), or None.

        An entry that cannot be read back (damaged, written by something else) is a miss,
        and so is a file that fails (with a warning): the request is sent instead.
        """
        with self._lock:
            try:
                row = self._db.execute(
                    "SELECT status, headers, events FROM responses WHERE key = ?", (key,)
                ).fetchone()
            except sqlite3.Error as exc:
                self._warn("be read", exc)
                return None
            exchange = None if row is None else _unpacked(*row)
            if exchange is not None:
                try:
                    with self._db:
                        self._db.execute(
                            "UPDATE responses SET hits = hits + 1 WHERE key = ?", (key,)
                        )
                except sqlite3.Error:
                    pass  # another process holds the file: the hit goes uncounted, not lost
        return exchange

    def put(self, key: str, exchange: Exchange) -> bool:
        """Keep `exchange` if it is a successful, completed answer (one transaction); say so."""
        status, model, cost = outcome(exchange)
        if exchange.status != 200 or status != "completed":
            return False
        events = [(ms, data.decode("utf-8", "surrogateescape")) for ms, data in exchange.events]
        packed = zlib.compress(json.dumps(events).encode(), 6)  # SSE repeats itself: ~20x less
        row = (key, model, cost, exchange.status, json.dumps(exchange.headers), packed)
        try:
            with self._lock, self._db:
                self._db.execute(
                    "INSERT OR REPLACE INTO responses (key, model, cost, status, headers, "
                    "events, saved, hits) VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                    (*row[:6], time.time()),
                )
        except sqlite3.Error as exc:  # the answer was read in full: keep it, unkept
            self._warn("keep this answer", exc)
            return False
        return True

    def clear(self) -> int:
        """Remove every entry; return how many there were."""
        with self._lock, self._db:
            return self._db.execute("DELETE FROM responses").rowcount

    def stats(self) -> dict[str, Any]:
        """Entries, the file's size in bytes, and the cost the hits saved (USD)."""
        with self._lock:
            entries, saved = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(COALESCE(cost, 0) * hits), 0) FROM responses"
            ).fetchone()
            hits = self._db.execute("SELECT COALESCE(SUM(hits), 0) FROM responses").fetchone()[0]
        size = sum(
            p.stat().st_size
            for p in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm"))
            if p.exists()
        )
        return {"entries": entries, "hits": hits, "bytes": size, "saved_cost": float(saved)}

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _unpacked(status: Any, headers: Any, events: Any) -> Exchange | None:
    """A kept row as an `Exchange`, or None when any part of it is not what `put` wrote."""
    try:
        kept = json.loads(zlib.decompress(events))
        headers = json.loads(headers)
        pairs = [(ms, text.encode("utf-8", "surrogateescape")) for ms, text in kept]
    except (zlib.error, AttributeError, TypeError, ValueError):
        return None
    good = (
        type(status) is int
        and 100 <= status <= 599
        and isinstance(headers, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
        and all(type(ms) is int for ms, _ in pairs)
    )
    return Exchange("POST", "", None, status, headers, pairs) if good else None


def open_cache(cache: Cache | str | os.PathLike[str] | None) -> Cache | None:
    """A `Cache` from what `Client(cache=...)` was given: a path, an open cache, or None."""
    if cache is None or isinstance(cache, Cache):
        return cache
    return Cache(cache)
