"""The Stop button shown while a send runs; removed (and its widgets closed) when it ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as W

from ..render.surface import Surface

__all__ = ["StopButton", "show_stop_button"]


class StopButton:
    """A shown Stop button; `remove` empties its output and closes its widgets."""

    def __init__(self, button: W.Button, handle: Any) -> None:
        self.button, self._handle = button, handle

    def remove(self) -> None:
        self._handle.update("", "")
        for widget in (self.button.style, self.button.layout, self.button):
            widget.close()


def show_stop_button(surface: Surface, stop: Callable[[], None]) -> StopButton:
    """A Stop button that calls `stop` once."""
    button = W.Button(
        description="Stop", icon="stop", button_style="warning", layout=W.Layout(width="auto")
    )

    def clicked(_: Any) -> None:
        button.disabled = True
        button.description = "Stopping…"
        stop()

    button.on_click(clicked)
    return StopButton(button, surface.show_widget(button))
