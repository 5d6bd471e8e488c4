"""Shared fixtures: the scripted server on 127.0.0.1, and anyio's backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from scripted_server import ScriptedServer

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def scripted_server():
    server = ScriptedServer()
    yield server
    server.stop()


@pytest.fixture
def server(scripted_server):
    scripted_server.reset()
    yield scripted_server
    scripted_server.reset()


@pytest.fixture
def anyio_backend():
    return "asyncio"
