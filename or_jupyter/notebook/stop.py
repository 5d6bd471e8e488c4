"""The Stop button shown while a send runs; removed (and its widgets closed) when it ends.

A cell's Stop button waits for the send to run `STOP_DELAY` seconds before it is drawn
(`LazyStopButton`): a quick answer is over before anyone could click, and a button is
three widget models opened and closed, more bytes than a short answer's HTML. Its place
above the drawing is kept (`places.py`): displayed empty once the drawing is first
shown, never for a quick answer; a kernel interrupt stops a send at any time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import ipywidgets as W
from IPython.display import display

from ..render.surface import Surface

__all__ = ["STOP_DELAY", "LazyStopButton", "StopButton", "show_stop_button"]

STOP_DELAY = 1.0  # seconds a cell's send runs before its Stop button is drawn
_EMPTY = {"text/html": "", "text/plain": ""}


class StopButton:
    """A shown Stop button; `remove` empties its output and closes its widgets."""

    def __init__(self, button: W.Button, handle: Any) -> None:
        self.button, self._handle = button, handle

    def remove(self) -> None:
        self._handle.update("", "")
        _close(self.button)


def _close(button: W.Button) -> None:
    for widget in (button.style, button.layout, button):
        widget.close()


def _button(stop: Callable[[], None]) -> W.Button:
    button = W.Button(
        description="Stop", icon="stop", button_style="warning", layout=W.Layout(width="auto")
    )

    def clicked(_: Any) -> None:
        button.disabled = True
        button.description = "Stopping…"
        stop()

    button.on_click(clicked)
    return button


def show_stop_button(surface: Surface, stop: Callable[[], None]) -> StopButton:
    """A Stop button that calls `stop` once."""
    button = _button(stop)
    return StopButton(button, surface.show_widget(button))


class LazyStopButton:
    """A Stop button (calling `stop`) once `tick` finds `after` seconds gone, in `output`
    (a `places.Place`, displayed only when drawn; else an empty output now); `remove`
    empties the output again, or drops the place never drawn."""

    def __init__(
        self, stop: Callable[[], None], after: float = STOP_DELAY, output: Any = None
    ) -> None:
        self._stop = stop
        self._due = time.monotonic() + after
        self._output = output or display(_EMPTY, raw=True, display_id=True)
        self.button: W.Button | None = None

    def tick(self) -> None:
        if self.button is None and time.monotonic() >= self._due:
            self.button = _button(self._stop)
            self._output.update(self.button)

    def remove(self) -> None:
        self._due = float("inf")
        if self.button is not None:
            self._output.update(_EMPTY, raw=True)
            _close(self.button)
        elif hasattr(self._output, "drop"):
            self._output.drop()
