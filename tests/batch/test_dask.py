"""`orj.map` over a Dask DataFrame: lazy, partitions mapped on worker processes, no key in the graph.

Needs the `dask` extra (`pip install -e .[dask]`).
"""

from __future__ import annotations

import pytest
from helpers.lazy import lazy_module
from helpers.row_server import KEY

import or_jupyter as orj
from or_jupyter import emulator

pd = lazy_module("pandas")


@pytest.fixture
def env_emulator(monkeypatch):
    with emulator.start() as server:
        monkeypatch.delenv("OR_JUPYTER_OFFLINE", raising=False)
        monkeypatch.setenv("OPENROUTER_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENROUTER_API_KEY", KEY)  # what workers read: not the graph
        yield server


@pytest.fixture
def dd():
    """dask.dataframe, loaded by these tests only (it takes seconds to import)."""
    import dask.dataframe

    return dask.dataframe


@pytest.mark.slow
def test_two_worker_processes_give_what_the_kernel_path_gives(env_emulator, dd):
    import cloudpickle
    from distributed import Client as DaskClient
    from distributed import LocalCluster

    df = pd.DataFrame({"q": [f"{i}+{i}" for i in range(12)]}, index=range(100, 112))
    lazy = orj.map(dd.from_pandas(df, npartitions=3), "{q}", concurrency=6, progress=False)
    assert isinstance(lazy, dd.DataFrame)
    assert KEY.encode() not in cloudpickle.dumps(dict(lazy.dask))
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
        as cluster,
        DaskClient(cluster),
    ):  # fmt: skip
        got = lazy.compute()
    expected = orj.map(df, "{q}", progress=False)
    pd.testing.assert_frame_equal(got.drop(columns="seconds"), expected.drop(columns="seconds"))
    assert got.loc[105, "output"] == "`5+5` = **10**"


def test_a_client_object_is_refused_since_it_holds_the_key(env_emulator, dd):
    frame = dd.from_pandas(pd.DataFrame({"q": ["1+1"]}), npartitions=1)
    with pytest.raises(TypeError, match="must not go into the task graph"):
        orj.map(frame, "{q}", client=orj.Client(), progress=False)


def test_a_client_factory_runs_where_the_partition_runs(env_emulator, dd):
    frame = dd.from_pandas(pd.DataFrame({"q": ["1+1", "2+2"]}), npartitions=2)
    made = []

    def factory():
        made.append(1)
        return orj.Client()

    out = orj.map(frame, "{q}", client=factory, progress=False)
    assert made == []  # lazy: nothing made, nothing sent yet
    result = out.compute(scheduler="sync")
    assert result["output"].tolist() == ["`1+1` = **2**", "`2+2` = **4**"]
    assert len(made) == 2


@pytest.mark.slow
def test_an_evaluation_over_a_dask_frame_runs_its_grid_on_the_partitions(env_emulator, dd):
    texts = ["Great, works.", "Broken.", "Blue.", "Love it.", "Rude staff.", "Round."]
    labels = ["positive", "negative", "neutral", "positive", "negative", "neutral"]
    df = pd.DataFrame({"text": texts, "label": labels})
    models = ["emulator/grader-60pct", "emulator/grader-90pct"]
    local = orj.evaluate(df, "{text}", models=models, expected="label", progress=False)
    with pytest.raises(orj.BudgetError, match="12 requests"):
        orj.evaluate(dd.from_pandas(df, npartitions=2), "{text}", models=models,
                     expected="label", max_cost=1e-9, progress=False)  # fmt: skip
    board = orj.evaluate(dd.from_pandas(df, npartitions=2), "{text}", models=models,
                         expected="label", max_cost=1.0, progress=False)  # fmt: skip
    assert board.leaderboard == [
        {**entry, "median_s": mine["median_s"], "p95_s": mine["p95_s"],
         "tokens_per_s": mine["tokens_per_s"], "marks": mine["marks"]}
        for entry, mine in zip(local.leaderboard, board.leaderboard, strict=True)
    ]  # fmt: skip
    assert board.results["output"].tolist() == local.results["output"].tolist()
