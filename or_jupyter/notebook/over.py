"""`%%responses --over DATA --out NAME`: the cell's prompt once per row of DATA, via `orj.map`.

The cell is the row template: `{field}` names a field of the row (`{}` or
`{item}` for a list of strings), not a notebook variable. The options of the
magic apply to every row; the progress display is drawn instead of answers, and
the results (a DataFrame for a DataFrame, else a list) go into `--out`, or are
the cell's value without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.display import display

from ..batch import TemplateError, amap, map
from ..batch.budget import BudgetError
from ..batch.progress import TextProgress
from ..chat.loop import DEFAULT_MODEL
from .arguments import parse
from .offered_tools import resolve_tool
from .progress import NotebookProgress
from .request import CellDefaults, cell_overrides, names

if TYPE_CHECKING:
    from .session import Session

__all__ = ["over", "wants_over"]


def wants_over(line: str) -> bool:
    """Whether the magic's options ask for a run over rows (cheap: before any parsing)."""
    return any(word == "--over" or word.startswith("--over=") for word in line.split())


async def over(session: Session, line: str, cell: str, *, blocking: bool = False) -> Any:
    """The cell magic's `--over` branch: awaiting (so Stop is heard), or with `blocking`
    without awaiting (terminals, and kernels without await)."""
    if _evaluates(parse(line)):
        return await _evaluate(session, line, cell, blocking=blocking)
    data, template, options, out = _prepare(session, line, cell)
    try:
        results = (
            map(data, template, **options) if blocking else await amap(data, template, **options)
        )
    except (TemplateError, BudgetError) as exc:
        raise UsageError(str(exc)) from None
    if out:
        session.shell.user_ns[out] = results
        return None
    return results


def _prepare(session: Session, line: str, cell: str) -> tuple[Any, str, dict[str, Any], str | None]:
    args = parse(line)
    template = cell.strip()
    if not template:
        raise UsageError("the cell is empty: write the prompt for each row below %%responses")
    data = session.user_value(args.over, "--over")
    schema = session.user_value(args.schema, "--schema") if args.schema else None
    overrides = cell_overrides(args, CellDefaults.of(session.settings), schema)
    overrides.pop("text", None)  # `schema=` asks for it, and parses each answer
    tools = [resolve_tool(session, name, required=True) for name in names(args.tools)]
    options = {
        **overrides,
        "schema": schema,
        "tools": tools or None,
        "client": session.client,
        "progress": NotebookProgress() if session.draws_html else TextProgress(),
    }
    return data, template, options, args.out


def _evaluates(args: Any) -> bool:
    """Whether the options ask for an evaluation: an expected field, a judge or several models."""
    return bool(args.expect or args.judge or len(names(args.model)) > 1)


async def _evaluate(session: Session, line: str, cell: str, *, blocking: bool) -> Any:
    """`--over df -m a,b,c --expect FIELD [--scorer S] [--judge MODEL]`: `orj.evaluate`, then
    the leaderboard and its charts drawn; the board in `--out` too."""
    from ..evaluation import aevaluate, evaluate

    args = parse(line)
    if args.scorer and not args.expect:
        raise UsageError("--scorer compares with the expected answer: add --expect FIELD")
    if not (args.expect or args.judge):
        raise UsageError(
            "several models over rows are an evaluation: add --expect FIELD or --judge MODEL"
        )
    models = _models(session, names(args.model)) or [session.settings.model or DEFAULT_MODEL]
    data, template, options, out = _prepare(session, line, cell)
    for name in ("model", "models"):  # the models are the board's columns, not a fallback list
        options.pop(name, None)
    options["progress"] = NotebookProgress if session.draws_html else TextProgress()
    rows = _rows(data)
    if args.expect and rows and isinstance(rows[0], dict) and args.expect not in rows[0]:
        fields = ", ".join(str(name) for name in rows[0])
        raise UsageError(
            f"--expect {args.expect}: the rows have no such field (they have {fields})"
        )
    arguments = dict(models=models, expected=args.expect, scorer=args.scorer, judge=args.judge)
    try:
        board = (
            evaluate(data, template, **arguments, **options)
            if blocking
            else await aevaluate(data, template, **arguments, **options)
        )
    except (TemplateError, BudgetError, ValueError) as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    if out:
        session.shell.user_ns[out] = board
        display(board)
        return None
    return board


def _rows(data: Any) -> list[Any]:
    from ..batch.rows import rows_of

    try:
        return rows_of(data)[1]
    except TypeError as exc:
        raise UsageError(f"--over: {exc}") from None


def _models(session: Session, listed: list[str]) -> list[Any]:
    """`-m a,b,c`, or `-m NAME` for a notebook list of model ids (ids always hold a `/`)."""
    if len(listed) != 1 or "/" in listed[0] or listed[0] not in session.shell.user_ns:
        return listed
    value = session.shell.user_ns[listed[0]]
    if not isinstance(value, (list, tuple)) or not value:
        raise UsageError(f"-m {listed[0]}: a notebook variable here is a list of model ids")
    return list(value)
