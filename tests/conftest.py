"""Shared fixtures: the scripted server on 127.0.0.1, and anyio's backend."""

from __future__ import annotations

import pytest
from helpers.magic_shell import magic_shell
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


@pytest.fixture
def ip(monkeypatch):
    """A real IPython shell with the magics loaded, offline (see helpers/magic_shell.py)."""
    shell = magic_shell(monkeypatch)
    yield shell
    shell.publisher.reset()
