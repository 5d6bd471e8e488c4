"""orj.evaluate over real HTTP: the emulator's graders and judge, and the row server (conftest)."""

from __future__ import annotations

import pytest
from helpers.row_server import Scripted

import or_jupyter as orj
from or_jupyter.emulator import grading

REVIEWS = [
    ("Arrived early and works perfectly, great value.", "positive"),
    ("Stopped charging after a week, useless.", "negative"),
    ("It is a kettle. It boils water.", "neutral"),
    ("The best headphones I have owned.", "positive"),
    ("Customer service was rude and the parcel was late.", "negative"),
    ("Fine for the price.", "positive"),
    ("The lid cracked on day two.", "negative"),
    ("Blue, as in the photo.", "neutral"),
    ("Lovely fabric and a comfortable fit.", "positive"),
    ("Terrible smell, asked for a refund.", "negative"),
    ("Delivered on Tuesday.", "neutral"),
    ("Friendly support, fast replies, happy overall.", "positive"),
    ("Noisy fan and it leaks.", "negative"),
    ("Good screen but slow to charge.", "neutral"),
    ("I would recommend it to anyone.", "positive"),
    ("A waste of money.", "negative"),
    ("The box holds twelve pieces.", "neutral"),
    ("Amazing sound, pleased with it.", "positive"),
    ("Poor battery and a broken strap.", "negative"),
    ("Comes in three sizes.", "neutral"),
]


@pytest.fixture(scope="module")
def em():
    from or_jupyter import emulator

    with emulator.start() as server:
        yield server


@pytest.fixture
def emu_client(em):
    import or_jupyter as orj

    return orj.Client(base_url=em.base_url, api_key="test-key")


@pytest.fixture
def reviews():
    """The reviews as a list of dicts (`text`, `label`)."""
    return [{"text": text, "label": label} for text, label in REVIEWS]


MODELS = ["emulator/grader-60pct", "emulator/grader-75pct", "emulator/grader-90pct"]
PROMPT = "Classify the sentiment of this review as positive, negative or neutral: {text}"


def test_the_reviews_labels_follow_the_graders_rule(reviews):
    assert [grading.label_of(row["text"]) for row in reviews] == [r["label"] for r in reviews]


def test_leaderboard_numbers_on_a_fixed_emulator_grid(reviews, emu_client):
    board = orj.evaluate(reviews, PROMPT, models=MODELS, expected="label", client=emu_client,
                         progress=False)  # fmt: skip
    rows = {entry["model"]: entry for entry in board.leaderboard}
    assert [entry["model"] for entry in board.leaderboard] == EXPECTED_ORDER
    for model, (right, low, high, cost) in EXPECTED.items():
        entry = rows[model]
        assert entry["n"] == 20 and entry["failed"] == 0
        assert entry["score"] == right / 20
        assert (round(entry["low"], 4), round(entry["high"], 4)) == (low, high)
        assert entry["interval"] == "Wilson"
        assert round(entry["cost"], 9) == cost
    assert rows[EXPECTED_ORDER[0]]["marks"][0] == "best score"
    assert "cheapest" in rows["emulator/grader-60pct"]["marks"]
    assert board.notes == EXPECTED_NOTES


EXPECTED_ORDER = ["emulator/grader-90pct", "emulator/grader-75pct", "emulator/grader-60pct"]
# right answers out of 20, the Wilson interval (19/20: 0.7639-0.9911 by hand), the cost
EXPECTED = {
    "emulator/grader-90pct": (19, 0.7639, 0.9911, 0.00454005),
    "emulator/grader-75pct": (17, 0.6396, 0.9476, 0.003152813),
    "emulator/grader-60pct": (11, 0.3421, 0.7418, 0.0020178),
}
EXPECTED_NOTES = [
    "emulator/grader-90pct and emulator/grader-75pct: the 95% intervals overlap, "
    "so the difference may be chance.",
    "emulator/grader-75pct and emulator/grader-60pct: the 95% intervals overlap, "
    "so the difference may be chance.",
    "emulator/grader-90pct vs emulator/grader-75pct on 20 paired rows: emulator/grader-90pct "
    "better on 3, emulator/grader-75pct on 1; exact McNemar p = 0.625.",  # 2 * 5/16
]


