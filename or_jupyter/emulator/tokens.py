"""Token-sized pieces of text, the unit the emulator streams and bills.

Not a real tokenizer: a word with its leading whitespace, up to three digits,
or one other character. That is close enough to real deltas (`" straightforward"`,
`"2"`, `"?\\""`) for clients to meet realistic chunking, and joining the pieces
always gives back the exact text.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from typing import Any

_TOKEN = re.compile(r"\s*[A-Za-z]{1,10}|\s*\d{1,3}|\s*[^\sA-Za-z\d]|\s+")
MAX_COUNTED_ITEMS = 100_000  # input items whose count is kept (by digest), then forgotten
_counted: dict[bytes, int] = {}
_counted_lock = threading.Lock()


def split(text: str) -> list[str]:
    """The text cut into token-sized pieces; ``"".join(split(t)) == t``."""
    return _TOKEN.findall(text)


def count(text: str) -> int:
    """How many token-sized pieces ``split`` cuts the text into."""
    return len(_TOKEN.findall(text))


def input_count(body: dict[str, Any], item_tokens: int | None = None) -> int:
    """The tokens a request is billed for: ``count`` of its input, instructions and tools
    written as one JSON list, each input item counted on its own (`item_tokens` of its
    items, unless the caller already knows their sum).

    A conversation sends its whole history again with every turn: counting it afresh
    made each turn slower than the last. No token spans a ``", "`` between items (an item's
    JSON never starts with a space, nor ends inside a word or number running into the
    comma), so the count of the whole is the sum of its pieces'.
    """
    items = body.get("input")
    extra = [body.get("instructions"), body.get("tools")]
    if not isinstance(items, list):
        return count(json.dumps([items, *extra]))
    tail = json.dumps([[], *extra])[2:]  # "], instructions, tools]" after the items
    counted = item_tokens_of(items) if item_tokens is None else item_tokens
    return 2 + counted + max(len(items) - 1, 0) + count(tail)  # "[[", items, ", " between


def item_tokens_of(items: list[Any]) -> int:
    """The token counts of input items' JSON, each counted once per process and summed."""
    return sum(_item_count(json.dumps(item)) for item in items)


def _item_count(text: str) -> int:
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    found = _counted.get(digest)
    if found is None:
        found = count(text)
        with _counted_lock:
            if len(_counted) >= MAX_COUNTED_ITEMS:
                _counted.clear()
            _counted[digest] = found
    return found


def truncate(text: str, limit: int) -> str:
    """The first ``limit`` tokens of the text."""
    return "".join(split(text)[: max(limit, 0)])
