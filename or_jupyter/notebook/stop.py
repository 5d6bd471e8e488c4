"""The Stop button shown while a send runs; its output is emptied when the send ends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as W

from ..render.surface import OutputHandle, Surface

__all__ = ["show_stop_button"]


def show_stop_button(surface: Surface, stop: Callable[[], None]) -> OutputHandle:
    """A Stop button that calls `stop` once; `handle.update("", "")` removes it."""
    button = W.Button(
        description="Stop", icon="stop", button_style="warning", layout=W.Layout(width="auto")
    )

    def clicked(_: Any) -> None:
        button.disabled = True
        button.description = "Stopping…"
        stop()

    button.on_click(clicked)
    return surface.show_widget(button)
