"""A pandas DataFrame or Series as a Markdown table, so that a model sees data, not `repr`.

Past `MAX_ROWS` rows or `MAX_COLUMNS` columns the table is cut, and a note under it says
how many were left out. Cells are escaped: `|` would end a cell, a newline the row; a cell
(or a heading) longer than `MAX_CELL` characters is cut with `…`; the levels of a
MultiIndex label are joined with ` / `.
pandas is never imported here: a value is a table when its class comes from pandas.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_CELL", "MAX_COLUMNS", "MAX_ROWS", "is_table", "markdown_table"]

MAX_ROWS = 50
MAX_COLUMNS = 20
MAX_CELL = 500


def is_table(value: Any) -> bool:
    """Whether `value` is a pandas DataFrame or Series."""
    kind = type(value)
    return kind.__module__.startswith("pandas") and kind.__name__ in ("DataFrame", "Series")


def markdown_table(value: Any) -> str:
    """The DataFrame (or Series, as one column) as a GFM table, index first, cut with a note."""
    frame = value.to_frame() if type(value).__name__ == "Series" else value
    rows, columns = frame.shape
    shown = frame.iloc[:MAX_ROWS, :MAX_COLUMNS]
    index_name = ", ".join(str(n) for n in frame.index.names if n is not None)
    header = [index_name, *(_label(c) for c in shown.columns)]
    lines = [_row(header), _row(["---"] * len(header))]
    for label, values in zip(shown.index, shown.itertuples(index=False, name=None), strict=True):
        lines.append(_row([_label(label), *(_cell(v) for v in values)]))
    left_out = []
    if rows > MAX_ROWS:
        left_out.append(f"{rows - MAX_ROWS:,} more rows")
    if columns > MAX_COLUMNS:
        left_out.append(f"{columns - MAX_COLUMNS:,} more columns")
    table = "\n".join(lines)
    if left_out:
        table += (
            f"\n\n*Table cut to the first {min(rows, MAX_ROWS)} rows and "
            f"{min(columns, MAX_COLUMNS)} columns of {rows:,} × {columns:,}: "
            f"{' and '.join(left_out)} not shown.*"
        )
    return "\n" + table + "\n"


def _label(value: Any) -> str:
    """A row or column label; a MultiIndex one (a tuple) as its levels joined."""
    return " / ".join(map(str, value)) if isinstance(value, tuple) else str(value)


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(_escape(_cut(c)) for c in cells) + " |"


def _cut(text: str) -> str:
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("\r\n", "<br>")
        .replace("\n", "<br>")
        .replace("\r", "<br>")
    )
