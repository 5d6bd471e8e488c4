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

__all__ = ["STOP_DELAY", "LazyStopButton", "StopButton", "hear_early", "show_stop_button"]

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
    hear_early(button)
    return button


def hear_early(button: W.Button) -> None:
    """Let a click interrupt the agent's code running on the main thread.

    While a step's code runs, the main thread handles no widget message; ipykernel (7.4+)
    asks a comm's `_reply_subshell_for` about each of its messages on the shell-channel
    thread first, so the click is heard there and raises KeyboardInterrupt in the step.
    The ordinary click handler runs later, once the main thread is free, and stops the send.
    """
    comm = getattr(button, "comm", None)
    if comm is None:
        return

    def route(data: Any, subshell_id: Any) -> Any:
        content = data.get("content") if isinstance(data, dict) else None
        if isinstance(content, dict) and content.get("event") == "click":
            from .agent.capture import interrupt_step

            interrupt_step()
        return subshell_id

    comm._reply_subshell_for = route


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

    def show_now(self) -> None:
        """Draw the button at once (an agent's step may hold the drawing thread for long)."""
        self._due = float("-inf")
        self.tick()

    def remove(self) -> None:
        self._due = float("inf")
        if self.button is not None:
            self._output.update(_EMPTY, raw=True)
            _close(self.button)
        elif hasattr(self._output, "drop"):
            self._output.drop()
