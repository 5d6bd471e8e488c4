"""`orj.evaluate`'s grid: every (row, model, repeat) as one job of a batch run, then scores.

The grid does not run anything itself. It turns the data into jobs (plain dicts:
`row`, `variant`, `repeat`) that `run.run_blocking` / `run.run_awaiting` send like
any `orj.map` rows, each job with its own model and parameters (`per_row`), so
concurrency, the shared 429 pause, the budget, the SQLite store and resume are
`map`'s. A judge is a second run over the answered cells. Then `finish` scores
every cell and makes the leaderboard (plain dicts; `render/board.py` draws it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .budget import CHARS_PER_TOKEN, DEFAULT_OUTPUT_TOKENS
from .result import RowResult, schema_fields
from .rows import is_frame, render, rows_of
from .scorers import Scorer, judge_prompt, normalise, parsed, scorers_of, verdict
from .stats import bootstrap, paired_test, percentile, wilson

__all__ = ["Evaluation", "Grid", "Variant", "finish", "judge_jobs", "prepare", "variants_of"]

ANSWERED = ("done", "incomplete")


@dataclass(frozen=True)
class Variant:
    """One column of the board: a model and its own request parameters, under a label."""

    label: str
    model: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Grid:
    """A prepared evaluation: the rows, the jobs, the scorers and the options of its runs."""

    keys: list[Any]
    rows: list[Any]
    frame: bool
    template: Any
    variants: list[Variant]
    jobs: list[dict[str, Any]]
    scorers: list[Scorer]
    expected: str | None
    schema: Any
    judge: str | None
    rubric: str | None
    repeats: int
    options: dict[str, Any]  # the batch run's (see run._options), without model


@dataclass
class Evaluation:
    """What an evaluation found: one record per cell, one leaderboard row per variant."""

    records: list[dict[str, Any]]
    leaderboard: list[dict[str, Any]]
    notes: list[str]
    score: str  # the score column the board ranks by
    labels: list[str]
    expected: str | None
    judged: bool
    repeats: int
    schema_fields: list[str] = field(default_factory=list)
    scores: list[str] = field(default_factory=list)  # every score column, the ranked one first


def variants_of(models: Any) -> list[Variant]:
    """The board's columns: ids, or (id, params) pairs; a repeated id is told apart by its params."""
    if isinstance(models, str) or not models:
        raise ValueError('models= is a list of model ids, e.g. ["openai/gpt-5-mini", "..."]')
    made = []
    for entry in models:
        if isinstance(entry, str):
            model, params = entry, {}
        elif isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], dict):
            model, params = entry
        else:
            raise ValueError(f"a model is an id or an (id, params) pair, not {entry!r}")
        made.append((model, dict(params)))
    labels = [_label(model, params) for model, params in made]
    seen: dict[str, int] = {}
    variants = []
    for (model, params), label in zip(made, labels, strict=True):
        seen[label] = seen.get(label, 0) + 1
        unique = label if labels.count(label) == 1 else f"{label} #{seen[label]}"
        variants.append(Variant(unique, model, params))
    return variants


def _label(model: str, params: dict[str, Any]) -> str:
    if not params:
        return model
    return f"{model} ({', '.join(_flat('', params))})"


def _flat(prefix: str, value: Any) -> list[str]:
    if isinstance(value, dict):
        return [part for key, inner in value.items() for part in _flat(f"{prefix}{key}.", inner)]
    return [f"{prefix.rstrip('.')}={value}"]


