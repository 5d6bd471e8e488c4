"""Cassette size and replay-load memory over a long conversation (issue 19, item 4).

One conversation of `--cells` sends of short prompts to the in-process emulator
(unpaced) is recorded into a cassette. Prints its size, the bytes the first and the
last tenth of the cells added (equal when the size is linear in the session), and the
memory a fresh process takes to load it for replay (VmHWM after `cassette.load` minus
VmRSS before it, from /proc/self/status).

    .venv/bin/python benchmarks/cassette_growth.py [--cells 300]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.kept import cassette

MODEL = "emulator/assistant"
LOADER = """
import sys
from or_jupyter.kept import cassette

def kib(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])

before = kib("VmRSS")
player = cassette.Player.open(sys.argv[1], fast=True)
print(len(player.exchanges), kib("VmHWM") - before)
"""


def prompt(number: int) -> str:
    return f"Cell {number}: what is {number} times 7?"


def record(path: Path, cells: int) -> list[int]:
    """Record `cells` sends of one conversation; the file's size after each."""
    sizes = []
    with emulator.start() as em:
        client = orj.Client(api_key="k", base_url=em.base_url)
        chat = orj.Conversation(model=MODEL, client=client)
        cassette.record(path)
        try:
            for number in range(1, cells + 1):
                chat.send(prompt(number))
                sizes.append(path.stat().st_size)
        finally:
            cassette.stop_recording()
    return sizes


def load_kib(path: Path) -> tuple[int, int]:
    done = subprocess.run(
        [sys.executable, "-c", LOADER, str(path)], capture_output=True, text=True, check=True
    )
    exchanges, kib = done.stdout.split()
    return int(exchanges), int(kib)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        tape = Path(scratch) / "long.jsonl"
        sizes = record(tape, args.cells)
        tenth = max(1, args.cells // 10)
        first = sizes[tenth - 1]
        last = sizes[-1] - sizes[-tenth - 1]
        exchanges, kib = load_kib(tape)
        version = json.loads(tape.read_text().splitlines()[0])["or_jupyter_cassette"]
        print(f"cells: {args.cells} (one conversation, {MODEL}); cassette format {version}")
        print(f"cassette: {sizes[-1]:,} bytes ({sizes[-1] / args.cells:,.0f} per cell)")
        print(
            f"bytes added by the first {tenth} cells: {first:,}; by the last {tenth}: {last:,} "
            f"(ratio {last / first:.1f}; 1.0 is linear)"
        )
        print(f"replay load ({exchanges} exchanges): {kib / 1024:,.1f} MiB above the bare process")


if __name__ == "__main__":
    main()
