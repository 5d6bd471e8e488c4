"""The answers' stylesheet, carried by one output per kernel session instead of by each.

Why: the `<style>` block is 3.9 KB, and a notebook of short answers that carried it in
every output spent 39% of its bytes on copies of it. A `<style>` element in an output
applies to the whole page in JupyterLab, Notebook 7, VS Code and nbconvert's HTML, so
the first answer of a kernel session carries it and the others use it; GitHub's viewer
drops every `<style>` anyway, and an output shown alone (without the one that carries
the sheet) loses colours and sizes only: its text, panes and links read the same.

When the cell that carries the sheet runs again, its old output (and the sheet with it)
is replaced, so that cell carries it again. The cell is known by the `cellId` the
frontend sends with the request (JupyterLab, Notebook 7), else by its source (nbclient
sends no id): a carrier edited and run again under such a frontend loses the sheet for
the session, and its answers stay readable.
"""

from __future__ import annotations

import hashlib
from typing import Any

__all__ = ["Stylesheet", "running_cell"]


class Stylesheet:
    """Which output of this kernel session carries the stylesheet."""

    def __init__(self) -> None:
        self.carried = False
        self.carrier: str | None = None  # the id of the cell whose output holds it

    def wanted(self, shell: Any) -> bool:
        """Whether the output about to be drawn should carry the sheet (and, if so, that it
        now does)."""
        cell = running_cell(shell)
        if self.carried and (cell is None or cell != self.carrier):
            return False
        self.carried, self.carrier = True, cell
        return True


def running_cell(shell: Any) -> str | None:
    """What tells the cell being run from others: the `cellId` the frontend sent, else a
    digest of the cell's source; None when neither is known."""
    get_parent = getattr(getattr(shell, "kernel", None), "get_parent", None)
    try:
        parent = get_parent() if callable(get_parent) else None
    except Exception:  # an old kernel, or no request under way
        parent = None
    metadata = parent.get("metadata") if isinstance(parent, dict) else None
    cell = metadata.get("cellId") if isinstance(metadata, dict) else None
    if isinstance(cell, str) and cell:
        return f"id {cell}"
    sources = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
    if isinstance(sources, list) and sources and isinstance(sources[-1], str):
        return "source " + hashlib.sha256(sources[-1].encode("utf-8", "replace")).hexdigest()
    return None
