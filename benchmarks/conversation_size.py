"""A conversation that grows past what the server takes, with and without `history_limit`.

Against the emulator over HTTP on 127.0.0.1 (the emulator's default model; it refuses
bodies over 8 MiB with 413, as a real server refuses them): cells of `--prompt-kb` KB of
prose each, sent with `orj.Conversation`, until a cell fails or `--cells` have run.

- without a limit: the cell at which the first warning came, and the cell that failed
  (its hint names the remedies);
- with `history_limit=` (tokens): every cell answered, the largest request, the turns dropped;
- the size check's own cost per send at the end of the long history (measured from the
  last answer's usage, so it should not grow with the history).

    .venv/bin/python benchmarks/conversation_size.py [--cells 60] [--prompt-kb 200]
"""

from __future__ import annotations

import argparse
import time

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.chat.conversation import Conversation


class Notes(orj.Observer):
    def __init__(self) -> None:
        self.warnings = 0
        self.drops = 0

    def on_notice(self, text: str) -> None:
        self.warnings += "may refuse" in text
        self.drops += text.startswith("Dropped the")


def prose(kb: int, cell: int) -> str:
    words = [f"word{(cell * 7 + i) % 997}" for i in range(kb * 1024 // 8)]
    return " ".join(words)


def grow(chat: Conversation, cells: int, kb: int) -> dict:
    notes = Notes()
    first_warning = failed = None
    largest = 0
    last = None
    for cell in range(1, cells + 1):
        before = notes.warnings
        try:
            response = chat.send(prose(kb, cell), observer=notes)
        except orj.APIError as exc:
            failed = (cell, exc)
            break
        largest = max(largest, response.usage["input_tokens"])
        last = response
        if notes.warnings > before and first_warning is None:
            first_warning = cell
    return {
        "first_warning": first_warning,
        "failed": failed,
        "largest": largest,
        "drops": notes.drops,
        "cells": cell,
        "last": last,
    }


def check_cost(chat: Conversation, repeat: int = 50) -> float:
    """Median seconds of one pre-send size check (with the catalogue already read)."""
    turn = [{"type": "message", "role": "user", "content": "one more question"}]
    params = {"model": chat.model}
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        chat._size(turn, params)
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


def calibration_cost(chat: Conversation, response: orj.Response, repeat: int = 20) -> float:
    """Median seconds to note an answer's usage (done after every answer): only the items
    since the last answer are estimated, so it should not grow with the history."""
    sent, params = list(chat.history), {"model": chat.model}
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        chat._measure(response, sent, [], params)
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=60)
    parser.add_argument("--prompt-kb", type=int, default=200)
    args = parser.parse_args()
    with emulator.start() as emu:
        client = orj.Client(base_url=emu.base_url, api_key="k", max_retries=0)
        plain = Conversation(model="emulator/assistant", client=client)
        result = grow(plain, args.cells, args.prompt_kb)
        history_mb = sum(len(str(i)) for i in plain.history) / 1e6
        print(
            f"no limit, {args.prompt_kb} KB cells: first warning at cell {result['first_warning']}"
        )
        if result["failed"]:
            cell, exc = result["failed"]
            print(
                f"  cell {cell} failed ({type(exc).__name__} {exc.status_code}), history {history_mb:.1f} MB"
            )
            print(f"  hint: {exc.hint}")
        else:
            print(f"  no failure in {result['cells']} cells, history {history_mb:.1f} MB")
        print(
            f"  size check per send at the end: {check_cost(plain) * 1000:.2f} ms, "
            f"calibration per answer {calibration_cost(plain, result['last']) * 1000:.2f} ms "
            f"({len(plain.history)} items)"
        )
        limited = Conversation(model="emulator/assistant", client=client, history_limit="auto")
        result = grow(limited, args.cells, args.prompt_kb)
        print(
            f"history_limit=auto: {result['cells']} cells, failed: {bool(result['failed'])}, "
            f"largest request {result['largest']:,} tokens (target <= {int(131072 * 0.8):,}), "
            f"{result['drops']} drops"
        )
        print(
            f"  size check per send at the end: {check_cost(limited) * 1000:.2f} ms "
            f"({len(limited.history)} items)"
        )


if __name__ == "__main__":
    main()
