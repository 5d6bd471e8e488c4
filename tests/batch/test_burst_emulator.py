"""orj.map against the emulator's burst of 429s: one shared pause, then every row is answered."""

from __future__ import annotations

import time

import pytest

import or_jupyter as orj
from or_jupyter import emulator


@pytest.mark.slow
def test_map_over_a_429_burst_completes_every_row_after_the_shared_pause():
    with emulator.start() as server:
        client = orj.Client(base_url=server.base_url, api_key="test-key")
        prompts = [f"{i}+1" for i in range(6)]
        started = time.monotonic()
        out = orj.map(prompts, "{}", model="emulator/burst-429-3", client=client,
                      concurrency=3, progress=False)  # fmt: skip
        took = time.monotonic() - started
        once = orj.Client(base_url=server.base_url, api_key="test-key", max_retries=0)
        again = once.create(model="emulator/burst-429-3", input="again")  # the burst is spent
    assert [r.status for r in out] == ["done"] * 6
    assert [r.error for r in out] == [None] * 6
    assert [r.output for r in out] == [f"`{i}+1` = **{i + 1}**" for i in range(6)]
    # the three 429s said Retry-After: 1, so nothing could finish before that second passed
    assert took >= 0.9
    assert again.status == "completed"
