"""The real surfaces views draw on: the cell's display outputs, or an ipywidgets box.

`DisplaySurface` publishes IPython display outputs updated by display id; they persist in
a saved notebook as plain HTML. `WidgetSurface` draws into an ipywidgets `VBox`, for forms
where no cell is running: each output becomes an `ipywidgets.HTML` child whose `value` an
update replaces. Widget updates travel over comms, so drawing from a background thread is
fine. The HTML handed in is the views', already sanitised; nothing else goes in.
"""

from __future__ import annotations

import threading
from typing import Any

import ipywidgets
from IPython.display import display

__all__ = ["DisplaySurface", "WidgetSurface"]


class _DisplayHandle:
    def __init__(self, handle: Any) -> None:
        self._handle = handle

    def update(self, html: str, text: str) -> None:
        self._handle.update({"text/html": html, "text/plain": text}, raw=True)


class DisplaySurface:
    """Outputs through IPython's display machinery (display handles persist in saved notebooks)."""

    def show(self, html: str, text: str) -> _DisplayHandle:
        return _DisplayHandle(
            display({"text/html": html, "text/plain": text}, raw=True, display_id=True)
        )

    def show_widget(self, widget: Any) -> _DisplayHandle:
        return _DisplayHandle(display(widget, display_id=True))


class _WidgetHandle:
    """One child of the box; an update sets its HTML (a non-HTML widget is swapped for one)."""

    def __init__(self, surface: WidgetSurface, widget: Any) -> None:
        self._surface = surface
        self.widget = widget

    def update(self, html: str, text: str) -> None:
        if isinstance(self.widget, ipywidgets.HTML):
            self.widget.value = html
            return
        old, self.widget = self.widget, ipywidgets.HTML(html)
        self._surface.replace(old, self.widget)


class WidgetSurface:
    """Outputs as children of `box` (an `ipywidgets.Box`), appended in order."""

    def __init__(self, box: ipywidgets.Box) -> None:
        self.box = box
        self._lock = threading.Lock()

    def show(self, html: str, text: str) -> _WidgetHandle:
        return self.show_widget(ipywidgets.HTML(html))

    def show_widget(self, widget: Any) -> _WidgetHandle:
        with self._lock:
            self.box.children = (*self.box.children, widget)
        return _WidgetHandle(self, widget)

    def replace(self, old: Any, new: Any) -> None:
        """Put `new` where `old` is (nothing happens if the box was cleared meanwhile)."""
        with self._lock:
            children = list(self.box.children)
            for index, child in enumerate(children):
                if child is old:
                    children[index] = new
                    self.box.children = tuple(children)
                    old.close()
                    return

    def clear(self) -> None:
        """Remove (and close) every output."""
        with self._lock:
            children, self.box.children = self.box.children, ()
        for child in children:
            child.close()
