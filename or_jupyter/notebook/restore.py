"""`%responses restore [NOTEBOOK]`: the `--out` variables and conversations of a saved notebook.

Reads the records the magic left in the notebook's outputs (`saved.py`): no request is
sent. Without a path, the notebook open in this kernel is read, when the frontend says
which it is (VS Code's `__vsc_ipynb_file__`, Jupyter Server's `JPY_SESSION_NAME`).

A notebook is data from anywhere, so a `--out` name is only set when it is a plain
Python name that is neither a dunder (`__builtins__`), nor one of IPython's own
(`get_ipython`, `In`, `Out`, `exit`, `_`, `_i3`...), nor a builtin (`print`), nor a name
that holds a module in the kernel (`os` after `import os`); any other is skipped and
named in the summary line. Nothing in the notebook is ever run.
"""

from __future__ import annotations

import builtins
import keyword
import os
import re
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from ..chat.structured import parse_structured
from .saved import responses_in

if TYPE_CHECKING:
    from .session import Session

__all__ = ["current_notebook", "refused_name", "restore"]

SHELL_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit", "_oh", "_ih", "_dh", "_sh"})
_HISTORY_NAME = re.compile(r"_+|_i+|_i?\d+")  # IPython's output and input history


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


def restore(session: Session, rest: str) -> None:
    """Set the `--out` variables and the conversations of `session` from a saved notebook."""
    path = Path(rest).expanduser() if rest else current_notebook(session.shell.user_ns)
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
    user_ns = session.shell.user_ns
    schemas = {r["out"]: r.get("schema") for r in restored.cells if r.get("out")}
    skipped = {name: why for name in restored if (why := refused_name(name, user_ns))}
    for name, value in restored.items():
        if name not in skipped:
            user_ns[name] = _value(value, user_ns.get(schemas.get(name) or ""))
    for name, chat in restored.chats.items():
        session.chats[name] = chat
    outs = ", ".join(name for name in restored if name not in skipped) or "none"
    chats = ", ".join(repr(name) for name in restored.chats) or "none"
    refused = "".join(f"; skipped {name[:40]!r} ({why})" for name, why in skipped.items())
    print(
        f"restored from {path.name}: variables {outs}; conversations {chats} "
        f"({len(restored.cells)} answers, no request sent){refused}"
    )


def refused_name(name: str, user_ns: dict[str, Any]) -> str:
    """Why restore must not set `name` in the user's namespace ("" when it may)."""
    if not name.isidentifier() or keyword.iskeyword(name):
        return "not a Python name"
    if name.startswith("__") and name.endswith("__"):
        return "a dunder name"
    if name in SHELL_NAMES or _HISTORY_NAME.fullmatch(name):
        return "one of IPython's names"
    if hasattr(builtins, name):
        return "a builtin"
    if isinstance(user_ns.get(name), types.ModuleType):
        return "it holds a module"
    return ""


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
