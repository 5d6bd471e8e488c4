"""A `Surface` that draws into an ipywidgets `VBox`, for forms where no cell is running.

Each output becomes a child of the box: an `ipywidgets.HTML` whose `value` an update
replaces. Widget updates travel over comms, so drawing from a background thread is
fine. The HTML handed in is the live view's, already sanitised; nothing else goes in.
"""

from __future__ import annotations

import threading
from typing import Any

import ipywidgets

__all__ = ["WidgetSurface"]


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
