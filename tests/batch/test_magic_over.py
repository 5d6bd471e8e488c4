"""`%%responses --over df --out results` in a real IPython shell, offline (the emulator)."""

from __future__ import annotations

import pydantic
import pytest
from helpers.lazy import lazy_module

pd = lazy_module("pandas")


def test_the_cell_runs_once_per_row_into_out_with_the_summary_shown(ip):
    ip.user_ns["df"] = pd.DataFrame({"sum": ["1+1", "2*5"]}, index=["a", "b"])
    ip.user_ns["sum"] = "a notebook variable the row field wins over"
    result = ip.run_cell("%%responses --over df --out results\nWhat is {sum}?")
    assert result.success, result.error_in_exec
    results = ip.user_ns["results"]
    assert list(results.index) == ["a", "b"]
    assert results.loc["b", "output"] == "`2*5` = **10**"
    texts = [o.get("text/plain", "") for o in ip.publisher.outputs()]
    assert any(t.startswith("orj.map: 2/2 done") for t in texts)


class Person(pydantic.BaseModel):
    name: str


def test_schema_and_model_options_apply_to_every_row(ip):
    ip.user_ns["names"] = ["Ada", "Alan"]
    ip.user_ns["Person"] = Person
    result = ip.run_cell(
        "%%responses --over names --out people --schema Person -m openai/gpt-5-mini\nname={}"
    )
    assert result.success, result.error_in_exec
    assert [r.output.name for r in ip.user_ns["people"]] == ["Ada", "Alan"]


def test_a_missing_field_is_a_one_line_usage_error(ip, capsys):
    ip.user_ns["df"] = pd.DataFrame({"text": ["x"]})
    result = ip.run_cell("%%responses --over df\n{txt}")
    assert not result.success
    assert "UsageError" in type(result.error_in_exec).__name__
    assert "no field 'txt'" in str(result.error_in_exec)


@pytest.mark.anyio
async def test_the_awaiting_cell_magic_runs_over_rows_too(ip):
    ip.user_ns["items"] = ["3*3", "4*4"]
    magics = ip.magics_manager.registry["Responses"]
    await magics.responses_async("--over items --out squares", "{}")
    assert [r.output for r in ip.user_ns["squares"]] == ["`3*3` = **9**", "`4*4` = **16**"]
