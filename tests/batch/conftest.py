"""The batch tests' fixtures: a row server (`helpers/row_server.py`) and a client for it."""

from __future__ import annotations

import pytest
from helpers.row_server import KEY, RowServer


@pytest.fixture
def rows():
    server = RowServer()
    yield server
    server.stop()


@pytest.fixture
def client(rows):
    import or_jupyter as orj

    return orj.Client(base_url=rows.base_url, api_key=KEY)