def prepare(
    data: Any,
    template: Any,
    *,
    models: Any,
    expected: str | None,
    scorer: Any,
    judge: str | None,
    rubric: str | None,
    schema: Any,
    repeats: int,
    options: dict[str, Any],
) -> Grid:
    """Check the arguments and lay out the jobs, before anything is sent."""
    variants = variants_of(models)
    keys, rows = rows_of(data)
    if not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a positive integer, not {repeats!r}")
    if expected is not None:
        missing = [key for key, row in zip(keys, rows, strict=True) if not _has(row, expected)]
        if missing:
            raise ValueError(f"expected={expected!r}: rows {missing[:5]!r} have no such field")
    if scorer is None and judge is None:
        scorer = "exact" if expected is not None else None
    scorers = scorers_of(scorer, expected, schema)
    if not scorers and judge is None:
        raise ValueError("nothing to score with: pass expected= (and a scorer), or judge=")
    if judge is not None and not isinstance(judge, str):
        raise ValueError(f"judge= is a model id, not {judge!r}")
    if schema is not None:  # asked for, and parsed when scoring: a misfit is scored, not failed
        from ..chat.structured import text_format  # pydantic: loaded only with a schema

        options["params"] = {"text": text_format(schema), **options["params"]}
    options["schema"] = None
    jobs = [
        {"row": position, "variant": variant.label, "repeat": repeat}
        for variant in variants
        for position in range(len(rows))
        for repeat in range(repeats)
    ]
    return Grid(
        keys,
        rows,
        is_frame(data),
        template,
        variants,
        jobs,
        scorers,
        expected,
        schema,
        judge,
        rubric,
        repeats,
        options,
    )


def _has(row: Any, name: str) -> bool:
    return isinstance(row, dict) and name in row


def answer_options(grid: Grid) -> dict[str, Any]:
    """The batch options of the answers' run: each job its variant's model and parameters."""
    by_label = {variant.label: variant for variant in grid.variants}

    def per_row(job: dict[str, Any]) -> dict[str, Any]:
        variant = by_label[job["variant"]]
        # A repeat is its own request (not a twin answered once): its number is in metadata.
        again = {"metadata": {"orj_repeat": str(job["repeat"])}} if job["repeat"] else {}
        return {"model": variant.model, **variant.params, **again}

    options = {
        **grid.options,
        "model": None,
        "per_row": per_row,
        "group_by": "variant",
        "name": "orj.evaluate",
    }
    if grid.judge is not None:
        options["also_priced"] = lambda bodies: _judge_estimate(grid, bodies)
    return options


def job_template(grid: Grid) -> Any:
    """The template of the answers' run: the user's, filled in from the job's row."""

    def fill(job: dict[str, Any]) -> Any:
        position = job["row"]
        return render(grid.template, grid.rows[position], grid.keys[position])

    return fill


