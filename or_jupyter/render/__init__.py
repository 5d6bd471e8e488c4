"""Pure rendering: Markdown (full and incremental), sanitising, HTML builders, and the views.

Nothing here knows IPython or ipywidgets: views draw on a `Surface` that the notebook
package provides. Names load on first use, as in the package root: a leaderboard
(`board.py`) needs none of the Markdown machinery.
"""

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

# Bound now: the function, not the submodule of the same name that a later import would bind.
from .sanitize import escape, sanitize

__all__ = [
    "OFFLINE_NOTICE",
    "LiveView",
    "OutputHandle",
    "SendStats",
    "Slot",
    "StreamingMarkdown",
    "Surface",
    "TerminalView",
    "View",
    "error_box",
    "error_outputs",
    "escape",
    "render_markdown",
    "sanitize",
]

_EXPORTS = {
    "error_box": ".html",
    "error_outputs": ".html",
    "LiveView": ".live",
    "StreamingMarkdown": ".markdown",
    "render_markdown": ".markdown",
    "OutputHandle": ".surface",
    "Slot": ".surface",
    "Surface": ".surface",
    "TerminalView": ".terminal",
    "OFFLINE_NOTICE": ".view",
    "SendStats": ".view",
    "View": ".view",
}

if TYPE_CHECKING:  # what editors and type checkers see
    from .html import error_box, error_outputs
    from .live import LiveView
    from .markdown import StreamingMarkdown, render_markdown
    from .surface import OutputHandle, Slot, Surface
    from .terminal import TerminalView
    from .view import OFFLINE_NOTICE, SendStats, View


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