def test_results_are_one_row_per_cell_and_disagreements_name_each_models_answer(
    reviews, emu_client
):
    import pandas as pd

    df = pd.DataFrame(reviews, index=[f"r{i}" for i in range(20)])
    board = orj.evaluate(df, PROMPT, models=MODELS[1:], expected="label", client=emu_client,
                         progress=False)  # fmt: skip
    results = board.results
    assert len(results) == 40 and set(results["row"]) == set(df.index)
    assert list(results.columns[:5]) == ["row", "model", "output", "expected", "exact"]
    for column in ("status", "error", "cost", "input_tokens", "output_tokens",
                   "reasoning_tokens", "seconds", "cached"):  # fmt: skip
        assert column in results.columns
    wrong = results[results["exact"] == 0.0]
    assert (wrong["output"] != wrong["expected"]).all()
    table = board.disagreements()
    assert list(table.columns) == ["expected", *MODELS[1:]]
    for row, answers in table.iterrows():
        assert answers[MODELS[1]] != answers[MODELS[2]]
        assert answers["expected"] == df.loc[row, "label"]
    text = repr(board)
    assert text.splitlines()[0].startswith("model") and "grader-75pct" in text


def test_a_judge_grades_each_answer_and_its_cost_is_shown_apart(reviews, emu_client):
    board = orj.evaluate(reviews[:8], PROMPT, models=["emulator/grader-90pct"], expected="label",
                         scorer="exact", judge="emulator/judge", client=emu_client,
                         progress=False)  # fmt: skip
    results = board.results
    assert results["judge"].tolist() == results["exact"].tolist()  # the judge agrees here
    assert (results["judge_cost"] > 0).all()
    entry = board.leaderboard[0]
    assert entry["judge"] == entry["score"]
    assert entry["judge_cost"] == pytest.approx(results["judge_cost"].sum())
    assert entry["cost"] == pytest.approx(results["cost"].sum())  # answers only
    assert "judge cost" in repr(board)


def test_the_judge_sees_the_row_and_answer_but_no_model_name(rows, client):
    rows.answer_for = lambda text: "PASS\nfine" if text.startswith("You grade") else "positive"
    orj.evaluate([{"text": "nice", "label": "positive"}], "Say: {text}",
                 models=["test/model", "test/other"], expected="label", judge="test/judge",
                 client=client, progress=False)  # fmt: skip
    judged = [body for body in rows.bodies if body["model"] == "test/judge"]
    assert len(judged) == 1  # the two models' identical answers are judged once
    prompt = judged[0]["input"][0]["content"]
    assert "Expected answer: positive" in prompt and "Answer: positive" in prompt
    assert "test/model" not in prompt and "test/other" not in prompt


def test_resume_sends_only_the_missing_cells(rows, client, tmp_path):
    store = str(tmp_path / "eval.sqlite")
    data = [{"text": f"t{i}", "label": f"answer: t{i}"} for i in range(5)]
    first = orj.evaluate(data, "{text}", models=["m/a", "m/b"], expected="label", store=store,
                         client=client, progress=False)  # fmt: skip
    assert len(rows.bodies) == 10 and first.leaderboard[0]["score"] == 1.0
    again = orj.evaluate(data, "{text}", models=["m/a", "m/b", "m/c"], expected="label",
                         store=store, client=client, progress=False)  # fmt: skip
    assert [body["model"] for body in rows.bodies[10:]] == ["m/c"] * 5  # only the new model
    assert again.results.groupby("model")["cached"].all().to_dict() == {
        "m/a": True, "m/b": True, "m/c": False,
    }  # fmt: skip
    assert {entry["model"]: entry["n"] for entry in again.leaderboard} == {
        "m/a": 5, "m/b": 5, "m/c": 5,
    }  # fmt: skip


