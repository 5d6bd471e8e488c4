"""What the emulator learned about the input of requests it answered, so that a
conversation's history is examined once.

A conversation sends its whole history with every request. Examining all of it each
time (measuring each item's depth, validating it, counting its tokens, hashing it into
the answer's seed) made every turn slower than the last: per item, Python-level work
of a millisecond or so. So for each request answered, the emulator keeps a `Seen`: what
those checks found for its input items, under the length and digest of their JSON. A
later request whose input starts with those items (the next turn of the conversation)
is examined only past them. Finding the prefix costs encoding the input once
(`json.dumps`, in C, item by item to know where each ends) and hashing a prefix of that
text: a cost in proportion to the body's bytes, as reading the body is, and a few times
smaller.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Any

__all__ = ["Encoded", "Seen", "depth", "encoded", "find", "remember"]

MAX_KEPT = 256  # prefixes remembered (a few hundred bytes each), the least recent forgotten
MAX_TRIES = 4  # item ends tried per request (each a remembered length), longest first
_lock = threading.Lock()
_compact = json.JSONEncoder(separators=(",", ":")).encode  # one encoder for all items
_kept: OrderedDict[tuple[int, bytes], Seen] = OrderedDict()  # by (length, digest) of JSON
_lengths: Counter[int] = Counter()  # how many kept prefixes have each length


@dataclass(frozen=True)
class Seen:
    """The checks' findings for the first `count` input items of a request that passed.

    `tokens`: the items' token counts summed (`tokens.input_count`); `depth`: the deepest
    item's nesting; `seed`: the hash of the seed text (`request.seed_text`) through the
    last item, valid after the text `head` (the seeded fields before `input`).
    """

    count: int
    tokens: int
    depth: int
    head: str
    seed: Any  # a hashlib sha256 object; copied before it is continued


def depth(value: Any) -> int:
    """How deeply a parsed JSON value nests (a scalar is 0, ``[]`` is 1), without recursing.

    Deeper bodies are refused up front: parsing, validating and echoing them recurse.
    """
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, level)
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, level + 1) for child in children)
    return deepest


@dataclass(frozen=True)
class Encoded:
    """A request's input as compact JSON (`text`) and where each item ends in it (`ends`:
    the offset of the comma or closing bracket after the item)."""

    text: bytes
    ends: tuple[int, ...]


def encoded(items: Any) -> Encoded | None:
    """A request's input encoded for `find` and `remember` (None unless it is a non-empty
    list of items)."""
    if not isinstance(items, list) or not items:
        return None
    parts = [_compact(item).encode() for item in items]
    ends, end = [], 0
    for part in parts:
        end += 1 + len(part)  # the opening bracket or a comma, then the item
        ends.append(end)
    return Encoded(b"[" + b",".join(parts) + b"]", tuple(ends))


def find(data: Encoded | None) -> Seen | None:
    """The findings for the longest remembered prefix of an input, if any.

    A prefix is the text of a remembered input less its closing bracket; only lengths
    where an item of `data` ends are tried, so the prefixes of other conversations (which
    seldom end exactly there) do not crowd out this one's."""
    if data is None:
        return None
    with _lock:
        tried = [end for end in reversed(data.ends) if end in _lengths][:MAX_TRIES]
    view = memoryview(data.text)
    for length in tried:
        key = (length, hashlib.sha256(view[:length]).digest())
        with _lock:
            seen = _kept.get(key)
            if seen is not None:
                _kept.move_to_end(key)
                return seen
    return None


def remember(data: Encoded, seen: Seen) -> None:
    """Keep `seen`, the findings for all the items of an input, for the requests that
    continue it."""
    length = data.ends[-1]  # less the closing bracket
    key = (length, hashlib.sha256(memoryview(data.text)[:length]).digest())
    with _lock:
        if key not in _kept:
            _lengths[length] += 1
        _kept[key] = seen
        _kept.move_to_end(key)
        while len(_kept) > MAX_KEPT:
            (forgotten, _), _ = _kept.popitem(last=False)
            _lengths[forgotten] -= 1
            if not _lengths[forgotten]:
                del _lengths[forgotten]
