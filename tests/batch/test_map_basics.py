"""orj.map over real HTTP: order, result shapes, concurrency bound, failures recorded."""

from __future__ import annotations

import random

import pydantic
import pytest
from helpers.lazy import lazy_module
from helpers.row_server import COST, Scripted

import or_jupyter as orj
from or_jupyter.batch import TemplateError

pd = lazy_module("pandas")


def test_rows_come_back_in_input_order_whatever_the_completion_order(rows, client):
    rng = random.Random(7)
    delays = {f"row {i}": rng.uniform(0, 0.05) for i in range(40)}
    rows.delay = lambda text: delays[text]
    out = orj.map([f"row {i}" for i in range(40)], "{}", client=client, progress=False)
    assert [r.output for r in out] == [f"answer: row {i}" for i in range(40)]
    assert rows.completed != [f"row {i}" for i in range(40)]  # they did finish out of order
    assert all(r.status == "done" and r.cost == COST for r in out)


def test_a_dataframe_gives_a_frame_on_the_same_index_with_the_usage_columns(rows, client):
    df = pd.DataFrame({"text": ["good", "bad", "meh"]}, index=["a", "b", "c"])
    out = orj.map(df, "Review: {text}", client=client, progress=False)
    assert list(out.index) == ["a", "b", "c"]
    assert list(out.columns) == [
        "output", "status", "error", "cost", "input_tokens", "output_tokens", "reasoning_tokens",
        "seconds", "cached",
    ]  # fmt: skip
    assert out.loc["b", "output"] == "answer: Review: bad"
    assert out["input_tokens"].tolist() == [10, 10, 10]
    assert df.join(out).loc["c", "text"] == "meh"


def test_list_of_dicts_and_item_placeholder_and_callable_template(rows, client):
    out = orj.map([{"a": 1, "b": "x"}], "{a:03d}-{b}", client=client, progress=False)
    assert out[0].output == "answer: 001-x"
    out = orj.map(["p"], "say {item} {{literally}}", client=client, progress=False)
    assert out[0].output == "answer: say p {literally}"
    out = orj.map([{"n": 2}], lambda row: f"twice {row['n'] * 2}", client=client, progress=False)
    assert out[0].output == "answer: twice 4"


def test_a_template_naming_a_missing_field_fails_before_anything_is_sent(rows, client):
    with pytest.raises(TemplateError, match="no field 'txt'"):
        orj.map([{"text": "a"}], "{txt}", client=client, progress=False)
    assert rows.arrivals == []


class Sentiment(pydantic.BaseModel):
    label: str
    score: float


def test_a_schema_gives_one_column_per_field_parsed_and_validated(rows, client):
    answers = {"ok": '{"label": "positive", "score": 0.9}', "bad": '{"label": "x"}'}
    rows.answer_for = lambda text: answers[text]
    df = pd.DataFrame({"t": ["ok", "bad"]})
    out = orj.map(df, "{t}", schema=Sentiment, client=client, progress=False)
    assert list(out.columns[:2]) == ["label", "score"]
    assert out.loc[0, "label"] == "positive" and out.loc[0, "score"] == 0.9
    assert out.loc[1, "status"] == "failed" and "does not fit the schema" in out.loc[1, "error"]
    assert rows.bodies[0]["text"]["format"]["type"] == "json_schema"


def test_at_most_concurrency_requests_are_ever_in_flight(rows, client):
    rows.delay = lambda text: 0.05
    orj.map([f"r{i}" for i in range(30)], "{}", client=client, concurrency=4, progress=False)
    assert rows.max_in_flight == 4  # reached, never exceeded
    assert len(rows.arrivals) == 30


@pytest.mark.slow
def test_a_row_that_keeps_failing_is_recorded_and_the_run_goes_on(rows, client):
    rows.script["r1"] = [Scripted(500)] * 2  # retried: succeeds on the third try
    rows.script["r2"] = [Scripted(503)] * 10  # more than retries=1 allows
    rows.script["r3"] = [Scripted(400)]  # not retryable: one try
    out = orj.map(["r0", "r1", "r2", "r3", "r4"], "{}", client=client, retries=2, progress=False)
    assert [r.status for r in out] == ["done", "done", "failed", "failed", "done"]
    assert "ServerError" in out[2].error and "BadRequestError" in out[3].error
    assert rows.inputs().count("r2") == 3 and rows.inputs().count("r3") == 1


def test_identical_rows_are_sent_once_and_the_twins_are_free(rows, client):
    out = orj.map(["same", "other", "same"], "{}", client=client, progress=False)
    assert sorted(rows.inputs()) == ["other", "same"]
    assert [r.output for r in out] == ["answer: same", "answer: other", "answer: same"]
    assert [r.cached for r in out] == [False, False, True]
    assert out[2].cost == 0.0


@pytest.mark.anyio
async def test_amap_runs_on_the_running_loop(rows, client):
    out = await orj.amap(["a", "b"], "{}", client=client, progress=False)
    assert [r.output for r in out] == ["answer: a", "answer: b"]


def test_a_dict_schema_is_validated_too(rows, client):
    schema = {
        "type": "object",
        "properties": {"n": {"type": "integer"}},
        "required": ["n"],
        "additionalProperties": False,
    }
    rows.answer_for = lambda text: '{"n": 3}' if text == "good" else '{"n": "three"}'
    out = orj.map(["good", "bad"], "{}", schema=schema, client=client, progress=False)
    assert out[0].output == {"n": 3} and out[0].status == "done"
    assert out[1].status == "failed" and "'three' is not of type 'integer'" in out[1].error


def test_without_a_key_the_run_raises_before_sending_anything(rows, monkeypatch):
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    monkeypatch.delenv("OR_JUPYTER_OFFLINE", raising=False)
    keyless = orj.Client(base_url=rows.base_url)
    with pytest.raises(orj.MissingAPIKeyError):
        orj.map(["a", "b", "c"], "{}", client=keyless, progress=False)
    assert rows.arrivals == []


def test_an_input_the_request_cannot_carry_fails_its_row_only(rows, client):
    out = orj.map([{"x": 1}, {"x": 2}], lambda row: {"a set"} if row["x"] == 1 else "fine",
                  client=client, progress=False)  # fmt: skip
    assert out[0].status == "failed" and "TypeError" in out[0].error
    assert rows.inputs() == ["fine"]
    assert out[1].output == "answer: fine"


def test_no_rows_give_an_empty_frame_with_the_columns(rows, client):
    out = orj.map(pd.DataFrame({"t": []}), "{t}", client=client, progress=False)
    assert len(out) == 0 and "status" in out.columns
