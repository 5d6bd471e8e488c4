"""The notebook as context: the last failing cell for `%responses fix|explain`, and
`--context N`, the last cells executed, for a prompt.

What goes to the model is cell sources, tracebacks and short outputs as plain text:
terminal colours stripped (`render/ansi.py`), every secret from the environment replaced
by `[redacted NAME]` (a variable whose name says KEY, TOKEN, SECRET or PASSWORD and
whose value has 8 characters or more), and the OpenRouter key always. Sources and
tracebacks travel in fenced blocks, which the prompt's `{name}` interpolation leaves alone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..render.ansi import strip_controls
from .failures import Failure, FailureLog
from .options import context_count

__all__ = [
    "CONTEXT_LIMIT",
    "Failure",
    "FailureLog",
    "cells_context",
    "context_count",
    "help_prompt",
    "last_python_block",
    "redact",
]

SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD", re.IGNORECASE)
SECRET_MIN = 8  # shorter values (flags, "1", "true") would redact ordinary words
CONTEXT_LIMIT = 20_000  # characters of notebook context added to one prompt
OUTPUT_LIMIT = 500  # characters of one cell's output shown in the context
TRACEBACK_LIMIT = 12_000
FIX = (
    "This notebook cell failed. Explain briefly what went wrong and why, then give the "
    "whole corrected cell in one ```python fenced block."
)
EXPLAIN = (
    "This notebook cell failed. Explain what went wrong and why, and what to look at to "
    "resolve it. Do not rewrite the cell."
)
_PYTHON_BLOCK = re.compile(
    r"^ {0,3}(`{3,}|~{3,})[ \t]*(?:python|py|ipython)?[ \t]*\n(.*?)^ {0,3}\1", re.S | re.M
)


def redact(
    text: str,
    environ: Mapping[str, str] | None = None,
    keys: Iterable[str] = (),
    *,
    named: bool = True,
) -> str:
    """`text` with secret environment values (and `keys`) replaced by `[redacted NAME]`
    (by `[redacted]` when not `named`)."""
    environ = os.environ if environ is None else environ
    secrets = [
        (value, name)
        for name, value in environ.items()
        if SECRET_NAME.search(name) and len(value) >= SECRET_MIN
    ]
    secrets += [(key, "OpenRouter API key") for key in keys if key]
    for value, name in sorted(secrets, key=lambda pair: -len(pair[0])):
        text = text.replace(value, f"[redacted {name}]" if named else "[redacted]")
    return text


def help_prompt(failure: Failure, *, fix: bool, keys: Iterable[str] = ()) -> str:
    """The prompt of `%responses fix` (or `explain`): instruction, source and traceback."""
    label = f"In [{failure.count}]" if failure.count is not None else "The cell"
    trace = failure.traceback
    if len(trace) > TRACEBACK_LIMIT:
        trace = f"[… {len(trace) - TRACEBACK_LIMIT:,} characters cut]\n" + trace[-TRACEBACK_LIMIT:]
    text = (
        f"{FIX if fix else EXPLAIN}\n\n{label}:\n{_fenced(failure.source.rstrip(), 'python')}\n\n"
        f"Traceback:\n{_fenced(trace, 'text')}\n"
    )
    return redact(text, keys=keys)


def last_python_block(text: str) -> str | None:
    """The code of the answer's last fenced Python block (or untagged block), if any."""
    blocks = [match.group(2) for match in _PYTHON_BLOCK.finditer(text)]
    return blocks[-1].rstrip("\n") + "\n" if blocks else None


def cells_context(shell: Any, count: int, *, keys: Iterable[str] = ()) -> str:
    """The last `count` cells executed before this one (source and short output), as a
    block marked as notebook context, at most `CONTEXT_LIMIT` characters."""
    inputs = list(shell.history_manager.input_hist_raw)
    outputs = shell.user_ns.get("Out") or {}
    current = len(inputs) - 1  # the last input stored is this cell, the magic itself
    numbers = list(range(max(1, current - count), current))
    blocks = []
    for number in numbers:
        source = inputs[number].rstrip()
        if len(source) > CONTEXT_LIMIT:
            source = (
                f"{source[:CONTEXT_LIMIT]}\n# [… {len(source) - CONTEXT_LIMIT:,} characters cut]"
            )
        block = f"In [{number}]:\n{_fenced(source, 'python')}"
        if number in outputs:
            block += f"\nOut[{number}]:\n{_fenced(_short(repr(outputs[number])), 'text')}"
        blocks.append(block)
    left_out = 0
    while len(blocks) > 1 and sum(len(block) + 2 for block in blocks) > CONTEXT_LIMIT:
        blocks.pop(0)  # the oldest go first
        left_out += 1
    if not blocks:
        return ""
    body = "\n\n".join(blocks)
    if left_out:
        body = (
            f"[{left_out} older cells left out: the context is limited to "
            f"{CONTEXT_LIMIT:,} characters]\n\n{body}"
        )
    head = f"Notebook context: the last {len(blocks)} cells executed before this prompt."
    return redact(f"{head}\n\n{body}\n\nEnd of notebook context.", keys=keys)


def _short(text: str) -> str:
    text = strip_controls(text)
    return text if len(text) <= OUTPUT_LIMIT else f"{text[:OUTPUT_LIMIT]}… [output cut]"


def _fenced(text: str, info: str) -> str:
    """`text` in a fence longer than any backtick run inside it (so it cannot break out)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"
