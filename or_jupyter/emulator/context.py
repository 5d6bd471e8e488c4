"""A model with a small context window, and what a server does when the input exceeds it.

``emulator/small-context`` answers like the assistant, with a ``context_length`` of
``SMALL_CONTEXT`` tokens in ``/models``. A request whose input (counted as the usage
counts it: input, instructions and tools) is larger gets OpenRouter's context-length
error, a 400 with the message OpenRouter sends; with ``"truncation": "auto"`` the
oldest input items are dropped until the rest fits, as the spec describes, and the
answer's ``usage.input_tokens`` counts what was kept.
"""

from __future__ import annotations

import json
from typing import Any

from . import tokens
from .faults import HTTPError, error

SMALL_CONTEXT_MODEL = "emulator/small-context"
SMALL_CONTEXT = 4096
CONTEXT_LENGTHS = {SMALL_CONTEXT_MODEL: SMALL_CONTEXT}


def input_tokens(body: dict[str, Any]) -> int:
    """The input tokens of a request, as its usage will report them."""
    return tokens.count(
        json.dumps([body.get("input"), body.get("instructions"), body.get("tools")])
    )


def fit(body: dict[str, Any], model: str) -> tuple[dict[str, Any], HTTPError | None]:
    """The body to answer (the oldest input items dropped under ``truncation: auto``),
    or the context-length error when it does not fit the model's window."""
    window = CONTEXT_LENGTHS.get(model)
    if window is None:
        return body, None
    needed = input_tokens(body)
    items = body.get("input")
    if needed > window and body.get("truncation") == "auto" and isinstance(items, list):
        sizes = [tokens.count(json.dumps(item)) + 1 for item in items]  # + 1: the comma
        start = 0
        while start < len(items) - 1 and needed > window:
            needed -= sizes[start]
            start += 1
        body = {**body, "input": items[start:]}
        needed = input_tokens(body)
    if needed <= window:
        return body, None
    return body, error(
        400,
        f"This endpoint's maximum context length is {window} tokens. However, you requested "
        f"about {needed} tokens ({needed} of text input). Please reduce the length of either "
        'one, or use the "middle-out" transform to compress your prompt automatically.',
        {"provider_name": None},
    )
