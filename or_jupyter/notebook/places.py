"""A cell's display outputs in a fixed order, each displayed only once it shows something.

Why: an output displayed empty to keep its place (the Stop button above the answer, the
answer's canvas) is a message each, more than a short answer's own HTML. A `Places`
displays nothing until one of its places is first drawn; then the places before it that
are still wanted are displayed first (empty), so that the order holds, and the drawn one
with its content. A place dropped before it was drawn (the Stop button of a quick
answer) is never displayed.
"""

from __future__ import annotations

import threading
from typing import Any

from IPython.display import display

__all__ = ["Place", "Places"]

_EMPTY = {"text/html": "", "text/plain": ""}


class Places:
    """`count` places for outputs, in order; `place(i)` is the i-th, an `Output`."""

    def __init__(self, count: int) -> None:
        self._handles: list[Any] = [None] * count
        self._dropped = [False] * count
        self._lock = threading.RLock()

    def place(self, index: int) -> Place:
        return Place(self, index)

    def update(self, index: int, obj: Any, raw: bool, metadata: Any, last: bool = False) -> None:
        """Draw `obj` in place `index`; `last`: nothing will update it again, so a place
        displayed only now needs no display id."""
        with self._lock:
            handle = self._handles[index]
            if handle is not None:
                handle.update(obj, raw=raw, metadata=metadata or {})
                return
            for before in range(index):
                if self._handles[before] is None and not self._dropped[before]:
                    self._handles[before] = display(_EMPTY, raw=True, display_id=True)
            self._dropped[index] = False
            self._handles[index] = (
                display(obj, raw=raw, metadata=metadata or {}, display_id=not last) or _Gone()
            )

    def drop(self, index: int) -> None:
        """The place is not wanted: emptied if it was displayed, else never displayed."""
        with self._lock:
            if self._handles[index] is None:
                self._dropped[index] = True
            else:
                self._handles[index].update(_EMPTY, raw=True)


class Place:
    """One place of a `Places`, updated like an IPython `DisplayHandle`."""

    def __init__(self, places: Places, index: int) -> None:
        self._places, self._index = places, index

    def update(self, obj: Any, *, raw: bool = False, metadata: Any = None) -> None:
        self._places.update(self._index, obj, raw, metadata)

    def seal(self, obj: Any, *, raw: bool = False, metadata: Any = None) -> None:
        """The last drawing of this place (no update follows)."""
        self._places.update(self._index, obj, raw, metadata, last=True)

    def drop(self) -> None:
        self._places.drop(self._index)


class _Gone:
    """A place displayed for the last time (without a display id): updates go nowhere."""

    def update(self, *args: Any, **kwargs: Any) -> None:
        pass
