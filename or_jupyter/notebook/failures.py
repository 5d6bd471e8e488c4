"""The last cell that failed in this session, for `%responses fix` and `explain`.

A `post_run_cell` hook on the shell, registered by `%load_ext`: so this module is light,
and formats a traceback (with the render stack's `strip_controls`) only when a cell fails.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any

from IPython.core.error import UsageError

__all__ = ["Failure", "FailureLog"]


@dataclass(frozen=True)
class Failure:
    """A cell that raised: its number, source and traceback (plain text)."""

    count: int | None
    source: str
    traceback: str


class FailureLog:
    """Remembers the last cell that raised (a `post_run_cell` hook on the shell)."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.last: Failure | None = None
        shell.events.register("post_run_cell", self.note)

    def note(self, result: Any) -> None:
        error = result.error_in_exec or result.error_before_exec
        if error is None or isinstance(error, UsageError):  # our own one-line messages
            return
        info = getattr(result, "info", None)
        source = getattr(info, "raw_cell", None) or ""
        self.last = Failure(result.execution_count, source, self._traceback(error))

    def _traceback(self, error: BaseException) -> str:
        try:
            lines = self.shell.InteractiveTB.structured_traceback(
                type(error), error, error.__traceback__, tb_offset=1
            )
            text = "\n".join(lines)
        except Exception:  # noqa: BLE001 - IPython's formatter failing must not lose the error
            text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        from ..render.ansi import strip_controls

        return strip_controls(text)