def test_a_grid_over_budget_is_refused_before_anything_is_sent_judge_included(rows, client):
    data = [{"text": f"t{i}", "label": "x"} for i in range(5)]
    # 5 answers are estimated at about $5.02 (500 output tokens at $0.002), their judging more
    with pytest.raises(orj.BudgetError, match=r"10 requests \(10 to test/model\) is \$\d+\.\d+, "
                       r"over max_cost=\$6\.0000; nothing was sent"):  # fmt: skip
        orj.evaluate(data, "{text}", models=["test/model"], expected="label",
                     judge="test/model", max_cost=6, client=client, progress=False)  # fmt: skip
    assert rows.bodies == []
    orj.evaluate(data, "{text}", models=["test/model"], expected="label", max_cost=6,
                 client=client, progress=False)  # fmt: skip
    assert len(rows.bodies) == 5  # without the judge the same grid fits


def test_a_model_without_a_price_is_refused_unless_forced(rows, client):
    with pytest.raises(orj.BudgetError, match="'m/unpriced' has no price"):
        orj.evaluate(["a"], "{}", models=["m/unpriced"], scorer="regex:.", max_cost=1.0,
                     client=client, progress=False)  # fmt: skip
    forced = orj.evaluate(["a"], "{}", models=["m/unpriced"], scorer="regex:.", max_cost=1.0,
                          force=True, client=client, progress=False)  # fmt: skip
    assert forced.leaderboard[0]["n"] == 1


def test_the_grid_stops_starting_cells_once_the_budget_is_spent(rows, client):
    data = [{"text": f"t{i}", "label": f"answer: t{i}"} for i in range(10)]
    board = orj.evaluate(data, "{text}", models=["m/a", "m/b"], expected="label",
                         max_cost=0.0025, force=True, concurrency=1, client=client,
                         progress=False)  # fmt: skip
    assert len(rows.bodies) == 3  # $0.001 each: the third reaches $0.0025's threshold
    results = board.results
    assert (results["status"] == "done").sum() == 3
    assert (results["status"] == "not run").sum() == 17
    assert board.leaderboard[0]["n"] + board.leaderboard[1]["n"] == 3
    assert all(entry["not_run"] for entry in board.leaderboard)


def test_a_grid_that_spent_its_budget_sends_no_judge(rows, client):
    data = [{"text": f"t{i}", "label": f"answer: t{i}"} for i in range(4)]
    board = orj.evaluate(data, "{text}", models=["m/a"], expected="label", judge="m/judge",
                         max_cost=0.0015, force=True, concurrency=1, client=client,
                         progress=False)  # fmt: skip
    assert [body["model"] for body in rows.bodies] == ["m/a", "m/a"]  # $0.002 >= $0.0015
    judged = board.results[board.results["status"] == "done"]
    assert judged["judge"].isna().all() and (judged["error"] == "judge: not run").all()


def test_failed_cells_are_counted_and_not_scored_as_wrong(rows, client):
    rows.script["t1"] = [Scripted(400)]
    data = [{"text": f"t{i}", "label": f"answer: t{i}"} for i in range(4)]
    board = orj.evaluate(data, "{text}", models=["m/a"], expected="label", client=client,
                         progress=False)  # fmt: skip
    entry = board.leaderboard[0]
    assert (entry["n"], entry["failed"], entry["score"]) == (3, 1, 1.0)
    failed = board.results[board.results["status"] == "failed"]
    assert failed["exact"].isna().all() and failed["error"].str.contains("400").all()


