"""`{name}` in a `%%responses` prompt: notebook values put into the text.

Rules: `{name}`, `{name.attr}` and `{name:fmt}` become the value (formatted with `format`);
`{{` and `}}` are literal braces; a name the notebook does not have stays as typed. Code is
never touched: inside fenced code blocks (``` or ~~~) and inline code spans (`...`)
everything stays exactly as typed, braces included, so code in a prompt is safe and
`{os.environ}` in an example cannot send the environment (the API key) to the model.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["interpolate"]

_FIELD = re.compile(r"\{\{|\}\}|\{([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?::([^{}]*))?\}")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)", re.S)


def interpolate(text: str, namespace: dict[str, Any]) -> str:
    """The prompt with notebook values filled in, code left exactly as typed."""
    out = []
    for is_code, piece in _pieces(text):
        out.append(piece if is_code else _FIELD.sub(lambda m: _value(m, namespace), piece))
    return "".join(out)


def _value(match: re.Match, namespace: dict[str, Any]) -> str:
    whole, path, spec = match.group(0), match.group(1), match.group(2)
    if whole in ("{{", "}}"):
        return whole[0]
    head, *attrs = path.split(".")
    if head not in namespace:
        return whole
    value = namespace[head]
    try:
        for attr in attrs:
            value = getattr(value, attr)
        return format(value, spec or "")
    except (AttributeError, ValueError, TypeError):
        return whole


def _pieces(text: str) -> list[tuple[bool, str]]:
    """`text` cut into (is_code, piece) runs: fenced blocks and code spans are code."""
    pieces: list[tuple[bool, str]] = []
    prose: list[str] = []
    fence: list[str] = []
    opener = ""
    for line in text.splitlines(keepends=True):
        if opener:
            fence.append(line)
            if _closes(line, opener):
                pieces.append((True, "".join(fence)))
                fence, opener = [], ""
            continue
        match = _FENCE.match(line)
        if match and not (match.group(1)[0] == "`" and "`" in line.strip()[len(match.group(1)) :]):
            pieces += _spans("".join(prose))
            prose, opener, fence = [], match.group(1), [line]
        else:
            prose.append(line)
    pieces += _spans("".join(prose))
    if fence:  # a fence never closed runs to the end, as in CommonMark
        pieces.append((True, "".join(fence)))
    return [piece for piece in pieces if piece[1]]


def _closes(line: str, opener: str) -> bool:
    """Whether `line` closes a fence opened by `opener` (same character, at least as long)."""
    match = _FENCE.match(line)
    run = match.group(1) if match else ""
    return run[:1] == opener[0] and len(run) >= len(opener) and not line.strip().strip(run[0])


def _spans(prose: str) -> list[tuple[bool, str]]:
    pieces, end = [], 0
    for match in _CODE_SPAN.finditer(prose):
        pieces += [(False, prose[end : match.start()]), (True, match.group(0))]
        end = match.end()
    return [*pieces, (False, prose[end:])]
