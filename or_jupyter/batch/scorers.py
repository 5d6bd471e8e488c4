"""How `orj.evaluate` scores an answer: named scorers, callables, and an LLM judge's verdict.

A scorer turns (answer, row, expected value) into a score: 1.0 / 0.0 for pass/fail,
any float for a graded score, None when it cannot score (the cell stays unscored,
never wrong). Names: `exact` (equal once case, spaces and surrounding punctuation
are set aside), `contains`, `regex:PATTERN` (the pattern found in the answer),
`number` or `number:TOLERANCE` (the first number in the answer within TOLERANCE of
the expected one, default 1e-6), `json` (the answer is JSON, valid against the
schema when there is one); or a callable `(output, row) -> bool | float`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "JUDGE_RUBRIC",
    "Scorer",
    "judge_prompt",
    "normalise",
    "scorers_of",
    "verdict",
]

VALID = "exact, contains, regex:PATTERN, number[:TOLERANCE], json or a callable (output, row)"
JUDGE_RUBRIC = "The answer is correct when it gives the expected answer (wording aside)."
_NUMBER = re.compile(r"[-+]?(?:\d+(?:[.,]\d+)*(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass(frozen=True)
class Scorer:
    """A named score column: `score(output, row, expected)` -> float or None."""

    name: str
    score: Callable[[Any, Any, Any], float | None]
    needs_expected: bool = False


def normalise(value: Any) -> str:
    """Lower case, single spaces, no surrounding punctuation: how `exact` compares."""
    return " ".join(str(value).lower().split()).strip(" .,;:!?\"'`")


def scorers_of(scorer: Any, expected: str | None, schema: Any) -> list[Scorer]:
    """The scorers asked for (a name, a callable, or a list of them), checked."""
    chosen = scorer if isinstance(scorer, (list, tuple)) else [scorer]
    made = [_scorer(one, schema) for one in chosen if one is not None]
    names = [one.name for one in made]
    if len(set(names)) < len(names):
        raise ValueError(f"two scorers share a name ({', '.join(names)}): name your callables")
    if expected is None and any(one.needs_expected for one in made):
        needing = ", ".join(one.name for one in made if one.needs_expected)
        raise ValueError(f"the {needing} scorer compares with the expected value: pass expected=")
    return made


def _scorer(spec: Any, schema: Any) -> Scorer:
    if callable(spec):
        name = getattr(spec, "__name__", "score")
        return Scorer("score" if name == "<lambda>" else name, _called(spec))
    if not isinstance(spec, str):
        raise ValueError(f"scorer must be {VALID}, not {spec!r}")
    kind, _, argument = spec.partition(":")
    if kind == "exact" and not argument:
        return Scorer(
            "exact", lambda out, row, want: float(normalise(out) == normalise(want)), True
        )
    if kind == "contains" and not argument:
        return Scorer(
            "contains", lambda out, row, want: float(normalise(want) in normalise(out)), True
        )
    if kind == "regex" and argument:
        try:
            pattern = re.compile(argument)
        except re.error as exc:
            raise ValueError(f"scorer {spec!r}: not a regular expression ({exc})") from None
        return Scorer("regex", lambda out, row, want: float(bool(pattern.search(str(out)))))
    if kind == "number":
        try:
            tolerance = float(argument) if argument else 1e-6
        except ValueError:
            raise ValueError(f"scorer {spec!r}: the tolerance is not a number") from None
        return Scorer("number", lambda out, row, want: _same_number(out, want, tolerance), True)
    if kind == "json" and not argument:
        return Scorer("json", lambda out, row, want: _valid_json(out, schema))
    raise ValueError(f"scorer must be {VALID}, not {spec!r}")


def _called(function: Callable[[Any, Any], Any]) -> Callable[[Any, Any, Any], float | None]:
    def score(output: Any, row: Any, expected: Any) -> float | None:
        value = function(output, row)
        return None if value is None else float(value)

    return score


def _same_number(output: Any, expected: Any, tolerance: float) -> float:
    match = _NUMBER.search(str(output))
    try:
        want = float(str(expected).replace(",", ""))
    except ValueError:
        return 0.0
    if match is None:
        return 0.0
    got = float(match.group(0).replace(",", ""))
    return float(abs(got - want) <= tolerance)


def _valid_json(output: Any, schema: Any) -> float:
    if not isinstance(output, str):  # already parsed (a schema was given and it fitted)
        return 1.0
    if schema is None:
        try:
            json.loads(output)
        except ValueError:
            return 0.0
        return 1.0
    return float(parsed(output, schema) is not None)


def parsed(output: str, schema: Any) -> Any:
    """The answer parsed and checked against `schema`, or None when it does not fit."""
    from ..chat.structured import parse_structured  # pydantic: loaded only with a schema

    try:
        value = parse_structured(output or "", schema)
        if isinstance(schema, dict):
            import jsonschema

            jsonschema.validate(value, schema)
    except Exception:  # a parse error, a pydantic ValidationError or a jsonschema one
        return None
    return value


def judge_prompt(row: Any, expected: Any, answer: Any, rubric: str | None) -> str:
    """What the judge reads: the rubric, the row, the expected value and one answer.

    Never the model's name, nor the other models' answers.
    """
    shown = row if isinstance(row, str) else json.dumps(row, ensure_ascii=False, default=str)
    lines = [
        "You grade one answer. Reply PASS or FAIL on the first line, then one sentence why.",
        f"Rubric: {rubric or JUDGE_RUBRIC}",
        f"Row: {shown}",
    ]
    if expected is not None:
        lines.append(f"Expected answer: {expected}")
    answer_text = answer if isinstance(answer, str) else json.dumps(answer, default=str)
    lines.append(f"Answer: {answer_text}")
    return "\n".join(lines)


def verdict(text: Any) -> float | None:
    """The judge's score: PASS 1.0, FAIL 0.0, or a number from 0 to 1 first; else None."""
    words = str(text or "").strip().split()
    if not words:
        return None
    first = words[0].strip("*:.,").upper()
    if first in ("PASS", "FAIL"):
        return 1.0 if first == "PASS" else 0.0
    try:
        value = float(first)
    except ValueError:
        return None
    return value if 0.0 <= value <= 1.0 else None
