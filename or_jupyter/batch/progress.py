"""The figures of a running batch and their text: counts, rows/s, ETA, cost.

Pure: no display here. A reporter is any object with `update(tally)` and
`finish(tally)`; `TextProgress` is the terminal's, `notebook/progress.py` the
notebook's. Updates reach a reporter at most `UPDATES_PER_SECOND` times a second.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

__all__ = [
    "NoProgress",
    "Tally",
    "TextProgress",
    "UPDATES_PER_SECOND",
    "line",
    "summary",
]

UPDATES_PER_SECOND = 5


@dataclass
class Tally:
    """The counts of a run so far. `cached` rows came from the store or a twin row;
    `incomplete` ones (cut short, e.g. by `max_output_tokens`) are counted in `done` too."""

    total: int
    done: int = 0
    incomplete: int = 0
    failed: int = 0
    running: int = 0
    cached: int = 0
    cost: float = 0.0
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    stopped: str | None = None  # why the run stopped early, if it did
    name: str = "orj.map"  # what the summary line starts with
    groups: dict[str, Tally] = field(default_factory=dict)  # per `group_by` value (a model)

    def group(self, label: str) -> Tally:
        """The counts of one group (`group_by`), made on first use."""
        if label not in self.groups:
            self.groups[label] = Tally(total=0, started=self.started)
        return self.groups[label]

    @property
    def finished(self) -> int:
        return self.done + self.failed

    def elapsed(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    def rate(self) -> float:
        """Rows per second, counting only rows actually sent."""
        sent = self.finished - self.cached
        elapsed = self.elapsed()
        return sent / elapsed if elapsed > 0 and sent > 0 else 0.0

    def eta(self) -> float | None:
        rate = self.rate()
        return (self.total - self.finished) / rate if rate else None

    def projected_cost(self) -> float | None:
        paid = self.finished - self.cached
        if paid <= 0:
            return None
        return self.cost + self.cost / paid * (self.total - self.finished)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def line(tally: Tally) -> str:
    """One line while running: `412/2000 done · 3 failed · 16 running · 38.2 rows/s · ...`."""
    parts = [f"{tally.done}/{tally.total} done", *_problems(tally)]
    parts.append(f"{tally.running} running")
    parts.append(f"{tally.rate():.1f} rows/s")
    eta = tally.eta()
    if eta is not None:
        parts.append(f"ETA {_duration(eta)}")
    cost = f"${tally.cost:.4f}"
    projected = tally.projected_cost()
    if projected is not None:
        cost += f" (projected ${projected:.4f})"
    parts.append(cost)
    return " · ".join(parts) + _by_group(tally)


def _by_group(tally: Tally) -> str:
    """Per-group figures after the line, e.g. ` [a: 40 done, 1 failed, $0.0120; b: ...]`."""
    if not tally.groups:
        return ""
    parts = []
    for label, group in tally.groups.items():
        failed = f", {group.failed} failed" if group.failed else ""
        parts.append(f"{label}: {group.done} done{failed}, ${group.cost:.4f}")
    return " [" + "; ".join(parts) + "]"


def summary(tally: Tally) -> str:
    """The one line left when the run ends."""
    parts = [f"{tally.done}/{tally.total} done"]
    if tally.cached:
        parts.append(f"{tally.cached} from store or cache")
    parts += _problems(tally)
    rest = tally.total - tally.finished
    if rest:
        parts.append(f"{rest} not finished")
    parts.append(f"${tally.cost:.4f}")
    parts.append(f"in {_duration(tally.elapsed())}")
    text = f"{tally.name}: " + " · ".join(parts) + _by_group(tally)
    return f"{text} (stopped: {tally.stopped})" if tally.stopped else text


def _problems(tally: Tally) -> list[str]:
    parts = [f"{tally.incomplete} incomplete"] if tally.incomplete else []
    return parts + [f"{tally.failed} failed"] if tally.failed else parts


class NoProgress:
    """A reporter that shows nothing; the base of the others.

    `start(stop)` comes once the run has begun (`stop()` stops it, as a Stop button
    would), `update(tally)` at most 5 times a second, `poll()` between updates
    (the notebook's handles widget clicks there), `finish(tally)` at the end.
    """

    def start(self, stop: Any) -> None:
        pass

    def poll(self) -> None:
        pass

    def update(self, tally: Tally) -> None:
        pass

    def finish(self, tally: Tally) -> None:
        pass


class TextProgress(NoProgress):
    """A progress line rewritten in place on a terminal (`\\r`), then the summary."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stderr

    def update(self, tally: Tally) -> None:
        self.out.write("\r" + line(tally).ljust(100))
        self.out.flush()

    def finish(self, tally: Tally) -> None:
        self.out.write("\r" + summary(tally).ljust(100) + "\n")
        self.out.flush()
