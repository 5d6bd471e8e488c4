"""The SQLite store (resume, cache, no key), the budget, and stopping mid-run."""

from __future__ import annotations

import _thread
import asyncio
import threading

import pytest
from helpers.row_server import KEY, Scripted

import or_jupyter as orj
from or_jupyter.batch import BudgetError, Control

ROWS = [f"r{i}" for i in range(6)]


def test_a_rerun_with_a_store_sends_only_the_rows_not_yet_done(rows, client, tmp_path):
    store = tmp_path / "runs.sqlite"
    rows.script["r3"] = [Scripted(400)]
    first = orj.map(ROWS, "{}", client=client, store=str(store), progress=False)
    assert [r.status for r in first].count("failed") == 1
    assert len(rows.arrivals) == 6
    rows.arrivals.clear()
    second = orj.map(ROWS, "{}", client=client, store=str(store), progress=False)
    assert rows.inputs() == ["r3"]  # the failed row only
    assert [r.status for r in second] == ["done"] * 6
    assert [r.cached for r in second] == [True, True, True, False, True, True]
    assert second[0].output == "answer: r0"
    rows.arrivals.clear()
    orj.map(ROWS[::-1], "{}", client=client, store=str(store), progress=False)
    assert rows.arrivals == []  # a cache: the same requests are never paid twice


def test_the_api_key_is_never_written_to_the_store(rows, client, tmp_path):
    store = tmp_path / "runs.sqlite"
    orj.map(ROWS, "{}", client=client, store=str(store), progress=False)
    assert rows.headers[0]["Authorization"] == f"Bearer {KEY}"  # it was sent, as it should
    files = list(tmp_path.iterdir())
    assert files
    for path in files:
        assert KEY.encode() not in path.read_bytes()


def test_a_run_estimated_over_max_cost_is_refused_before_sending(rows, client):
    with pytest.raises(BudgetError, match=r"estimated cost .* over max_cost=\$0\.0100"):
        orj.map(ROWS, "{}", client=client, model="test/model", max_cost=0.01, progress=False)
    assert rows.arrivals == []


def test_an_unknown_price_refuses_too_and_force_runs_anyway(rows, client):
    with pytest.raises(BudgetError, match="no price"):
        orj.map(ROWS, "{}", client=client, model="no/such", max_cost=5, progress=False)
    out = orj.map(
        ROWS, "{}", client=client, model="no/such", max_cost=5, force=True, progress=False
    )
    assert [r.status for r in out] == ["done"] * 6


def test_the_run_stops_starting_rows_once_the_actual_cost_reaches_max_cost(rows, client):
    out = orj.map(
        [f"r{i}" for i in range(10)], "{}", client=client, max_cost=0.0035, force=True,
        concurrency=1, progress=False,
    )  # fmt: skip
    assert [r.status for r in out] == ["done"] * 4 + ["not run"] * 6
    assert "max_cost" in out[9].error
    assert len(rows.arrivals) == 4


def _slow_rows(rows) -> list[str]:
    rows.delay = lambda text: 5.0 if text.startswith("slow") else 0.0
    return ["fast0", "fast1", "slow0", "fast2", "slow1", "fast3", "fast4", "fast5"]


@pytest.mark.anyio
async def test_cancelling_the_task_returns_the_finished_rows_then_a_rerun_sends_the_rest(
    rows, client, tmp_path
):
    data, store = _slow_rows(rows), str(tmp_path / "s.sqlite")
    task = asyncio.create_task(
        orj.amap(data, "{}", client=client, concurrency=3, store=store, progress=False)
    )
    while len(rows.completed) < 6:  # every fast row answered, both slow ones hanging
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)  # and read by the client
    task.cancel()
    out = await asyncio.wait_for(task, 30)  # unstopped, the slow row would end "done" in 5 s
    assert [r.status for r in out] == [
        "done", "done", "cancelled", "done", "cancelled", "done", "done", "done"
    ]  # fmt: skip
    rows.delay = lambda text: 0.0
    rows.arrivals.clear()
    again = await orj.amap(data, "{}", client=client, store=store, progress=False)
    assert sorted(rows.inputs()) == ["slow0", "slow1"]
    assert all(r.status == "done" for r in again)


@pytest.mark.anyio
async def test_stop_from_another_thread_cancels_in_flight_and_starts_nothing_more(rows, client):
    rows.delay = lambda text: 5.0 if text == "slow" else 0.0
    data = ["a", "slow", "b", "c", "d"]
    control = Control()
    task = asyncio.create_task(
        orj.amap(data, "{}", client=client, concurrency=1, control=control, progress=False)
    )
    while "slow" not in rows.inputs():
        await asyncio.sleep(0.02)
    threading.Timer(0.05, control.stop).start()
    out = await asyncio.wait_for(task, 30)  # unstopped, the slow row would end "done" in 5 s
    assert [r.status for r in out] == ["done", "cancelled", "not run", "not run", "not run"]
    assert out[3].error == "stopped"
    assert rows.inputs() == ["a", "slow"]


def test_an_interrupt_during_map_returns_what_finished(rows, client):
    data = _slow_rows(rows)
    timer = threading.Timer(0.8, _thread.interrupt_main)
    timer.start()
    out = orj.map(data, "{}", client=client, concurrency=3, progress=False)
    assert [r.status for r in out].count("done") == 6
    assert out[2].status == "cancelled" and out[4].status == "cancelled"
