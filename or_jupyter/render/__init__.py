"""Pure rendering: Markdown (full and incremental), sanitising, HTML builders, and the views.

Nothing here knows IPython or ipywidgets: views draw on a `Surface` that the notebook
package provides.
"""

from .html import error_box, error_outputs
from .live import LiveView
from .markdown import StreamingMarkdown, render_markdown
from .sanitize import escape, sanitize
from .surface import OutputHandle, Slot, Surface
from .terminal import TerminalView
from .view import OFFLINE_NOTICE, SendStats, View

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
