"""`orj.map` and `orj.amap`, the entry points of prompts over data.

The rows run in `batch/run.py` (whose `map` and `amap` declare the arguments); this module
only decides what the batch layer cannot know: inside a kernel, progress is drawn in the
notebook's display (the notebook layer's), elsewhere as a terminal line; and a Dask
DataFrame goes to its partitions (`batch/partitions.py`, which imports Dask) lazily.
"""

from __future__ import annotations

import functools
from typing import Any

from .batch import run
from .batch.rows import is_dask_frame

__all__ = ["amap", "map"]


@functools.wraps(run.map)
def map(data: Any, template: Any, *, progress: Any = True, **options: Any) -> Any:
    if is_dask_frame(data):
        from .batch.partitions import map_partitions

        return map_partitions(data, template, options)
    return run.map(data, template, progress=_reporter(progress), **options)


@functools.wraps(run.amap)
async def amap(data: Any, template: Any, *, progress: Any = True, **options: Any) -> Any:
    return await run.amap(data, template, progress=_reporter(progress), **options)


def _reporter(progress: Any) -> Any:
    """`progress=True` inside a kernel: the notebook's live display; anything else as given."""
    if progress is not True or not _in_kernel():
        return progress
    from .notebook.progress import NotebookProgress

    return NotebookProgress()


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None
