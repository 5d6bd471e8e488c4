"""One cell output for a whole answer: plain HTML while it is short, widgets if it grows.

Why: JupyterLab hides a cell's outputs past the fiftieth, and outputs stack vertically,
so a view that opened an output per finished block lost the end of long answers and
could not draw columns. A `Canvas` is a single display output. Views draw into its
`Column`s, which are `Surface`s.

A drawing starts *plain*: the output is one `text/html` document updated by display id,
at most every `PLAIN_INTERVAL` and first after `PLAIN_DELAY`, so a quick short answer is
published once, when it ends. Opening widgets costs more than a short answer's HTML
(every model opened sends its whole state, and is closed again), so they are opened only
when the drawing *goes live*: when it grows past `PLAIN_BYTES`, when its plain updates
have cost `PLAIN_BUDGET`, when a widget is shown (Approve / Deny), or when columns are
made. Live, the output holds an ipywidgets box whose children are appended: each output
a view shows becomes an `HTML` child, and an update replaces that child's value, so what
travels stays proportional to what changed. Children sit in chapters of `CHAPTER`,
because a box's update re-sends the ids of all its children.

When the cell ends, `seal` replaces the output by one static HTML document (the same
drawing, columns as a CSS grid) and closes every widget, layouts and styles included:
the saved notebook, nbconvert and GitHub show the answer without widget state, and the
kernel keeps no widget model. A frontend that cannot draw widgets shows a line of text
while a live drawing runs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import ipywidgets as W
from IPython.display import display
from ipywidgets.widgets.widget_string import HTMLStyle

from ..render.html import column_head, columns

__all__ = ["Canvas", "Column", "Output"]

CHAPTER = 16  # children per inner box
COLUMNS = "repeat(auto-fill, minmax(max(18em, calc((100% - 2em) / 3)), 1fr))"  # 3 a row at most
LIVE_TEXT = "[streaming: the answer is drawn here when the cell ends]"
PLAIN_DELAY = 0.5  # seconds before a plain drawing is first published
PLAIN_INTERVAL = 0.5  # seconds between two publishes of a plain drawing
PLAIN_BYTES = 6_000  # a drawing larger than this goes live
PLAIN_BUDGET = 16_000  # bytes plain updates may publish before the drawing goes live


class Output(Protocol):
    """The display output a canvas draws in (an IPython `DisplayHandle` is one)."""

    def update(self, obj: Any, *, raw: bool = ..., metadata: Any = ...) -> None: ...


class _Entry:
    """One output of a column: its current HTML and text, and the widget showing it, if live."""

    __slots__ = ("html", "text", "widget", "chapter")

    def __init__(self, html: str, text: str, widget: Any) -> None:
        self.html, self.text, self.widget, self.chapter = html, text, widget, None


class _Handle:
    def __init__(self, column: Column, entry: _Entry) -> None:
        self._column, self._entry = column, entry

    def update(self, html: str, text: str) -> None:
        self._column.update(self._entry, html, text)


class Column:
    """A `Surface` drawing into one vertical part of the canvas."""

    def __init__(self, canvas: Canvas, head: str | None = None) -> None:
        self._canvas = canvas
        self.head = head
        self.box: Any = None  # made when the canvas goes live
        self._entries: list[_Entry] = []
        self._chapter: Any = None

    def show(self, html: str, text: str) -> _Handle:
        return self._add(_Entry(html, text, None))

    def tick(self) -> None:
        self._canvas.tick()

    def publish_now(self) -> None:
        self._canvas.publish_now()

    def show_widget(self, widget: Any) -> _Handle:
        self._canvas.go_live()
        return self._add(_Entry("", "", widget))

    def update(self, entry: _Entry, html: str, text: str) -> None:
        canvas = self._canvas
        with canvas.lock:
            entry.html, entry.text = html, text
            if canvas.sealed:
                return
            if not canvas.live:
                canvas.changed()
                return
            if isinstance(entry.widget, W.HTML):
                entry.widget.value = html
                return
            old, entry.widget = entry.widget, canvas.html_widget(html)
            entry.chapter.children = tuple(
                entry.widget if child is old else child for child in entry.chapter.children
            )
        old.close()

    def _add(self, entry: _Entry) -> _Handle:
        canvas = self._canvas
        with canvas.lock:
            self._entries.append(entry)
            if canvas.live and not canvas.sealed:
                self._place(entry)
            elif not canvas.sealed:
                canvas.changed()
        return _Handle(self, entry)

    def _place(self, entry: _Entry) -> None:
        """Put a (new, or drawn plain so far) output in the live box."""
        if entry.widget is None:
            entry.widget = self._canvas.html_widget(entry.html)
        if self._chapter is None or len(self._chapter.children) >= CHAPTER:
            self._chapter = W.VBox(layout=self._canvas.layout)
            self.box.children = (*self.box.children, self._chapter)
        entry.chapter = self._chapter
        self._chapter.children = (*self._chapter.children, entry.widget)

    def go_live(self) -> None:
        self.box = W.VBox(layout=self._canvas.layout)
        for entry in self._entries:
            self._place(entry)

    def size(self) -> int:
        return sum(len(entry.html) for entry in self._entries)

    def html(self) -> str:
        return "".join(entry.html for entry in self._entries)

    def text(self) -> str:
        return "\n".join(entry.text for entry in self._entries if entry.text)

    def close(self) -> None:
        for entry in self._entries:
            if entry.widget is not None:
                entry.widget.close()
        if self.box is not None:
            for chapter in self.box.children:
                chapter.close()
            self.box.close()


class Canvas:
    """One display output: a column (`surface`), or a grid of columns, then static HTML.

    `output` is where it draws (by default a new display output of the running cell);
    `tickers` are called on every `tick`, for things that wait on the drawing's clock."""

    def __init__(
        self, output: Output | None = None, *, tickers: list[Callable[[], None]] | None = None
    ) -> None:
        self.lock = threading.RLock()
        self.sealed = False
        self.live = False
        self.published = False  # whether anything was drawn in the output yet
        self.layout: Any = None  # made live, shared by every box and child: one model each
        self.style: Any = None
        self.root: Any = None  # the live box, while live
        self.tickers = list(tickers or ())
        self._before = Column(self)  # the header: styles, notices
        self._columns: list[Column] = []
        self._grid: Any = None
        self._after = Column(self)  # what follows the columns: a comparison table
        self._born = self._last = time.monotonic()
        self._dirty = False
        self._spent = 0  # bytes published by plain updates
        if output is None:
            output = display({"text/html": "", "text/plain": ""}, raw=True, display_id=True)
        self._output = output

    @property
    def surface(self) -> Column:
        """The one column of a single answer (made on first use)."""
        return self._columns[0] if self._columns else self.column()

    @property
    def header(self) -> Column:
        return self._before

    @property
    def footer(self) -> Column:
        return self._after

    def column(self, head: str | None = None, *, live: bool = True) -> Column:
        """A new column; from the second on, columns sit side by side (three per row).
        Named columns (a comparison) are drawn live from the start, unless not `live`."""
        with self.lock:
            if head is not None and live:
                self.go_live()
            column = Column(self, head)
            self._columns.append(column)
            if self.live:
                column.go_live()
                self._grid.children = (*self._grid.children, column.box)
            if head is not None:
                column.show(column_head(head), f"== {head} ==")
        return column

    def html_widget(self, html: str) -> W.HTML:
        return W.HTML(html, layout=self.layout, style=self.style)

    # -- plain -----------------------------------------------------------------------

    def changed(self) -> None:
        """The plain drawing changed: publish it if due, or go live if it grew too big."""
        with self.lock:
            self._dirty = True
            size = sum(c.size() for c in (self._before, *self._columns, self._after))
            if size > PLAIN_BYTES or self._spent >= PLAIN_BUDGET:
                self.go_live()
            else:
                self._publish_if_due()

    def tick(self) -> None:
        """Called by the view between draws: publish a pending plain drawing once due."""
        for ticker in self.tickers:
            ticker()
        with self.lock:
            if self._dirty and not self.live and not self.sealed:
                self._publish_if_due()

    def publish_now(self) -> None:
        """Publish a pending plain drawing at once (before the main thread gets busy)."""
        with self.lock:
            if self._dirty and not self.live and not self.sealed:
                self._born = self._last = float("-inf")
                self._publish_if_due()

    def _publish_if_due(self) -> None:
        now = time.monotonic()
        if now - self._born < PLAIN_DELAY or now - self._last < PLAIN_INTERVAL:
            return
        bundle = self.bundle()
        self._output.update(bundle, raw=True)
        self._spent += len(bundle["text/html"]) + len(bundle["text/plain"])
        self._last, self._dirty, self.published = now, False, True

    # -- live ------------------------------------------------------------------------

    def go_live(self) -> None:
        """Draw in widgets from now on (the plain drawing so far moves into them)."""
        with self.lock:
            if self.live or self.sealed:
                return
            self.live = self.published = True
            self.layout = W.Layout(min_width="0")
            self.style = HTMLStyle()
            for column in (self._before, *self._columns, self._after):
                column.go_live()
            self._grid = W.GridBox(
                [c.box for c in self._columns],
                layout=W.Layout(grid_template_columns=COLUMNS, grid_gap="0 1em", width="100%"),
            )
            self.root = W.VBox([self._before.box, self._grid, self._after.box], layout=self.layout)
            bundle = self.root._repr_mimebundle_()
            bundle["text/plain"] = LIVE_TEXT
            self._output.update(bundle, raw=True)

    # -- the end ---------------------------------------------------------------------

    def bundle(self) -> dict[str, str]:
        """The whole drawing as one static `text/html` + `text/plain` bundle."""
        with self.lock:
            parts = [self._before.html()]
            texts = [self._before.text()]
            if len(self._columns) > 1 or any(c.head is not None for c in self._columns):
                parts.append(columns([c.html() for c in self._columns]))
            else:  # one answer: its text too (side by side, the table under them says it)
                parts += [c.html() for c in self._columns]
                texts += [c.text() for c in self._columns]
            parts.append(self._after.html())
            texts.append(self._after.text())
            return {"text/html": "".join(parts), "text/plain": "\n\n".join(t for t in texts if t)}

    def seal(self, metadata: dict[str, Any] | None = None) -> None:
        """Replace the drawing by one static HTML output, and close every widget."""
        with self.lock:
            if self.sealed:
                return
            draw = getattr(self._output, "seal", self._output.update)  # a `places.Place`
            draw(self.bundle(), raw=True, metadata=metadata or {})
            self.published = True
            self.close()

    def close(self) -> None:
        """Stop drawing (the output is left as it is) and close every widget made."""
        with self.lock:
            if self.sealed:
                return
            self.sealed = True
            if not self.live:
                return
            for column in (self._before, *self._columns, self._after):
                column.close()
            self._grid.layout.close()
            self._grid.close()
            self.root.close()
            self.layout.close()
            self.style.close()
            self.root = None
