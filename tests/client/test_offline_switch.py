"""Offline mode is one switch owned by `offline_mode`; the version lives in `_version`."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from helpers import REPO
from helpers.scripted_server import Reply, sse

import or_jupyter as orj
from or_jupyter._version import __version__
from or_jupyter.client import offline_mode


def run_child(code: str, **env: str) -> str:
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", **env},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout.strip()


@pytest.mark.slow
def test_an_online_client_never_loads_the_emulator():
    out = run_child(
        """
        import sys
        import or_jupyter as orj
        client = orj.Client(api_key="k", base_url="http://127.0.0.1:9/api/v1")
        print(any(name.startswith("or_jupyter.emulator") for name in sys.modules))
        """
    )
    assert out == "False"


@pytest.mark.slow
def test_the_three_ways_to_go_offline_reach_the_emulator():
    out = run_child(
        """
        import os
        import or_jupyter as orj
        from or_jupyter.client.offline_mode import OFFLINE_ENV
        assert OFFLINE_ENV not in os.environ
        flagged = orj.Client(offline=True)
        handle = orj.offline()
        switched = orj.Client()
        orj.offline(False)
        back = orj.Client(api_key="k")
        text = flagged.stream(model="emulator/echo", input="hi").until_done().status
        print(flagged.base_url == handle.base_url == switched.base_url, switched.offline,
              back.offline, back.base_url != handle.base_url, text)
        """
    )
    assert out == "True True False True completed"


@pytest.mark.slow
def test_the_environment_variable_turns_offline_mode_on():
    out = run_child(
        """
        import or_jupyter as orj
        client = orj.Client()
        print(client.offline, client.base_url.startswith("http://127.0.0.1"), repr(client))
        """,
        OR_JUPYTER_OFFLINE="1",
    )
    assert out.startswith("True True Client(")
    assert out.endswith("offline)")


def test_offline_requested_reads_the_one_variable(monkeypatch):
    for value, wanted in [("1", True), ("yes", True), ("on ", True), ("0", False), ("", False)]:
        monkeypatch.setenv(offline_mode.OFFLINE_ENV, value)
        assert offline_mode.offline_requested() is wanted
    monkeypatch.delenv(offline_mode.OFFLINE_ENV)
    assert offline_mode.offline_requested() is False


def test_the_version_is_sent_in_the_user_agent(server):
    assert orj.__version__ == __version__
    server.queue(Reply(200, sse({"type": "response.completed", "response": {"output": []}})))
    orj.Client(api_key="k", base_url=server.base_url).stream(model="m", input="x").until_done()
    assert server.seen[0].headers["User-Agent"] == f"or_jupyter/{__version__}"
