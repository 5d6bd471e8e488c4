"""The leaderboard of `orj.evaluate`: drawn as an HTML table (with its charts) or as text.

`Board` holds an `batch.grid.Evaluation`. Every text in the table (model labels,
answers) is escaped: nothing a model or a user wrote becomes markup. The charts are a
PNG embedded as a data URI, so the board stays whole in a saved notebook and in
nbconvert; without matplotlib a line says how to get them.
"""

from __future__ import annotations

import base64
import html
from typing import Any

from ..batch.grid import Evaluation, disagreements
from .charts import MISSING, Chart, chart_png

__all__ = ["Board", "board_text"]

MAX_CELL = 200  # characters of an answer shown in the disagreements table


class Board:
    """The leaderboard: `results` (one row per cell), `disagreements()`, `plot()`."""

    def __init__(self, evaluation: Evaluation) -> None:
        self.evaluation = evaluation
        self._png: bytes | None = None

    @property
    def leaderboard(self) -> list[dict[str, Any]]:
        """One dict per model, best score first (what the table shows)."""
        return self.evaluation.leaderboard

    @property
    def notes(self) -> list[str]:
        return self.evaluation.notes

    @property
    def results(self) -> Any:
        """A long pandas DataFrame (one row per row × model [× repeat]); without pandas, the
        list of records."""
        records = self.evaluation.records
        try:
            import pandas as pd
        except ImportError:
            return records
        return pd.DataFrame.from_records(records)

    def disagreements(self) -> Any:
        """The rows where the models answered differently, each model's answer in its column
        (a DataFrame indexed by row, or a list of dicts without pandas)."""
        found = disagreements(self.evaluation)
        try:
            import pandas as pd
        except ImportError:
            return found
        columns = [
            "row",
            *(["expected"] if self.evaluation.expected else []),
            *self.evaluation.labels,
        ]
        return pd.DataFrame.from_records(found, columns=columns).set_index("row")

    def plot(self) -> Chart:
        """Score vs cost (Pareto front circled) and score vs median latency, as one PNG image."""
        return Chart(self._chart())

    def _chart(self) -> bytes:
        if self._png is None:
            self._png = chart_png(self.leaderboard, self.evaluation.score)
        return self._png

    def __repr__(self) -> str:
        return board_text(self.evaluation)

    def _repr_html_(self) -> str:
        return board_html(self.evaluation) + self._chart_html()

    def _chart_html(self) -> str:
        try:
            png = self._chart()
        except ImportError:
            return f'<p class="orj-board-note">{html.escape(MISSING)}</p>'
        data = base64.b64encode(png).decode("ascii")
        return f'<img class="orj-board-chart" alt="charts" src="data:image/png;base64,{data}">'


def _money(value: float | None) -> str:
    return "—" if value is None else f"${value:.4f}" if value < 1 else f"${value:.2f}"


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}s"


def _cells(entry: dict[str, Any], evaluation: Evaluation) -> list[str]:
    """The table's cells for one model, as text."""
    if entry["score"] is None:
        score = "—"
    else:
        score = f"{entry['score']:.3f} [{entry['low']:.3f}, {entry['high']:.3f}]"
    cells = [entry["model"], score, str(entry["n"]), str(entry["failed"] + entry["not_run"])]
    cells += [_ratio(entry[name]) for name in _others(evaluation)]
    cells += [_money(entry["cost"])]
    if evaluation.judged:
        cells += [_money(entry["judge_cost"])]
    cells += [_money(entry["cost_per_correct"]), _seconds(entry["median_s"])]
    cells += [_seconds(entry["p95_s"])]
    rate = entry["tokens_per_s"]
    cells += ["—" if rate is None else f"{rate:.1f}", ", ".join(entry["marks"])]
    return cells


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _others(evaluation: Evaluation) -> list[str]:
    """The other score columns (several scorers), after the first."""
    return evaluation.scores[1:]


def _headers(evaluation: Evaluation) -> list[str]:
    headers = ["model", f"{evaluation.score} (95% CI)", "n", "failed"]
    headers += _others(evaluation) + ["cost"]
    headers += ["judge cost"] if evaluation.judged else []
    headers += ["$ / correct", "median", "p95", "tokens/s", ""]
    return headers


def board_text(evaluation: Evaluation) -> str:
    """The leaderboard as fixed-width text, then the notes."""
    rows = [_headers(evaluation)] + [_cells(e, evaluation) for e in evaluation.leaderboard]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip()
             for row in rows]  # fmt: skip
    return "\n".join(lines + [f"* {note}" for note in evaluation.notes])


def board_html(evaluation: Evaluation) -> str:
    """The leaderboard as an HTML table (every text escaped), then the notes."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in _headers(evaluation))
    body = []
    for entry in evaluation.leaderboard:
        cells = _cells(entry, evaluation)
        marked = ' style="font-weight:bold"' if "best score" in entry["marks"] else ""
        body.append(
            f"<tr{marked}>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"
        )
    notes = "".join(f"<li>{html.escape(note)}</li>" for note in evaluation.notes)
    return (
        '<div class="orj-board"><table>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        + (f"<ul>{notes}</ul>" if notes else "")
        + "</div>"
    )