def _judge_estimate(grid: Grid, bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bodies as long as the judge's would be, one per answer to come (for the budget)."""
    made = []
    for body in bodies:
        answer_chars = (body.get("max_output_tokens") or DEFAULT_OUTPUT_TOKENS) * CHARS_PER_TOKEN
        prompt = judge_prompt(str(body.get("input")), "x" * 40, "x" * answer_chars, grid.rubric)
        made.append({"model": grid.judge, "input": prompt})
    return made


def judge_jobs(grid: Grid, answers: list[RowResult]) -> list[dict[str, Any]]:
    """One judge job per answered cell (its position among the jobs); none when there is no
    judge, when the answers' run was stopped (Stop, an interrupt) or spent the budget."""
    stopped = any(r.status == "cancelled" or r.error == "stopped" for r in answers)
    spent = sum(result.cost for result in answers)
    budget = grid.options["max_cost"]
    if grid.judge is None or stopped or (budget is not None and spent >= budget):
        return []
    return [
        {"cell": position} for position, result in enumerate(answers) if result.status in ANSWERED
    ]


def judge_options(grid: Grid, spent: float) -> dict[str, Any]:
    """The batch options of the judge's run: the judge model only, the rest of the budget."""
    options = {
        **grid.options,
        "model": grid.judge,
        "schema": None,
        "instructions": None,
        "tools": None,
        "reasoning": None,
        "params": {},
        "force": True,  # the estimate before the answers included the judge
        "name": "orj.evaluate (judge)",
    }
    if options["max_cost"] is not None:
        options["max_cost"] = max(options["max_cost"] - spent, 0.0)
    return options


def judge_template(grid: Grid, answers: list[RowResult]) -> Any:
    """The judge's prompt for one cell: the row, the expected value and the answer only."""

    def fill(job: dict[str, Any]) -> str:
        cell = grid.jobs[job["cell"]]
        row = grid.rows[cell["row"]]
        expected = row[grid.expected] if grid.expected is not None else None
        return judge_prompt(row, expected, answers[job["cell"]].output, grid.rubric)

    return fill


def finish(
    grid: Grid,
    answers: list[RowResult],
    judged: list[tuple[dict[str, Any], RowResult]] | None,
) -> Evaluation:
    """Score every cell and make the leaderboard."""
    verdicts = {job["cell"]: result for job, result in judged or []}
    names = [scorer.name for scorer in grid.scorers] + (["judge"] if grid.judge else [])
    fields_ = schema_fields(grid.schema) if grid.schema is not None else []
    records = [
        _record(grid, job, result, verdicts.get(position), fields_)
        for position, (job, result) in enumerate(zip(grid.jobs, answers, strict=True))
    ]
    score = names[0]
    leaderboard = [_standing(grid, variant.label, records, names) for variant in grid.variants]
    leaderboard.sort(
        key=lambda entry: -1 if entry["score"] is None else entry["score"], reverse=True
    )
    _mark(leaderboard)
    return Evaluation(
        records=records,
        leaderboard=leaderboard,
        notes=_notes(grid, leaderboard, records, score),
        score=score,
        labels=[variant.label for variant in grid.variants],
        expected=grid.expected,
        judged=grid.judge is not None,
        repeats=grid.repeats,
        schema_fields=fields_,
        scores=names,
    )


def _record(
    grid: Grid,
    job: dict[str, Any],
    result: RowResult,
    judgment: RowResult | None,
    fields_: list[str],
) -> dict[str, Any]:
    row = grid.rows[job["row"]]
    expected = row[grid.expected] if grid.expected is not None else None
    answered = result.status in ANSWERED
    output: Any = result.output
    record: dict[str, Any] = {"row": grid.keys[job["row"]], "model": job["variant"]}
    if grid.repeats > 1:
        record["repeat"] = job["repeat"]
    if fields_:
        value = parsed(output, grid.schema) if answered else None
        plain = value.model_dump() if hasattr(value, "model_dump") else value
        for name in fields_:
            record[name] = plain.get(name) if isinstance(plain, dict) else None
    record["output"] = output
    if grid.expected is not None:
        record["expected"] = expected
    error = result.error
    for scorer in grid.scorers:
        value = None
        if answered:
            try:
                value = scorer.score(output or "", row, expected)
            except Exception as exc:  # a user's scorer: its error is the cell's, not the run's
                error = error or f"scorer {scorer.name}: {type(exc).__name__}: {exc}"
        record[scorer.name] = value
    judge_cost = 0.0
    if grid.judge is not None:
        record["judge"] = None
        if judgment is not None:
            judge_cost = judgment.cost
            if judgment.status in ANSWERED:
                record["judge"] = verdict(judgment.output)
            if record["judge"] is None:
                why = judgment.error or f"unreadable verdict {str(judgment.output)[:60]!r}"
                error = error or f"judge: {why}"
        elif answered:
            error = error or "judge: not run"
    record.update(
        status=result.status,
        error=error,
        cost=result.cost,
        **({"judge_cost": judge_cost} if grid.judge is not None else {}),
        input_tokens=result.input_tokens,
        output_tokens=result.output_tokens,
        reasoning_tokens=result.reasoning_tokens,
        seconds=result.seconds,
        cached=result.cached,
    )
    return record


def _standing(
    grid: Grid, label: str, records: list[dict[str, Any]], names: list[str]
) -> dict[str, Any]:
    """One leaderboard row: the first score's mean and interval, cost, speed."""
    mine = [record for record in records if record["model"] == label]
    score = names[0]
    per_row: dict[Any, list[float]] = {}
    for record in mine:
        if record[score] is not None:
            per_row.setdefault(record["row"], []).append(record[score])
    values = [value for scores in per_row.values() for value in scores]
    binary = all(value in (0.0, 1.0) for value in values)
    entry: dict[str, Any] = {"model": label, "score": None, "low": None, "high": None}
    if values:
        entry["score"] = sum(values) / len(values)
        if binary and grid.repeats == 1:
            entry["low"], entry["high"] = wilson(int(sum(values)), len(values))
            entry["interval"] = "Wilson"
        else:
            means = [sum(scores) / len(scores) for scores in per_row.values()]
            entry["low"], entry["high"] = bootstrap(means)
            entry["interval"] = "bootstrap"
    entry["binary"] = binary
    entry["n"] = len(values)
    entry["failed"] = sum(record["status"] in ("failed", "cancelled") for record in mine)
    entry["not_run"] = sum(record["status"] == "not run" for record in mine)
    for other in names[1:]:
        scored = [record[other] for record in mine if record[other] is not None]
        entry[other] = sum(scored) / len(scored) if scored else None
    entry["cost"] = sum(record["cost"] for record in mine)
    if grid.judge is not None:
        entry["judge_cost"] = sum(record["judge_cost"] for record in mine)
    correct = sum(values)
    entry["cost_per_correct"] = entry["cost"] / correct if correct else None
    timed = [r for r in mine if r["status"] in ANSWERED and not r["cached"] and r["seconds"] > 0]
    seconds = [record["seconds"] for record in timed]
    entry["median_s"] = percentile(seconds, 50) if seconds else None
    entry["p95_s"] = percentile(seconds, 95) if seconds else None
    tokens = sum(record["output_tokens"] for record in timed)
    entry["tokens_per_s"] = tokens / sum(seconds) if seconds and sum(seconds) else None
    return entry


def _mark(leaderboard: list[dict[str, Any]]) -> None:
    """Mark the best score, the cheapest and the fastest (among the models that answered)."""
    for entry in leaderboard:
        entry["marks"] = []
    scored = [entry for entry in leaderboard if entry["score"] is not None]
    if not scored:
        return
    _best(scored, "score", max, "best score")
    _best(scored, "cost", min, "cheapest")
    _best([e for e in scored if e["median_s"] is not None], "median_s", min, "fastest")


def _best(entries: list[dict[str, Any]], key: str, pick: Any, mark: str) -> None:
    if len(entries) < 2:
        return
    target = pick(entry[key] for entry in entries)
    winners = [entry for entry in entries if entry[key] == target]
    if len(winners) < len(entries):  # a tie for everyone marks no one
        for entry in winners:
            entry["marks"].append(mark)


def _notes(
    grid: Grid, leaderboard: list[dict[str, Any]], records: list[dict[str, Any]], score: str
) -> list[str]:
    """Which neighbours' intervals overlap, and the paired test between the top two."""
    notes = []
    ranked = [entry for entry in leaderboard if entry["score"] is not None]
    for upper, lower in zip(ranked, ranked[1:], strict=False):
        if upper["low"] <= lower["high"]:
            notes.append(
                f"{upper['model']} and {lower['model']}: the 95% intervals overlap, "
                "so the difference may be chance."
            )
    if len(ranked) >= 2:
        notes.append(_paired(records, ranked[0], ranked[1], score))
    return notes


def _paired(
    records: list[dict[str, Any]], first: dict[str, Any], second: dict[str, Any], score: str
) -> str:
    """The exact paired test of the top two on the rows both scored (McNemar for pass/fail)."""

    def by_row(label: str) -> dict[Any, float]:
        scores: dict[Any, list[float]] = {}
        for record in records:
            if record["model"] == label and record[score] is not None:
                scores.setdefault(record["row"], []).append(record[score])
        return {row: sum(values) / len(values) for row, values in scores.items()}

    a, b = by_row(first["model"]), by_row(second["model"])
    shared = [row for row in a if row in b]
    better, worse, p = paired_test([a[row] for row in shared], [b[row] for row in shared])
    test = "exact McNemar" if first["binary"] and second["binary"] else "exact sign test"
    return (
        f"{first['model']} vs {second['model']} on {len(shared)} paired rows: "
        f"{first['model']} better on {better}, {second['model']} on {worse}; {test} p = {p:.4g}."
    )


def disagreements(evaluation: Evaluation) -> list[dict[str, Any]]:
    """The rows where the models' answers differ: the row, the expected value, each answer."""
    answers: dict[Any, dict[str, Any]] = {}
    for record in evaluation.records:
        if record.get("repeat", 0) == 0:
            answers.setdefault(record["row"], {})[record["model"]] = record["output"]
    found = []
    for row, by_model in answers.items():
        said = {normalise(_text(value)) for value in by_model.values() if value is not None}
        if len(said) > 1:
            entry = {"row": row}
            if evaluation.expected is not None:
                entry["expected"] = next(
                    r["expected"] for r in evaluation.records if r["row"] == row
                )
            entry.update({label: by_model.get(label) for label in evaluation.labels})
            found.append(entry)
    return found


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
