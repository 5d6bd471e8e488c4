"""The charts of an evaluation as one static PNG: score vs cost, and score vs median latency.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no backend switch,
nothing shown by itself), so the picture is bytes that stay in a saved notebook and in
nbconvert. matplotlib is optional (`pip install 'or_jupyter[plot]'`) and imported here
only when a chart is drawn.
"""

from __future__ import annotations

import io
from typing import Any

__all__ = ["MISSING", "Chart", "chart_png", "pareto"]

MISSING = "charts need matplotlib: pip install 'or_jupyter[plot]'"


class Chart:
    """A drawn chart: `png` bytes, shown as an image in a notebook, `save(path)` to keep it."""

    def __init__(self, png: bytes) -> None:
        self.png = png

    def _repr_png_(self) -> bytes:
        return self.png

    def save(self, path: str) -> None:
        with open(path, "wb") as file:
            file.write(self.png)

    def __repr__(self) -> str:
        return f"<Chart: PNG, {len(self.png):,} bytes>"


def pareto(points: list[tuple[float, float]]) -> list[int]:
    """Indexes of the (cost, score) points no other point beats: as cheap and as good, and
    strictly one of them."""
    front = []
    for i, (cost, score) in enumerate(points):
        beaten = any(
            c <= cost and s >= score and (c < cost or s > score)
            for j, (c, s) in enumerate(points)
            if j != i
        )
        if not beaten:
            front.append(i)
    return front


def chart_png(leaderboard: list[dict[str, Any]], score: str) -> bytes:
    """Both charts side by side as PNG bytes; ImportError naming the extra without matplotlib."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(MISSING) from None
    entries = [entry for entry in leaderboard if entry["score"] is not None]
    figure = Figure(figsize=(10, 4), dpi=96, layout="constrained")
    FigureCanvasAgg(figure)
    by_cost, by_time = figure.subplots(1, 2)
    _panel(by_cost, entries, "cost", "total cost ($)", score)
    front = pareto([(entry["cost"], entry["score"]) for entry in entries])
    if len(front) > 1:
        ordered = sorted((entries[i]["cost"], entries[i]["score"]) for i in front)
        by_cost.plot(
            *zip(*ordered, strict=False), linestyle="--", color="grey", label="Pareto front"
        )
    for i in front:
        by_cost.scatter(entries[i]["cost"], entries[i]["score"], s=160, facecolors="none",
                        edgecolors="black")  # fmt: skip
    by_cost.set_title(f"{score} vs cost (circled: Pareto front)")
    timed = [entry for entry in entries if entry["median_s"] is not None]
    _panel(by_time, timed, "median_s", "median latency (s)", score)
    by_time.set_title(f"{score} vs median latency")
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _panel(axes: Any, entries: list[dict[str, Any]], key: str, label: str, score: str) -> None:
    for entry in entries:
        below = entry["score"] - entry["low"]
        above = entry["high"] - entry["score"]
        axes.errorbar(entry[key], entry["score"], yerr=[[below], [above]], fmt="o", capsize=4,
                      label=entry["model"])  # fmt: skip
        axes.annotate(entry["model"], (entry[key], entry["score"]), textcoords="offset points",
                      xytext=(6, 4), fontsize=8)  # fmt: skip
    axes.margins(x=0.3, y=0.1)  # room for the labels beside the points
    axes.set_xlabel(label)
    axes.set_ylabel(f"{score} (95% interval)")
    axes.grid(alpha=0.3)
