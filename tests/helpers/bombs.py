"""Bounded reads, checked in a child process: a gzip bomb to serve, and the child that
reports what it caught and how much memory it grew (its own process: a clean peak)."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import zlib
from typing import Any

from helpers import REPO

GIB = 2**30


@functools.cache
def gzip_bomb(size: int = GIB, fill: bytes = b"a") -> bytes:
    """`size` bytes of `fill`, gzipped a MiB at a time (about 1 MB compressed for 1 GiB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = fill * 2**20
    parts = [packer.compress(block) for _ in range(size // len(block))]
    return b"".join(parts) + packer.flush()


def run_child(code: str, *args: str) -> dict[str, Any]:
    """Run `code` in a fresh Python that sees only the repository; the JSON it prints."""
    run = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)
