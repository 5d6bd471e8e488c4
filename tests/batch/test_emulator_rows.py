"""orj.map against the emulator: tools per row, schemas, offline mode, pricing from /models."""

from __future__ import annotations

import pydantic
import pytest
from helpers.lazy import lazy_module

import or_jupyter as orj
from or_jupyter import emulator

pd = lazy_module("pandas")


@pytest.fixture(scope="module")
def em():
    with emulator.start() as server:
        yield server


@pytest.fixture
def emu_client(em):
    return orj.Client(base_url=em.base_url, api_key="test-key")


def test_each_row_runs_its_own_tool_loop(emu_client):
    seen = []

    @orj.tool
    def get_weather(location: str) -> str:
        """The weather in a city."""
        seen.append(location)
        return f"sunny in {location}"

    cities = ["Paris", "Oslo", "Lima"]
    out = orj.map(cities, "get_weather location={}", tools=[get_weather], client=emu_client,
                  progress=False)  # fmt: skip
    assert sorted(seen) == sorted(cities)
    for city, result in zip(cities, out, strict=True):
        assert result.status == "done" and f"sunny in {city}" in result.output
        assert result.input_tokens > 0 and result.cost > 0  # two turns summed


class Person(pydantic.BaseModel):
    name: str
    age: int


def test_schema_columns_from_the_emulators_structured_answers(emu_client):
    df = pd.DataFrame({"who": ["Ada", "Alan"], "age": [36, 41]})
    out = orj.map(df, "name={who} age={age}", schema=Person, client=emu_client, progress=False)
    assert out[["name", "age"]].to_dict("records") == [
        {"name": "Ada", "age": 36},
        {"name": "Alan", "age": 41},
    ]
    assert (out["status"] == "done").all()


def test_the_budget_estimate_uses_the_emulators_catalogue_prices(emu_client):
    prompts = ["x" * 4000] * 3  # about 1000 input tokens each
    with pytest.raises(orj.batch.BudgetError, match="openai/gpt-5-mini"):
        orj.map(prompts, "{}", model="openai/gpt-5-mini", max_cost=1e-6, client=emu_client,
                progress=False)  # fmt: skip
    out = orj.map(["2+2"], "{}", model="openai/gpt-5-mini", max_cost=1.0, client=emu_client,
                  max_output_tokens=50, progress=False)  # fmt: skip
    assert out[0].output == "`2+2` = **4**"


def test_offline_mode_needs_no_client(monkeypatch):
    monkeypatch.setenv("OR_JUPYTER_OFFLINE", "1")
    out = orj.map(["3*3"], "{}", progress=False)
    assert out[0].output == "`3*3` = **9**"


def test_offline_results_in_a_store_outlive_the_emulators_port(tmp_path):
    store = str(tmp_path / "offline.sqlite")
    with emulator.start() as first:
        client = orj.Client(offline=True)
        client.base_url = first.base_url  # as if this session's emulator had this port
        out = orj.map(["1+2", "2+3"], "{}", client=client, store=store, progress=False)
        assert [r.cached for r in out] == [False, False]
    with emulator.start() as second:  # the next session: another port
        client = orj.Client(offline=True)
        client.base_url = second.base_url
        again = orj.map(["1+2", "2+3"], "{}", client=client, store=store, progress=False)
    assert [r.cached for r in again] == [True, True]
    assert again[0].output == "`1+2` = **3**"


def test_rows_cut_short_are_incomplete_and_the_summary_counts_them(emu_client):
    import io

    out = io.StringIO()
    rows = ["Tell me about the sea", "What is 2+2?"]
    results = orj.map(rows, "{}", client=emu_client, max_output_tokens=16,
                      progress=orj.batch.TextProgress(out))  # fmt: skip
    assert [r.status for r in results] == ["incomplete", "done"]
    assert results[0].error == "incomplete: max_output_tokens" and results[0].output
    assert "orj.map: 2/2 done · 1 incomplete · $" in out.getvalue()
