"""Answering requests from a cassette's exchanges: `Player`, and `ReplayMissError` naming the
closest recorded request and what differs. No process state: `cassette.py` decides which
player (if any) answers a process's requests; the emulator serves one on its own.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from typing import Any

from ..protocol import APIError
from .cassette_format import load
from .exchange import Exchange, stable_body

__all__ = ["Player", "ReplayMissError", "differences", "request_digest"]


class ReplayMissError(APIError):
    """A request the cassette does not hold. `closest` is the nearest recorded request
    (method, path, body) or None; `differences` says what differs from it."""

    HINT = "record the cassette again with this request, or change the cell back"

    def __init__(self, message: str, closest: dict[str, Any] | None, differences: list[str]):
        super().__init__(message, status_code=None, code="replay_miss")
        self.closest = closest
        self.differences = differences


class Player:
    """Answers requests from recorded exchanges.

    An identical request (method, path, body with input ids aside) gets the first
    recorded answer not yet used, so a retried request gets the answers in their
    recorded order; once all are used, the last one again (a cell run twice). Requests
    are looked up by a digest (`request_digest`), so answering takes the time of the
    request, not of the whole cassette.
    """

    def __init__(self, exchanges: list[Exchange], fast: bool = False, source: str = "") -> None:
        self.exchanges = exchanges
        self.fast = fast
        self.source = source
        self._used: set[int] = set()
        self._lock = threading.Lock()
        self._index: dict[tuple[str, str, str], list[int]] = {}
        seen: dict[int, bytes] = {}  # item digests by id(): loaded prefixes share their items
        for index, ex in enumerate(exchanges):
            key = (ex.method, ex.path, request_digest(ex.body, seen))
            self._index.setdefault(key, []).append(index)

    @classmethod
    def open(cls, path: str | os.PathLike[str], fast: bool = False) -> Player:
        return cls(load(path), fast=fast, source=str(path))

    def answer(self, method: str, path: str, body: Any) -> Exchange:
        """The recorded exchange for this request; `ReplayMissError` if there is none."""
        matches = self._index.get((method, path, request_digest(body)))
        if matches:
            with self._lock:
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
                -_items_in_common(ex.body, body),
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


def _items_in_common(recorded: Any, body: Any) -> int:
    """How many input items two bodies share from the start (ids aside), less the difference
    in their lengths: of a conversation's turns, the one a changed prompt replaces scores most."""
    old, new = stable_body(recorded), stable_body(body)
    if not isinstance(old, dict) or not isinstance(new, dict):
        return 0
    old_items, new_items = old.get("input"), new.get("input")
    if not isinstance(old_items, list) or not isinstance(new_items, list):
        return 0
    count = 0
    for a, b in zip(old_items, new_items, strict=False):
        if a != b:
            break
        count += 1
    return count - abs(len(old_items) - len(new_items))


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


def request_digest(body: Any, seen: dict[int, bytes] | None = None) -> str:
    """A digest of the body as it identifies a request (`stable_body`: input ids aside).

    `seen` keeps item digests by `id()` while the items stay alive (a `Player` indexing
    exchanges whose input lists share their items), so each item is hashed once.
    """
    digest = hashlib.sha256()
    items = body.get("input") if isinstance(body, dict) else None
    if not isinstance(items, list):
        digest.update(_canonical(body))
        return digest.hexdigest()
    digest.update(_canonical({k: v for k, v in body.items() if k != "input"}))
    for item in items:
        found = seen.get(id(item)) if seen is not None else None
        if found is None:
            stable = (
                {k: v for k, v in item.items() if k != "id"} if isinstance(item, dict) else item
            )
            found = hashlib.sha256(_canonical(stable)).digest()
            if seen is not None:
                seen[id(item)] = found
        digest.update(found)
    return digest.hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()
