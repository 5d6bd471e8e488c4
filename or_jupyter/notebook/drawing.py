"""How one answer, or several side by side, is drawn: the views the magic and `ChatForm`
share, so the two draw alike (a comparison's columns share one redraw allowance).

`cell_drawing` is the magic's: in a notebook a `Canvas` with a Stop button and the
approval prompts; in a terminal plain text (a comparison printed once each answer is
whole). `columns_view` is the comparison both draw on a canvas.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..render import LiveView, TerminalView
from ..render.compare import CompareView
from ..render.html import comparison_text, css
from ..render.live import CREDIT_ALLOWANCE
from .approval import Approvals
from .canvas import Canvas, Column
from .places import Places
from .stop import LazyStopButton

if TYPE_CHECKING:
    from ..tools import Tool

__all__ = ["Drawing", "cell_drawing", "column_approvals", "columns_view", "tool_labels"]


@dataclass
class Drawing:
    """What draws one cell: the view, its approval prompts, the Stop button, the canvas."""

    view: Any
    approvals: dict[str, Approvals] = field(default_factory=dict)
    stop: Any = None
    canvas: Canvas | None = None
    metadata: dict[str, Any] = field(default_factory=dict)  # the saved output's (`saved.py`)

    def close(self) -> None:
        """The cell ended: remove the Stop button, leave the drawing as static HTML."""
        if self.stop is not None:
            self.stop.remove()
        if self.canvas is not None:
            self.canvas.seal(self.metadata)
        elif isinstance(self.view, CompareView):  # a terminal: each answer once it is whole
            for model, view in self.view.views.items():
                print(f"== {model} ==\n{view.out.getvalue().strip()}\n")
            print(comparison_text([view.stats for view in self.view.views.values()]))


def columns_view(
    canvas: Canvas, models: list[str], *, live: bool = True
) -> tuple[CompareView, dict[str, Column]]:
    """One live view per model, side by side on `canvas` (its columns, returned too),
    sharing one cell's allowance of free redraws; the comparison table below them."""
    columns = {model: canvas.column(model, live=live) for model in models}
    share = CREDIT_ALLOWANCE // len(columns)  # the columns share one cell's allowance
    views = {m: LiveView(c, styles=False, allowance=share) for m, c in columns.items()}
    return CompareView(views, canvas.footer, header=canvas.header), columns


def tool_labels(*tool_lists: Iterable[Tool]) -> dict[str, str]:
    """The tools whose cards show another name than the model calls them by: an MCP
    tool's `server › tool` for its `server__tool`."""
    return {
        tool.name: tool.label for tools in tool_lists for tool in tools if tool.label != tool.name
    }


def column_approvals(columns: dict[str, Column]) -> dict[str, Approvals]:
    """Approval prompts in each model's column, under what that model drew."""
    return {model: Approvals(column, asker=model) for model, column in columns.items()}


def cell_drawing(
    model: str | None,
    models: list[str],
    *,
    offline: bool,
    html: bool,
    ask: bool,
    cancel: Callable[[], None],
    styles: bool = True,
) -> Drawing:
    """The view of one cell (live HTML if `html`, else text), begun; with `ask` the
    approval prompts, and in HTML the Stop button that calls `cancel`. `styles`: whether
    this output carries the stylesheet (one output per kernel session does)."""
    if not html:
        if models:
            buffered = {m: TerminalView(io.StringIO(), color=False) for m in models}
            view: Any = CompareView(buffered, None)
            view.begin(offline=offline)
        else:
            view = TerminalView()
            view.begin(model=model, offline=offline)
        return Drawing(view)
    places = Places(2)  # the Stop button above the drawing, displayed once drawn
    stop = LazyStopButton(cancel, output=places.place(0))
    canvas = Canvas(places.place(1), tickers=[stop.tick])
    approvals: dict[str, Approvals] = {}
    if models:
        if styles:
            canvas.header.show(css(), "")
        view, columns = columns_view(canvas, models)
        view.begin(offline=offline)
        if ask:
            approvals = column_approvals(columns)
    else:
        view = LiveView(canvas.surface, styles=styles)
        view.begin(model=model, offline=offline)
        if ask:
            approvals = {"": Approvals(canvas.surface)}
    return Drawing(view, approvals, stop, canvas)
