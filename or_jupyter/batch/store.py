"""The SQLite store of a batch: request key -> finished result, written row by row.

It makes a run resumable (re-running skips rows already done) and is a cache
(an identical request is never paid for twice). The key is `cache.request_key`, the
response cache's: the request body (item ids aside) and the server's address, never
the API key, which is not in the body and is never written here.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

__all__ = ["Store"]

_SCHEMA = "CREATE TABLE IF NOT EXISTS results (hash TEXT PRIMARY KEY, result TEXT, saved REAL)"


class Store:
    """An open store file: `get(hash)`, `put(hash, result)` (one transaction each), `close()`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)

    def get_many(self, hashes: list[str]) -> dict[str, dict[str, Any]]:
        """The stored results among `hashes`."""
        found: dict[str, dict[str, Any]] = {}
        unique = list(dict.fromkeys(hashes))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT hash, result FROM results WHERE hash IN ({marks})"
            for digest, result in self._db.execute(query, chunk):
                found[digest] = json.loads(result)
        return found

    def put(self, digest: str, result: dict[str, Any]) -> None:
        """Save one finished row at once (its own transaction: a crash keeps it)."""
        text = json.dumps(result, ensure_ascii=False, default=str)
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?)", (digest, text, time.time())
            )

    def close(self) -> None:
        self._db.close()
