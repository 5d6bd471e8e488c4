"""`python -m or_jupyter.demo` draws through the terminal view: escapes in what the model
sends never reach the terminal, and the footer closes the answer."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # a subprocess with the emulator

HOSTILE = "clear \x1b[2J title \x1b]0;pwned\x07 bell \x07 done"


def test_the_demo_strips_terminal_escapes_from_the_echoed_answer():
    env = {k: v for k, v in os.environ.items() if k != "OPENROUTER_API_KEY"}
    env.update(OR_JUPYTER_MODEL="emulator/echo", OR_JUPYTER_EMULATOR_TPS="0")
    done = subprocess.run(
        [sys.executable, "-m", "or_jupyter.demo", HOSTILE],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "clear" in out and "title" in out and "done" in out
    assert "\x1b]" not in out and "\x1b[2J" not in out and "\x07" not in out
    assert "emulator/echo" in out.splitlines()[-1] and "total" in out.splitlines()[-1]
