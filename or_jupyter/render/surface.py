"""Where a view draws: a `Surface` makes outputs, an `OutputHandle` updates one.

The notebook package provides the real surfaces (IPython display outputs, an ipywidgets
box); rendering only needs these two small contracts. A `Slot` is one output of the
cell: created on first publish and updated afterwards, only when its content changed,
so an unchanged pane costs nothing.
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["OutputHandle", "Slot", "Surface"]


class OutputHandle(Protocol):
    def update(self, html: str, text: str) -> None: ...


class Surface(Protocol):
    def show(self, html: str, text: str) -> OutputHandle: ...

    def show_widget(self, widget: Any) -> OutputHandle: ...


class Slot:
    """One output of the cell, shown on first publish and updated in place afterwards."""

    __slots__ = ("_surface", "_handle", "html")

    def __init__(self, surface: Surface) -> None:
        self._surface = surface
        self._handle: OutputHandle | None = None
        self.html: str | None = None

    def publish(self, html: str, text: str) -> None:
        if html == self.html:
            return
        self.html = html
        if self._handle is None:
            self._handle = self._surface.show(html, text)
        else:
            self._handle.update(html, text)
