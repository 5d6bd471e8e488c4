"""`{name}` in a `%%responses` prompt: notebook values put into the text.

Rules: `{name}`, `{name.attr}` and `{name:fmt}` become the value (formatted with `format`);
`{{` and `}}` are literal braces; a name the notebook does not have stays as typed. Code is
never touched: inside fenced code blocks (``` or ~~~) and inline code spans (`...`)
everything stays exactly as typed, braces included, so code in a prompt is safe and
`{os.environ}` in an example cannot send the environment (the API key) to the model.

Rich values (without a `:fmt`): a pandas DataFrame or Series becomes a Markdown table; a
matplotlib Figure, a PIL Image, a `pathlib.Path` named like an image or PDF (`.png`,
`.pdf`, ...) and bytes that are an image or PDF become an image or file part of the
message at that place (`interpolate_parts`). Other paths and bytes are text as before.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..inputs.datatable import is_table, markdown_table

if TYPE_CHECKING:  # `import or_jupyter.notebook` binds `interpolate`, so it stays light
    from ..inputs.attachments import Attachment

__all__ = ["interpolate", "interpolate_parts"]

_FIELD = re.compile(r"\{\{|\}\}|\{([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?::([^{}]*))?\}")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)", re.S)


def interpolate(text: str, namespace: dict[str, Any]) -> str:
    """The prompt with notebook values filled in, code left exactly as typed (text only:
    an image or file is named, as `[image: figure.png]`)."""
    return "".join(
        p if isinstance(p, str) else f"[{'image' if p.is_image else 'file'}: {p.name}]"
        for p in interpolate_parts(text, namespace)
    )


def interpolate_parts(text: str, namespace: dict[str, Any]) -> list[str | Attachment]:
    """The prompt as text runs and attachments, in order: `{fig}` is an `Attachment` there.

    Raises `AttachmentError` (one line) for an image or file that cannot be sent."""
    out: list[str | Attachment] = []
    for is_code, piece in _pieces(text):
        if is_code:
            out.append(piece)
            continue
        end = 0
        for match in _FIELD.finditer(piece):
            out += [piece[end : match.start()], _value(match, namespace)]
            end = match.end()
        out.append(piece[end:])
    return [p for p in out if not isinstance(p, str) or p]


def _value(match: re.Match, namespace: dict[str, Any]) -> str | Attachment:
    from ..inputs.attachments import attachment, wants_attaching

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
    except AttributeError:
        return whole
    if spec is None and is_table(value):
        return markdown_table(value)
    if spec is None and wants_attaching(value):
        return attachment(value)
    try:
        return format(value, spec or "")
    except (ValueError, TypeError):
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
