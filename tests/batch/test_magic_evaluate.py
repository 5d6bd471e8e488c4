"""`%%responses --over df -m a,b,c --expect label`: an evaluation from a cell, offline."""

from __future__ import annotations

import pytest

REVIEWS = {
    "text": ["Great value, works well.", "Broken and useless.", "It is blue.", "Love it."],
    "label": ["positive", "negative", "neutral", "positive"],
}
GRADERS = "emulator/grader-60pct,emulator/grader-90pct"


def test_the_cell_evaluates_the_models_and_draws_the_leaderboard(ip):
    import pandas as pd

    ip.user_ns["df"] = pd.DataFrame(REVIEWS)
    ip.user_ns["graders"] = GRADERS.split(",")  # -m NAME: a notebook list of ids
    result = ip.run_cell(
        "%%responses --over df -m graders --expect label --judge emulator/judge --out board\n"
        "Classify the sentiment: {text}"
    )
    assert result.success, result.error_in_exec
    board = ip.user_ns["board"]
    assert sorted(entry["model"] for entry in board.leaderboard) == GRADERS.split(",")
    assert all(entry["n"] == 4 for entry in board.leaderboard)
    assert {"judge", "judge_cost"} <= set(board.results.columns)  # the judge scores alone
    texts = [o.get("text/plain", "") for o in ip.publisher.outputs()]
    assert any(t.startswith("orj.evaluate: 8/8 done") for t in texts)
    assert any(t.startswith("orj.evaluate (judge): 8/8 done") for t in texts)
    assert any(t.startswith("model") and "judge (95% CI)" in t for t in texts)  # the board
    pages = [o.get("text/html", "") for o in ip.publisher.outputs()]
    assert any('<div class="orj-board">' in p and "data:image/png;base64," in p for p in pages)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("--scorer fuzzy --expect label", "--scorer must be one of exact, contains, number"),
        ("--expect nope", "--expect nope: the rows have no such field (they have text, label)"),
        ("--scorer exact", "--scorer compares with the expected answer: add --expect FIELD"),
        ("", "several models over rows are an evaluation: add --expect FIELD or --judge MODEL"),
    ],
)
def test_bad_options_are_one_line_usage_errors(ip, options, message):
    import pandas as pd

    ip.user_ns["df"] = pd.DataFrame(REVIEWS)
    result = ip.run_cell(f"%%responses --over df -m {GRADERS} {options}\n{{text}}")
    assert not result.success
    assert type(result.error_in_exec).__name__ == "UsageError"
    assert str(result.error_in_exec) == message or message in str(result.error_in_exec)
    assert "\n" not in str(result.error_in_exec)
