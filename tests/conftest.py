"""Shared fixtures: the scripted server on 127.0.0.1, and anyio's backend."""

from __future__ import annotations

import pytest
from helpers.scripted_server import ScriptedServer


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
