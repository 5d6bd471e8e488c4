"""Where the live view draws: IPython display outputs, each updatable by its handle.

A `Slot` is one output of the cell. It is created on first publish and updated
afterwards, and only when its content changed, so an unchanged pane costs nothing.
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["DisplaySurface", "Handle", "Slot", "Surface"]


class Handle(Protocol):
    def update(self, html: str, text: str) -> None: ...


class Surface(Protocol):
    def show(self, html: str, text: str) -> Handle: ...

    def show_widget(self, widget: Any) -> Handle: ...


class _DisplayHandle:
    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def update(self, html: str, text: str) -> None:
        self._handle.update({"text/html": html, "text/plain": text}, raw=True)


class DisplaySurface:
    """Outputs through IPython's display machinery (display handles persist in saved notebooks)."""

    def show(self, html: str, text: str) -> Handle:
        from IPython.display import display

        return _DisplayHandle(
            display({"text/html": html, "text/plain": text}, raw=True, display_id=True)
        )

    def show_widget(self, widget: Any) -> Handle:
        from IPython.display import display

        return _DisplayHandle(display(widget, display_id=True))


class Slot:
    """One output of the cell, shown on first publish and updated in place afterwards."""

    __slots__ = ("_surface", "_handle", "html")

    def __init__(self, surface: Surface) -> None:
        self._surface = surface
        self._handle: Handle | None = None
        self.html: str | None = None

    def publish(self, html: str, text: str) -> None:
        if html == self.html:
            return
        self.html = html
        if self._handle is None:
            self._handle = self._surface.show(html, text)
        else:
            self._handle.update(html, text)
