"""The client tests: no cassette is recording or replaying before or after any of them."""

from __future__ import annotations

import pytest

from or_jupyter.kept import cassette


@pytest.fixture(autouse=True)
def no_tape():
    cassette.stop_recording()
    cassette.stop_replay()
    yield
    cassette.stop_recording()
    cassette.stop_replay()
