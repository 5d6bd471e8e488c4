"""The statistics and scorers of orj.evaluate, by value (pure functions, no server)."""

from __future__ import annotations

import pytest

from or_jupyter.batch import scorers, stats
from or_jupyter.render.charts import pareto


@pytest.mark.parametrize(
    ("passed", "n", "low", "high"),
    [
        (5, 10, 0.2366, 0.7634),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (19, 20, 0.7639, 0.9911),
    ],
)
def test_wilson_intervals_match_the_textbook_values(passed, n, low, high):
    got = stats.wilson(passed, n)
    assert (round(got[0], 4), round(got[1], 4)) == (low, high)


def test_exact_mcnemar_counts_only_the_discordant_pairs():
    # 6 rows where only the first is right, none the other way: p = 2 * (1/2)^6
    first = [1.0] * 6 + [1.0, 0.0, 1.0]
    second = [0.0] * 6 + [1.0, 0.0, 1.0]
    assert stats.paired_test(first, second) == (6, 0, 0.03125)
    assert stats.paired_test([1.0, 0.0], [0.0, 1.0]) == (1, 1, 1.0)
    assert stats.paired_test([1.0], [1.0]) == (0, 0, 1.0)


def test_the_bootstrap_is_seeded_and_brackets_the_mean():
    values = [0.2, 0.9, 0.4, 0.7, 0.5, 0.8, 0.1, 0.6]
    low, high = stats.bootstrap(values)
    assert stats.bootstrap(values) == (low, high)  # the same data, the same interval
    assert low < sum(values) / len(values) < high
    assert low >= 0.1 and high <= 0.9
    assert stats.bootstrap([1.0, 1.0, 1.0]) == (1.0, 1.0)


def test_nearest_rank_percentiles():
    values = list(range(1, 21))
    assert (stats.percentile(values, 50), stats.percentile(values, 95)) == (10, 19)
    assert stats.percentile([3.0], 95) == 3.0


def _score(name, output, expected=None, schema=None):
    (scorer,) = scorers.scorers_of(name, "label" if expected is not None else None, schema)
    return scorer.score(output, {}, expected)


@pytest.mark.parametrize(
    ("name", "output", "expected", "score"),
    [
        ("exact", "  Positive. ", "positive", 1.0),
        ("exact", "positive sentiment", "positive", 0.0),
        ("contains", "It is POSITIVE overall", "positive", 1.0),
        ("contains", "negative", "positive", 0.0),
        ("regex:^\\d{3}$", "123", None, 1.0),
        ("regex:^\\d{3}$", "1234", None, 0.0),
        ("number", "The answer is 1,250.0 units", "1250", 1.0),
        ("number", "about 12.5", "12.51", 0.0),
        ("number:0.05", "about 12.5", "12.51", 1.0),
        ("number", "none", "3", 0.0),
        ("json", '{"a": 1}', None, 1.0),
        ("json", "{'a': 1}", None, 0.0),
    ],
)
def test_named_scorers(name, output, expected, score):
    assert _score(name, output, expected) == score


def test_the_json_scorer_checks_the_schema():
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    assert _score("json", '{"n": 3}', schema=schema) == 1.0
    assert _score("json", '{"n": "three"}', schema=schema) == 0.0


def test_a_callable_scorer_is_named_after_its_function_and_may_leave_a_cell_unscored():
    def short(output, row):
        return None if output == "" else len(output) < 5

    (scorer,) = scorers.scorers_of(short, None, None)
    assert scorer.name == "short"
    assert (scorer.score("abc", {}, None), scorer.score("abcdef", {}, None)) == (1.0, 0.0)
    assert scorer.score("", {}, None) is None


def test_the_judges_verdict_is_read_from_its_first_word():
    assert scorers.verdict("PASS\nfine") == 1.0
    assert scorers.verdict("**FAIL**: wrong label") == 0.0
    assert scorers.verdict("0.75 mostly right") == 0.75
    assert scorers.verdict("I think it passes") is None
    assert scorers.verdict("") is None


def test_the_judge_prompt_holds_the_row_the_expected_value_and_the_answer_only():
    prompt = scorers.judge_prompt({"text": "nice"}, "positive", "negative", None)
    assert prompt.splitlines()[2:] == [
        'Row: {"text": "nice"}',
        "Expected answer: positive",
        "Answer: negative",
    ]


def test_the_pareto_front_keeps_the_points_nothing_beats():
    # (cost, score): the cheap weak one and the dear strong one; the middle one is beaten
    points = [(1.0, 0.5), (3.0, 0.9), (2.0, 0.4), (3.0, 0.8)]
    assert pareto(points) == [0, 1]
