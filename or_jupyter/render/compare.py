"""The view of one prompt sent to several models at once: a view per model, one clock.

Each model's `View` (a `LiveView` in its own column, in notebooks) draws that model's
answer, reasoning, tool cards, error and footer. `CompareView` keeps one redraw clock
for all of them, so several columns together redraw at most once per `interval`, and
when every model has finished it draws the comparison table.
"""

from __future__ import annotations

import time
from typing import Any

from .html import comparison_table, comparison_text, notice
from .live import INTERVAL
from .surface import Surface
from .view import OFFLINE_NOTICE, View

__all__ = ["CompareView"]


class CompareView:
    """Per-model views (in the order of the models), the surface for the table under them,
    and the one above them (for the offline notice)."""

    def __init__(
        self,
        views: dict[str, View],
        surface: Surface | None,
        *,
        header: Surface | None = None,
        interval: float = INTERVAL,
    ) -> None:
        self.views = views
        self.surface = surface
        self.header = header
        self.interval = interval
        self._last_draw = 0.0
        for view in views.values():
            if hasattr(view, "interval"):
                view.interval = 0.0  # they draw when this view's clock says so

    def label_tools(self, labels: dict[str, str]) -> None:
        for view in self.views.values():
            view.label_tools(labels)

    def begin(self, *, offline: bool = False) -> None:
        if offline and self.header is not None:
            self.header.show(notice(OFFLINE_NOTICE), OFFLINE_NOTICE)
        for model, view in self.views.items():
            view.begin(model=model)

    def tick(self) -> None:
        now = time.monotonic()
        if now - self._last_draw < self.interval:
            return
        self._last_draw = now
        for view in self.views.values():
            view.tick()

    def finish(self, comparison: Any, error: BaseException | None) -> None:
        """Every model's end (its response or its error), then the comparison table."""
        errors = getattr(comparison, "errors", {}) if comparison is not None else {}
        for model, view in self.views.items():
            response = comparison.get(model) if comparison is not None else None
            failure = errors.get(model) or (error if response is None else None)
            view.finish(None if failure is not None else response, failure)
        if self.surface is None:
            return
        stats = [view.stats for view in self.views.values()]
        self.surface.show(comparison_table(stats), comparison_text(stats))
