"""`%responses restore [NOTEBOOK]`: the `--out` variables and conversations of a saved notebook.

Reads the records the magic left in the notebook's outputs (`saved.py`): no request is
sent. Without a path, the notebook open in this kernel is read, when the frontend says
which it is (VS Code's `__vsc_ipynb_file__`, Jupyter Server's `JPY_SESSION_NAME`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError

from ..saved import responses_in
from ..structured import parse_structured

__all__ = ["current_notebook", "restore"]


def current_notebook(user_ns: dict[str, Any]) -> Path | None:
    """The path of the notebook this kernel runs, if the frontend made it known."""
    for candidate in (user_ns.get("__vsc_ipynb_file__"), os.environ.get("JPY_SESSION_NAME")):
        if (
            isinstance(candidate, str)
            and candidate.endswith(".ipynb")
            and Path(candidate).is_file()
        ):
            return Path(candidate)
    return None


def restore(magics: Any, rest: str) -> None:
    """Set the `--out` variables and the conversations of `magics` from a saved notebook."""
    path = Path(rest).expanduser() if rest else current_notebook(magics.shell.user_ns)
    if path is None:
        raise UsageError(
            "usage: %responses restore NOTEBOOK.ipynb (the current notebook's path is unknown)"
        )
    if not path.is_file():
        raise UsageError(f"restore: no file {str(path)!r}")
    try:
        restored = responses_in(path)
    except ValueError as exc:
        raise UsageError(f"restore: {exc}") from None
    user_ns = magics.shell.user_ns
    schemas = {r["out"]: r.get("schema") for r in restored.cells if r.get("out")}
    for name, value in restored.items():
        user_ns[name] = _value(value, user_ns.get(schemas.get(name) or ""))
    for name, chat in restored.chats.items():
        magics.chats[name] = chat
    outs = ", ".join(restored) or "none"
    chats = ", ".join(repr(name) for name in restored.chats) or "none"
    print(
        f"restored from {path.name}: variables {outs}; conversations {chats} "
        f"({len(restored.cells)} answers, no request sent)"
    )


def _value(value: Any, schema: Any) -> Any:
    """A `--schema` cell's variable held the parsed answer: parse it again, if the schema is
    defined (else the `Response` itself)."""
    if schema is None:
        return value
    try:
        if isinstance(value, dict):  # a comparison: one parsed answer per model
            return {model: parse_structured(r.output_text, schema) for model, r in value.items()}
        return parse_structured(value.output_text, schema)
    except ValueError:
        return value
