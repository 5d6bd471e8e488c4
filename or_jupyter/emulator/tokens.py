"""Token-sized pieces of text, the unit the emulator streams and bills.

Not a real tokenizer: a word with its leading whitespace, up to three digits,
or one other character. That is close enough to real deltas (`" straightforward"`,
`"2"`, `"?\\""`) for clients to meet realistic chunking, and joining the pieces
always gives back the exact text.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\s*[A-Za-z]{1,10}|\s*\d{1,3}|\s*[^\sA-Za-z\d]|\s+")


def split(text: str) -> list[str]:
    """The text cut into token-sized pieces; ``"".join(split(t)) == t``."""
    return _TOKEN.findall(text)


def count(text: str) -> int:
    """How many token-sized pieces ``split`` cuts the text into."""
    return sum(1 for _ in _TOKEN.finditer(text))


def truncate(text: str, limit: int) -> str:
    """The first ``limit`` tokens of the text."""
    return "".join(split(text)[: max(limit, 0)])
