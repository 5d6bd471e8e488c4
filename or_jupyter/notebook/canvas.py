"""One cell output for a whole answer (or several side by side): live widgets, then static HTML.

Why: JupyterLab hides a cell's outputs past the fiftieth, and outputs stack vertically,
so a view that opened an output per finished block lost the end of long answers and
could not draw columns. A `Canvas` is a single display output holding an ipywidgets box.
Views draw into its `Column`s, which are `Surface`s: each output a view shows becomes an
`HTML` child appended to the column, and an update replaces that child's value, so what
travels to the frontend stays small and proportional to what changed. Children sit in
chapters of `CHAPTER`, because a box's update re-sends the ids of all its children.

When the cell ends, `seal` replaces the display output by one static HTML document (the
same drawing, columns as a CSS grid) and closes every widget: the saved notebook, nbconvert
and GitHub show the answer without widget state. A frontend that cannot draw widgets
shows a line of text until then.
"""

from __future__ import annotations

import threading
from typing import Any

import ipywidgets as W
from IPython.display import display
from ipywidgets.widgets.widget_string import HTMLStyle

from ..render.html import column_head, columns

__all__ = ["Canvas", "Column"]

CHAPTER = 16  # children per inner box
COLUMNS = "repeat(auto-fill, minmax(max(18em, calc((100% - 2em) / 3)), 1fr))"  # 3 a row at most
LIVE_TEXT = "[streaming: the answer is drawn here when the cell ends]"


class _Entry:
    """One output of a column: its current HTML and text, and the widget showing it."""

    __slots__ = ("html", "text", "widget", "chapter")

    def __init__(self, html: str, text: str, widget: Any, chapter: Any) -> None:
        self.html, self.text, self.widget, self.chapter = html, text, widget, chapter


class _Handle:
    def __init__(self, column: Column, entry: _Entry) -> None:
        self._column, self._entry = column, entry

    def update(self, html: str, text: str) -> None:
        self._column.update(self._entry, html, text)


class Column:
    """A `Surface` drawing into one vertical box of the canvas."""

    def __init__(self, canvas: Canvas, head: str | None = None) -> None:
        self._canvas = canvas
        self.head = head
        self.box = W.VBox(layout=canvas.layout)
        self._entries: list[_Entry] = []
        self._chapter: Any = None
        if head is not None:
            self.show(column_head(head), f"== {head} ==")

    def show(self, html: str, text: str) -> _Handle:
        return self._add(html, text, self._canvas.html_widget(html))

    def show_widget(self, widget: Any) -> _Handle:
        return self._add("", "", widget)

    def update(self, entry: _Entry, html: str, text: str) -> None:
        entry.html, entry.text = html, text
        if self._canvas.sealed:
            return
        if isinstance(entry.widget, W.HTML):
            entry.widget.value = html
            return
        old, entry.widget = entry.widget, self._canvas.html_widget(html)
        with self._canvas.lock:
            entry.chapter.children = tuple(
                entry.widget if child is old else child for child in entry.chapter.children
            )
        old.close()

    def _add(self, html: str, text: str, widget: Any) -> _Handle:
        with self._canvas.lock:
            if self._chapter is None or len(self._chapter.children) >= CHAPTER:
                self._chapter = W.VBox(layout=self._canvas.layout)
                self.box.children = (*self.box.children, self._chapter)
            entry = _Entry(html, text, widget, self._chapter)
            self._entries.append(entry)
            if not self._canvas.sealed:
                self._chapter.children = (*self._chapter.children, widget)
        return _Handle(self, entry)

    def html(self) -> str:
        return "".join(entry.html for entry in self._entries)

    def text(self) -> str:
        return "\n".join(entry.text for entry in self._entries if entry.text)

    def close(self) -> None:
        for entry in self._entries:
            entry.widget.close()
        for chapter in self.box.children:
            chapter.close()
        self.box.close()


class Canvas:
    """One display output: a column (`surface`), or a grid of columns, then static HTML."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.layout = W.Layout(min_width="0")  # shared by every box and child: one model each
        self.style = HTMLStyle()
        self.sealed = False
        self._before = Column(self)  # the header: styles, notices
        self._columns: list[Column] = []
        self._grid: Any = None
        self._after = Column(self)  # what follows the columns: a comparison table
        self._root = W.VBox([self._before.box, self._after.box], layout=self.layout)
        bundle = self._root._repr_mimebundle_()
        bundle["text/plain"] = LIVE_TEXT
        self._display = display(bundle, raw=True, display_id=True)

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

    def column(self, head: str | None = None) -> Column:
        """A new column; from the second on, columns sit side by side (three per row)."""
        column = Column(self, head)
        with self.lock:
            self._columns.append(column)
            if self._grid is None:
                self._grid = W.GridBox(
                    layout=W.Layout(
                        grid_template_columns=COLUMNS,
                        grid_gap="0 1em",
                        width="100%",
                    )
                )
                self._root.children = (self._before.box, self._grid, self._after.box)
            self._grid.children = (*self._grid.children, column.box)
        return column

    def html_widget(self, html: str) -> W.HTML:
        return W.HTML(html, layout=self.layout, style=self.style)

    def seal(self, metadata: dict[str, Any] | None = None) -> None:
        """Replace the live widgets by one static HTML output, and close them."""
        with self.lock:
            if self.sealed:
                return
            self.sealed = True
            parts = [self._before.html()]
            texts = [self._before.text()]
            if len(self._columns) > 1 or any(c.head is not None for c in self._columns):
                parts.append(columns([c.html() for c in self._columns]))
            else:  # one answer: its text too (side by side, the table under them says it)
                parts += [c.html() for c in self._columns]
                texts += [c.text() for c in self._columns]
            parts.append(self._after.html())
            texts.append(self._after.text())
            bundle = {"text/html": "".join(parts), "text/plain": "\n\n".join(t for t in texts if t)}
            self._display.update(bundle, raw=True, metadata=metadata or {})
            for column in (self._before, *self._columns, self._after):
                column.close()
            if self._grid is not None:
                self._grid.layout.close()
                self._grid.close()
            self._root.close()
            self.layout.close()
            self.style.close()