def test_repeats_are_distinct_requests_and_bootstrapped_over_rows(rows, client):
    data = [{"text": f"t{i}", "label": f"answer: t{i}"} for i in range(3)]
    board = orj.evaluate(data, "{text}", models=["m/a"], expected="label", repeats=2,
                         client=client, progress=False)  # fmt: skip
    assert len(rows.bodies) == 6
    marks = [str(body.get("metadata")) for body in rows.bodies]  # arrival order varies
    assert sorted(marks) == ["None"] * 3 + ["{'orj_repeat': '1'}"] * 3
    entry = board.leaderboard[0]
    assert (entry["interval"], entry["low"], entry["high"]) == ("bootstrap", 1.0, 1.0)
    assert board.results["repeat"].tolist() == [0, 1, 0, 1, 0, 1]


def test_one_model_twice_with_different_parameters_gets_two_labelled_columns(rows, client):
    board = orj.evaluate(["a"], "{}", scorer="regex:answer",
                         models=[("m/a", {"temperature": 0}), ("m/a", {"temperature": 1})],
                         client=client, progress=False)  # fmt: skip
    labels = [entry["model"] for entry in board.leaderboard]
    assert sorted(labels) == ["m/a (temperature=0)", "m/a (temperature=1)"]
    assert sorted(body["temperature"] for body in rows.bodies) == [0, 1]


def test_the_board_as_html_escapes_what_models_say(rows, client):
    rows.answer_for = lambda text: "<script>alert(1)</script>"
    board = orj.evaluate(["a", "b"], "{}", models=["m/<b>x</b>", "m/y"], scorer="regex:script",
                         client=client, progress=False)  # fmt: skip
    page = board._repr_html_()
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert '<img class="orj-board-chart"' in page and "data:image/png;base64," in page
    assert board.plot()._repr_png_().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"models": "m/a", "expected": "label"}, "models= is a list"),
        ({"models": ["m/a"]}, "nothing to score with"),
        ({"models": ["m/a"], "expected": "nope"}, "no such field"),
        ({"models": ["m/a"], "expected": "label", "scorer": "fuzzy"}, "exact, contains"),
        ({"models": ["m/a"], "scorer": "contains"}, "pass expected="),
        ({"models": ["m/a"], "expected": "label", "repeats": 0}, "repeats must be"),
    ],
)
def test_bad_arguments_are_one_clear_error_before_anything_is_sent(rows, client, arguments,
                                                                   message):  # fmt: skip
    with pytest.raises(ValueError, match=message):
        orj.evaluate([{"text": "a", "label": "b"}], "{text}", client=client, progress=False,
                     **arguments)  # fmt: skip
    assert rows.bodies == []


def test_graders_are_listed_with_prices_that_grow_with_quality(emu_client):
    listed = {m["id"]: m for m in emu_client.models() if m["id"].startswith("emulator/grader-")}
    assert sorted(listed) == MODELS
    prices = [float(listed[model]["pricing"]["prompt"]) for model in MODELS]
    assert prices == sorted(prices) and len(set(prices)) == 3
    assert "emulator/judge" in {m["id"] for m in emu_client.models()}
    with pytest.raises(orj.BadRequestError, match="grader-<P>pct"):
        emu_client.create(model="emulator/grader-101pct", input="Great.")


def test_a_schema_gives_parsed_field_columns_and_the_json_scorer_checks_them(emu_client):
    schema = {
        "type": "object",
        "properties": {"label": {"type": "string"}, "stars": {"type": "integer"}},
        "required": ["label", "stars"],
    }
    board = orj.evaluate(["Great.", "Broken."], "Rate: {}", models=["emulator/assistant"],
                         scorer="json", schema=schema, client=emu_client,
                         progress=False)  # fmt: skip
    results = board.results
    assert list(results.columns[:4]) == ["row", "model", "label", "stars"]
    assert results["json"].tolist() == [1.0, 1.0]
    assert all(isinstance(stars, int) for stars in results["stars"])
