"""The choices the notebook surface offers, in one place, and reading `key=value` settings.

Both the `%%responses` magic and `ChatForm` take their reasoning efforts and summaries
from here, so the two cannot drift apart. Every mistake is a one-line `UsageError`.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable

from IPython.core.error import UsageError

__all__ = ["EFFORTS", "SUMMARIES", "TRUNCATIONS", "choice", "pairs"]

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
