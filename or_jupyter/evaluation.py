"""`orj.evaluate` and `orj.aevaluate`: which model is good enough on this data, at what price.

Built on `orj.map`'s runner: the grid of (row, model, repeat) cells is one batch run
(`batch/grid.py` lays it out), a judge a second one, then the cells are scored and
the leaderboard drawn (`render/board.py`). As in `orj.map`, progress is the
notebook's live display inside a kernel and a terminal line elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .batch import grid, run
from .batch.rows import is_dask_frame
from .over_data import _reporter
from .render.board import Board

__all__ = ["aevaluate", "evaluate"]


def evaluate(
    data: Any,
    template: str | Callable[[Any], Any],
    *,
    models: Any,
    expected: str | None = None,
    scorer: Any = None,
    judge: str | None = None,
    rubric: str | None = None,
    schema: Any = None,
    instructions: str | None = None,
    tools: Any = None,
    reasoning: Any = None,
    concurrency: int = 16,
    rpm: float | None = None,
    max_cost: float | None = None,
    store: str | None = None,
    repeats: int = 1,
    retries: int = run.DEFAULT_RETRIES,
    client: Any = None,
    progress: Any = True,
    force: bool = False,
    **params: Any,
) -> Board:
    """Run `template` over every row of `data` with every model of `models`, score the answers
    and return the leaderboard (a `Board`). Arguments as `aevaluate`'s."""
    prepared = _prepare(
        data,
        template,
        dict(models=models, expected=expected, scorer=scorer, judge=judge, rubric=rubric),
        dict(
            schema=schema,
            instructions=instructions,
            tools=tools,
            reasoning=reasoning,
            concurrency=concurrency,
            rpm=rpm,
            max_cost=max_cost,
            store=store,
            retries=retries,
            client=client,
            force=force,
            params=params,
        ),
        repeats,
    )
    answers = _answers(data, prepared, progress)
    judged = None
    jobs = grid.judge_jobs(prepared, answers)
    if jobs:
        options = grid.judge_options(prepared, sum(result.cost for result in answers))
        verdicts = run.run_blocking(
            jobs, grid.judge_template(prepared, answers), options, _reporter_of(progress)
        )
        judged = list(zip(jobs, verdicts, strict=True))
    return Board(grid.finish(prepared, answers, judged))


async def aevaluate(
    data: Any,
    template: str | Callable[[Any], Any],
    *,
    models: Any,
    expected: str | None = None,
    scorer: Any = None,
    judge: str | None = None,
    rubric: str | None = None,
    schema: Any = None,
    instructions: str | None = None,
    tools: Any = None,
    reasoning: Any = None,
    concurrency: int = 16,
    rpm: float | None = None,
    max_cost: float | None = None,
    store: str | None = None,
    repeats: int = 1,
    retries: int = run.DEFAULT_RETRIES,
    client: Any = None,
    progress: Any = True,
    force: bool = False,
    **params: Any,
) -> Board:
    """Evaluate `models` on `data` on the running event loop; the leaderboard (a `Board`).

    `data` and `template` as in `orj.map` (with a Dask DataFrame, `orj.evaluate` reads
    the rows here and runs the grid's cells on the partitions' workers; `aevaluate` runs
    them here). `models`: ids, or `(id, params)` pairs for one model with
    different parameters (each its own column, labelled by its params). `expected`:
    the field holding the right answer. `scorer`: `"exact"` (the default with
    `expected`), `"contains"`, `"regex:PATTERN"`, `"number[:TOLERANCE]"`, `"json"`
    (valid against `schema`), a callable `(output, row) -> bool | float`, or a list of
    them (a score column each; the board ranks by the first). `judge`: a model id
    that grades each answer PASS/FAIL from the row, the expected value and the answer
    (one call per answer, its cost shown apart), with `rubric` as its criterion.
    `repeats`: each cell sent that many times (as distinct requests).
    `concurrency`, `rpm`, `store`, `retries`, `client`, `progress` and `**params` as in
    `orj.map`; `max_cost` refuses a grid estimated above it (answers and judge, from
    `/models` prices) unless `force=True`, and stops starting cells once spent.
    `progress` may also be a reporter class: one is made per run (answers, judge).
    """
    prepared = _prepare(
        data,
        template,
        dict(models=models, expected=expected, scorer=scorer, judge=judge, rubric=rubric),
        dict(
            schema=schema,
            instructions=instructions,
            tools=tools,
            reasoning=reasoning,
            concurrency=concurrency,
            rpm=rpm,
            max_cost=max_cost,
            store=store,
            retries=retries,
            client=client,
            force=force,
            params=params,
        ),
        repeats,
    )
    answers = await run.run_awaiting(
        prepared.jobs,
        grid.job_template(prepared),
        grid.answer_options(prepared),
        _reporter_of(progress),
        None,
    )
    judged = None
    jobs = grid.judge_jobs(prepared, answers)
    if jobs:
        options = grid.judge_options(prepared, sum(result.cost for result in answers))
        verdicts = await run.run_awaiting(
            jobs, grid.judge_template(prepared, answers), options, _reporter_of(progress), None
        )
        judged = list(zip(jobs, verdicts, strict=True))
    return Board(grid.finish(prepared, answers, judged))


def _answers(data: Any, prepared: grid.Grid, progress: Any) -> list[Any]:
    """The grid's answers: one `map` run here, or on Dask's workers for a Dask DataFrame."""
    options = grid.answer_options(prepared)
    if is_dask_frame(data):
        from .batch.partitions import run_on_partitions

        if options["max_cost"] is not None and not options["force"]:
            run.check_grid_budget(prepared.jobs, grid.job_template(prepared), options)
        return run_on_partitions(
            prepared.jobs, data.npartitions, grid.job_template(prepared), options
        )
    return run.run_blocking(
        prepared.jobs, grid.job_template(prepared), options, _reporter_of(progress)
    )


def _reporter_of(progress: Any) -> Any:
    """`orj.map`'s reporter for one run; a reporter class makes a new one per run (answers,
    then judge), so that each run keeps its own summary."""
    return _reporter(progress() if isinstance(progress, type) else progress)


def _prepare(
    data: Any, template: Any, evaluation: dict[str, Any], options: dict[str, Any], repeats: int
) -> grid.Grid:
    if is_dask_frame(data):
        data = data.compute()
    return grid.prepare(
        data, template, **evaluation, schema=options["schema"], repeats=repeats, options=options
    )
