"""The live display of an `orj.map` run in a notebook: one progress output and a Stop button.

The figures and their text come from `batch/progress.py`; this module only draws
them. The progress output is a display handle (text/html and text/plain), so the
final one-line summary it ends with stays in the saved notebook; the Stop button
is removed when the run ends.
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Callable
from typing import Any

from ..batch.progress import Tally, line, summary
from .runner import legacy_ui_events
from .stop import show_stop_button
from .surfaces import DisplaySurface

__all__ = ["NotebookProgress", "progress_html"]


def progress_html(tally: Tally, text: str, final: bool = False) -> str:
    """A bar and the line of figures; the bar is left out of the final summary."""
    bar = (
        ""
        if final
        else f'<progress value="{tally.finished}" max="{max(tally.total, 1)}" '
        'style="width:16em;vertical-align:middle"></progress> '
    )
    return f'<div class="orj-map-progress">{bar}<code>{html.escape(text)}</code></div>'


class NotebookProgress:
    """A reporter for `orj.map` in a kernel (see `batch.progress.NoProgress` for the calls)."""

    def __init__(self, surface: Any = None) -> None:
        self.surface = surface or DisplaySurface()
        self._handle: Any = None
        self._stop_handle: Any = None
        self._poll: Callable[[], None] | None = None
        self._events = contextlib.ExitStack()

    def start(self, stop: Callable[[], None]) -> None:
        self._stop_handle = show_stop_button(self.surface, stop)

    def poll(self) -> None:
        """Called by `orj.map`'s waiting thread only (`amap` awaits, so clicks arrive anyway)."""
        if self._poll is None:
            self._poll = self._events.enter_context(legacy_ui_events(True))
        self._poll()

    def update(self, tally: Tally) -> None:
        text = line(tally)
        if self._handle is None:
            self._handle = self.surface.show(progress_html(tally, text), text)
        else:
            self._handle.update(progress_html(tally, text), text)

    def finish(self, tally: Tally) -> None:
        self._events.close()
        if self._stop_handle is not None:
            self._stop_handle.remove()
        text = summary(tally)
        if self._handle is None:
            self._handle = self.surface.show(progress_html(tally, text, final=True), text)
        else:
            self._handle.update(progress_html(tally, text, final=True), text)
