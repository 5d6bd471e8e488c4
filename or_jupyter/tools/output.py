"""What a tool call gives the model: a return value as text, capped, and errors as one line."""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import json
import os
import sys
import threading
import traceback as tb
from typing import Any

import pydantic_core

__all__ = ["MAX_OUTPUT_CHARS", "RichOutput", "format_output"]

MAX_OUTPUT_CHARS = 20_000
"""Default limit on the length of a tool's output; longer outputs are truncated with a note."""


@dataclasses.dataclass
class RichOutput:
    """A tool's result given whole: text and images (data URLs) for the model, its status
    (``error`` says why when it is not done), and ``html``, the card's body, already safe."""

    text: str
    images: list[str] = dataclasses.field(default_factory=list)
    status: str = "done"
    error: str | None = None
    html: str | None = None


_TABLE_ROWS = 200  # pandas objects longer than this show their head and tail


def format_output(value: Any, limit: int | None = None) -> str:
    """The text sent to the model for a return value, truncated to ``limit`` characters
    (default ``MAX_OUTPUT_CHARS``).

    str as is; pandas objects as a plain-text table; JSON-able values (including dataclasses and
    pydantic models) as compact JSON; anything else as its repr.
    """
    return _truncate(_to_text(value), limit or MAX_OUTPUT_CHARS)


def _to_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if _is_pandas(value):
        return value.to_string(max_rows=_TABLE_ROWS)
    try:
        jsonable = pydantic_core.to_jsonable_python(value)
        return json.dumps(jsonable, ensure_ascii=False, separators=(",", ":"))
    except (pydantic_core.PydanticSerializationError, TypeError, ValueError):
        return repr(value)


def _is_pandas(value: Any) -> bool:
    pandas = sys.modules.get("pandas")  # never import pandas: a DataFrame means it is loaded
    return pandas is not None and isinstance(value, (pandas.DataFrame, pandas.Series))


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    more = len(text) - limit
    return f"{text[:limit]}\n… [truncated {more:,} more character{'s' if more != 1 else ''}]"


def _exception_line(e: BaseException) -> str:
    message = str(e)
    return f"{type(e).__name__}: {message}" if message else type(e).__name__


_PLUMBING = (  # frames of this package and of the machinery that ran the call
    os.path.dirname(__file__),
    os.path.dirname(asyncio.__file__),
    os.path.dirname(concurrent.futures.__file__),
    threading.__file__,
)


def _user_traceback(e: BaseException) -> str:
    """The traceback from the first frame of the user's code (not this module's plumbing)."""
    frames = e.__traceback__
    while frames is not None and frames.tb_frame.f_code.co_filename.startswith(_PLUMBING):
        frames = frames.tb_next
    return "".join(tb.format_exception(type(e), e, frames or e.__traceback__))
