"""`%%responses --over DATA --out NAME`: the cell's prompt once per row of DATA, via `orj.map`.

The cell is the row template: `{field}` names a field of the row (`{}` or
`{item}` for a list of strings), not a notebook variable. The options of the
magic apply to every row; the progress display is drawn instead of answers, and
the results (a DataFrame for a DataFrame, else a list) go into `--out`, or are
the cell's value without it.
"""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import parse_argstring

from ..batch import TemplateError, amap, map
from ..batch.budget import BudgetError
from ..batch.progress import TextProgress
from .progress import NotebookProgress

__all__ = ["arun_over", "run_over", "wants_over"]


def wants_over(line: str) -> bool:
    """Whether the magic's options ask for a run over rows (cheap: before any parsing)."""
    return any(word == "--over" or word.startswith("--over=") for word in line.split())


def run_over(magics: Any, line: str, cell: str) -> Any:
    """The cell magic's `--over` branch, blocking (terminals, and kernels without await)."""
    data, template, options, out = _prepare(magics, line, cell)
    try:
        results = map(data, template, **options)
    except (TemplateError, BudgetError) as exc:
        raise UsageError(str(exc)) from None
    return _keep(magics, results, out)


async def arun_over(magics: Any, line: str, cell: str) -> Any:
    """The `--over` branch as a kernel runs it: awaiting, so the Stop button is heard."""
    data, template, options, out = _prepare(magics, line, cell)
    try:
        results = await amap(data, template, **options)
    except (TemplateError, BudgetError) as exc:
        raise UsageError(str(exc)) from None
    return _keep(magics, results, out)


def _prepare(magics: Any, line: str, cell: str) -> tuple[Any, str, dict[str, Any], str | None]:
    args = parse_argstring(magics.responses_cell, line)
    template = cell.strip()
    if not template:
        raise UsageError("the cell is empty: write the prompt for each row below %%responses")
    data = magics._user_value(args.over, "--over")
    schema = magics._user_value(args.schema, "--schema") if args.schema else None
    overrides = magics._overrides(args, schema)
    overrides.pop("text", None)  # `schema=` asks for it, and parses each answer
    tools = [magics._resolve_tool(name, required=True) for name in _names(args.tools)]
    notebook = magics.frontend == "notebook" or (magics.frontend == "auto" and magics._in_kernel)
    options = {
        **overrides,
        "schema": schema,
        "tools": tools or None,
        "client": magics.client,
        "progress": NotebookProgress() if notebook else TextProgress(),
    }
    return data, template, options, args.out


def _keep(magics: Any, results: Any, out: str | None) -> Any:
    if out:
        magics.shell.user_ns[out] = results
        return None
    return results


def _names(listed: str | None) -> list[str]:
    return [n.strip() for n in (listed or "").split(",") if n.strip()]
