"""One shared pause after a 429 and the rpm limit, seen from the server's side."""

from __future__ import annotations

import pytest
from helpers.row_server import Scripted

import or_jupyter as orj


@pytest.mark.slow
def test_after_a_429_no_request_starts_until_its_retry_after_has_passed(rows, client):
    rows.delay = lambda text: 0.05
    rows.script["r2"] = [Scripted(429, {"Retry-After": "1"})]
    out = orj.map([f"r{i}" for i in range(40)], "{}", client=client, concurrency=4, progress=False)
    assert all(r.status == "done" for r in out)
    (sent,) = rows.limited_at
    # requests already in flight may land just after the 429; none may start inside its window
    inside = [text for at, text in rows.arrivals if sent + 0.15 < at < sent + 0.95]
    assert inside == []
    retry = [at for at, text in rows.arrivals if text == "r2"][1]
    assert retry >= sent + 0.95
    # without the shared pause the other workers would have finished well inside the window
    assert sum(at > sent + 0.95 for at, _ in rows.arrivals) >= 20


def test_rpm_spaces_request_starts(rows, client):
    orj.map([f"r{i}" for i in range(4)], "{}", client=client, rpm=600, progress=False)
    times = sorted(at for at, _ in rows.arrivals)
    # 600 a minute: the i-th start no sooner than 0.1 s * i after the first (a late start
    # may shorten the gap after it, never the time since the first)
    assert all(at - times[0] >= 0.1 * i - 0.02 for i, at in enumerate(times))
