"""The cost of a batch before it starts: requests priced from the `/models` catalogue.

The estimate is deliberately rough and on the high side: input tokens from the
request's length (about 4 characters a token), output tokens from
`max_output_tokens` (or `DEFAULT_OUTPUT_TOKENS` when it is not set).
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["BudgetError", "DEFAULT_OUTPUT_TOKENS", "estimate_cost", "price_of"]

DEFAULT_OUTPUT_TOKENS = 500
CHARS_PER_TOKEN = 4


class BudgetError(RuntimeError):
    """The estimated cost of a batch exceeds `max_cost` (or cannot be estimated)."""


def price_of(models: list[dict[str, Any]], model: str) -> tuple[float, float] | None:
    """Dollars per (input, output) token of `model` in a `/models` list, or None if absent."""
    for entry in models:
        if isinstance(entry, dict) and entry.get("id") == model:
            pricing = entry.get("pricing") or {}
            try:
                return float(pricing.get("prompt", 0)), float(pricing.get("completion", 0))
            except (TypeError, ValueError):
                return None
    return None


def estimate_cost(bodies: list[dict[str, Any]], price: tuple[float, float]) -> float:
    """The estimated dollars for sending every body once."""
    per_input, per_output = price
    total = 0.0
    for body in bodies:
        sent = {k: body.get(k) for k in ("input", "instructions", "tools", "text")}
        input_tokens = len(json.dumps(sent, ensure_ascii=False)) / CHARS_PER_TOKEN
        output_tokens = body.get("max_output_tokens") or DEFAULT_OUTPUT_TOKENS
        total += input_tokens * per_input + output_tokens * per_output
    return total
