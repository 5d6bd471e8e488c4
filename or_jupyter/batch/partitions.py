"""`orj.map` over a Dask DataFrame: a lazy frame, each partition mapped on its worker.

Each partition runs the same in-kernel `map` (its own event loop and fan-out)
on whichever worker Dask puts it. `concurrency`, `rpm` and `max_cost` are split
evenly across the partitions (the most that could run at once), so the whole run
stays within them; each partition checks and stops at its share of the budget.
`store=` is not available (it is a local file). The API key never enters the task graph: `client` must be None
(workers read `OPENROUTER_API_KEY` and `OPENROUTER_BASE_URL` from their own
environment) or a callable run on the worker that returns a client. Dask is
imported only here, and only when a Dask DataFrame is handed in.
"""

from __future__ import annotations

from typing import Any

from .result import RowResult
from .run import map as map_rows
from .run import run_blocking

__all__ = ["map_partitions", "run_on_partitions"]


def map_partitions(frame: Any, template: Any, options: dict[str, Any]) -> Any:
    """The lazy Dask DataFrame of results, one `map` per partition (`options`: map's keywords)."""
    from .result import to_frame

    factory = options.pop("client", None)
    if factory is not None and not callable(factory):
        raise TypeError(
            "with a Dask DataFrame, client= is a function that returns a client on the "
            "worker (a client object holds its key, which must not go into the task graph); "
            "or leave it out and set OPENROUTER_API_KEY on the workers"
        )
    if options.get("store"):
        raise ValueError("store= is a local SQLite file: it is not available with Dask")
    parts = max(1, frame.npartitions)
    options["concurrency"] = max(1, options.get("concurrency", 16) // parts)
    for name in ("rpm", "max_cost"):  # each partition gets its share
        if options.get(name):
            options[name] = options[name] / parts
    options["progress"] = False
    meta = to_frame([], frame._meta.index[:0].tolist(), options.get("schema"))
    meta.index = frame._meta.index[:0]
    return frame.map_partitions(_partition, template, options, factory, meta=meta)


def _partition(part: Any, template: Any, options: dict[str, Any], factory: Any) -> Any:

    client = factory() if factory is not None else None
    if part.empty:
        from .result import to_frame

        result = to_frame([], [], options.get("schema"))
        result.index = part.index[:0]
        return result
    return map_rows(part, template, client=client, **options)


def run_on_partitions(
    jobs: list[dict[str, Any]], npartitions: int, template: Any, options: dict[str, Any]
) -> list[RowResult]:
    """`orj.evaluate`'s grid on Dask: the jobs as a Dask DataFrame of `npartitions`, each
    partition run by `run_blocking` on its worker (`options` in its form), computed here.

    The same rules as `map_partitions`: limits and budget split across the partitions,
    no store, and the key never in the graph (`client` None or a function)."""
    import dask.dataframe as dd
    import pandas as pd

    from .result import to_frame

    options = dict(options)
    factory = options.pop("client", None)
    if factory is not None and not callable(factory):
        raise TypeError(
            "with a Dask DataFrame, client= is a function that returns a client on the "
            "worker (a client object holds its key, which must not go into the task graph); "
            "or leave it out and set OPENROUTER_API_KEY on the workers"
        )
    if options.get("store"):
        raise ValueError("store= is a local SQLite file: it is not available with Dask")
    options.pop("also_priced", None)  # the budget was checked before: each part stops at its share
    parts = max(1, min(npartitions, len(jobs)))
    options["concurrency"] = max(1, options.get("concurrency", 16) // parts)
    for name in ("rpm", "max_cost"):
        if options.get(name):
            options[name] = options[name] / parts
    frame = dd.from_pandas(pd.DataFrame.from_records(jobs), npartitions=parts)
    meta = to_frame([], [], None)
    done = frame.map_partitions(_grid_partition, template, options, factory, meta=meta).compute()
    records = done.sort_index().to_dict("records")
    return [RowResult(key=key, **record) for key, record in enumerate(records)]


def _grid_partition(part: Any, template: Any, options: dict[str, Any], factory: Any) -> Any:
    from .result import to_frame

    if part.empty:
        return to_frame([], [], None)
    options = {**options, "client": factory() if factory is not None else None}
    return run_blocking(part, template, options, False)
