"""The choices the notebook surface offers, in one place, and reading `key=value` settings.

Both the `%%responses` magic and `ChatForm` take their reasoning efforts and summaries,
and build their request settings (`send_overrides`), from here, so the two cannot drift
apart. Light on purpose: `%load_ext` imports it. Every mistake is a one-line `UsageError`.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError

from ..chat.loop import DEFAULT_MODEL

__all__ = [
    "DEFAULT_MODEL",
    "EFFORTS",
    "SUMMARIES",
    "TRUNCATIONS",
    "choice",
    "context_count",
    "pairs",
    "scorer_name",
    "send_overrides",
]


EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
"""Reasoning efforts, as OpenRouter's spec lists them (`ReasoningEffort`)."""
SUMMARIES = ("auto", "concise", "detailed")
"""Reasoning summary styles."""
TRUNCATIONS = ("auto", "disabled")
"""The request's `truncation` (the spec's `Truncation`): what the server does with an input
larger than the model's context."""


def choice(name: str, allowed: tuple[str, ...]) -> Callable[[str], str]:
    """A checker for an option that takes one of `allowed` (argparse's `type=`)."""

    def check(value: str) -> str:
        if value not in allowed:
            raise UsageError(f"{name} must be one of {', '.join(allowed)} (got {value!r})")
        return value

    return check


def pairs(text: str) -> list[tuple[str, str]]:
    """`key=value` words (shell-quoted values allowed) as (key, value) pairs."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise UsageError(f"cannot read {text!r}: {exc}") from None
    for word in words:
        if "=" not in word:
            raise UsageError(f"expected key=value, got {word!r}")
    return [tuple(word.split("=", 1)) for word in words]  # type: ignore[misc]


def context_count(value: str) -> int:
    """`--context N`: a positive number of cells (argparse's `type=`)."""
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise UsageError(f"--context takes a positive number of cells (got {value!r})")
    return count


def send_overrides(
    model: str,
    *,
    effort: str | None = None,
    summary: str | None = None,
    **settings: Any,
) -> dict[str, Any]:
    """The settings of one send as `Conversation.send` overrides: `reasoning` from the
    effort and summary, and every setting that is None left out (the model's default)."""
    reasoning = {k: v for k, v in (("effort", effort), ("summary", summary)) if v}
    overrides = {"model": model, "reasoning": reasoning or None, **settings}
    return {k: v for k, v in overrides.items() if v is not None}


SCORERS = ("exact", "contains", "number", "number:TOLERANCE", "json", "regex:PATTERN")


def scorer_name(value: str) -> str:
    """`--scorer`: a scorer `orj.evaluate` knows by name (`UsageError` naming them otherwise)."""
    kind, _, argument = value.partition(":")
    fine = (kind in ("exact", "contains", "json") and not argument) or kind == "number"
    if kind == "number" and argument:
        try:
            float(argument)
        except ValueError:
            fine = False
    if not (fine or (kind == "regex" and argument)):
        raise UsageError(f"--scorer must be one of {', '.join(SCORERS)} (got {value!r})")
    return value
