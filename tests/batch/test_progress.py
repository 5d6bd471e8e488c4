"""The progress of a run: its figures and text, the terminal line, the notebook display."""

from __future__ import annotations

import asyncio
import io

import pytest
from helpers.display_capture import shell_with_capture

import or_jupyter as orj
from or_jupyter.batch import Tally, TextProgress, line, summary
from or_jupyter.notebook.progress import NotebookProgress

WIDGET = "application/vnd.jupyter.widget-view+json"


def test_the_line_has_counts_rate_eta_and_projected_cost():
    tally = Tally(total=100, done=40, failed=2, running=8, cost=0.42, started=0.0, ended=10.0)
    text = line(tally)
    assert text.startswith("40/100 done · 2 failed · 8 running · 4.2 rows/s · ETA 14s · $0.4200")
    assert "(projected $1.0000)" in text


def test_the_summary_says_what_did_not_finish_and_why():
    tally = Tally(total=10, done=6, cached=2, cost=0.1, started=0.0, ended=75.0, stopped="stopped")
    assert summary(tally) == (
        "orj.map: 6/10 done · 2 from store or cache · 4 not finished · $0.1000 · in 1m15s "
        "(stopped: stopped)"
    )


def test_in_a_terminal_the_line_is_rewritten_then_the_summary_stays(rows, client):
    out = io.StringIO()
    orj.map(["a", "b"], "{}", client=client, progress=TextProgress(out))
    text = out.getvalue()
    assert text.endswith("orj.map: 2/2 done · $0.0020 · in 0s".ljust(100) + "\n")
    assert "\n" not in text[:-1]  # one line, rewritten with \r


def test_in_a_notebook_one_display_is_updated_and_ends_as_the_summary(rows, client):
    shell, published = shell_with_capture()
    rows.delay = lambda text: 0.1
    orj.map([f"r{i}" for i in range(12)], "{}", client=client, concurrency=2,
            progress=NotebookProgress())  # fmt: skip
    outputs = published.outputs()
    texts = [o.get("text/plain", "") for o in outputs if "text/plain" in o and WIDGET not in o]
    assert texts[-1].startswith("orj.map: 12/12 done")
    summaries = [o for o in outputs if "orj.map:" in o.get("text/html", "")]
    assert len(summaries) == 1 and "<progress" not in summaries[0]["text/html"]
    assert not [o for o in outputs if WIDGET in o]  # the Stop button is gone
    updates = [m for m in published.messages if m.update]
    elapsed = published.messages[-1].at - published.messages[0].at
    assert len(updates) <= 5 * elapsed + 3  # at most 5 updates a second


@pytest.mark.anyio
async def test_the_stop_button_stops_the_run(rows, client):
    from ipywidgets.widgets.widget import _instances

    shell, published = shell_with_capture()
    rows.delay = lambda text: 5.0 if text == "slow" else 0.0
    task = asyncio.create_task(
        orj.amap(
            ["a", "slow", "b"], "{}", client=client, concurrency=1, progress=NotebookProgress()
        )  # fmt: skip
    )
    while "slow" not in rows.inputs():
        await asyncio.sleep(0.02)
    (shown,) = [m.data[WIDGET] for m in published.messages if WIDGET in m.data]
    button = _instances[shown["model_id"]]
    assert button.description == "Stop"
    button.click()
    out = await asyncio.wait_for(task, 30)  # unstopped, the slow row would end "done" in 5 s
    assert [r.status for r in out] == ["done", "cancelled", "not run"]
    assert rows.inputs() == ["a", "slow"]


def test_incomplete_and_failed_rows_are_named_in_the_line_and_the_summary():
    tally = Tally(total=5, done=4, incomplete=1, failed=1, cost=0.0, started=0.0, ended=1.0)
    assert "4/5 done · 1 incomplete · 1 failed · 0 running" in line(tally)
    assert summary(tally).startswith("orj.map: 4/5 done · 1 incomplete · 1 failed · $0.0000")
