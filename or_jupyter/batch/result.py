"""What one row of a batch produced, and the table of all of them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

__all__ = ["COLUMNS", "RowResult", "schema_fields", "to_frame"]

# Status of a row: "done", "failed", "cancelled" (stopped in flight), "not run"
# (never started: Stop, an interrupt or the budget came first).


@dataclass
class RowResult:
    """One row's answer (`output`: text, or the parsed schema object) and what it cost."""

    key: Any = None
    output: Any = None
    status: str = "not run"
    error: str | None = None
    cost: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    seconds: float = 0.0
    cached: bool = False


COLUMNS = [f.name for f in fields(RowResult) if f.name not in ("key", "output")]


def schema_fields(schema: Any) -> list[str]:
    """The top-level field names of a pydantic model or a JSON Schema dict."""
    if isinstance(schema, dict):
        return list((schema.get("properties") or {}).keys())
    return list(getattr(schema, "model_fields", {}).keys())


def _plain(value: Any) -> dict[str, Any]:
    if hasattr(value, "model_dump"):
        return value.model_dump()
    return value if isinstance(value, dict) else {}


def to_frame(results: list[RowResult], index: list[Any], schema: Any = None) -> Any:
    """A pandas DataFrame on `index`: `output` or one column per schema field, then the rest."""
    import pandas as pd

    names = schema_fields(schema) if schema is not None else []
    records = []
    for result in results:
        row = asdict(result)
        row.pop("key")
        output = row.pop("output")
        if names:
            values = _plain(result.output)
            row = {**{name: values.get(name) for name in names}, **row}
        else:
            row = {"output": output, **row}
        records.append(row)
    columns = (names or ["output"]) + COLUMNS
    return pd.DataFrame.from_records(records, index=pd.Index(index), columns=columns)
