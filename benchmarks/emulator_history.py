"""The offline emulator's time per cell as the conversation grows (issue 19, item 5).

One conversation of `--cells` sends of short prompts to the in-process emulator
(unpaced), as offline mode runs it inside the kernel. Prints the median time of a send
over the first and the last `--window` cells (flat means the ratio stays near 1), and
how many input items the emulator validated against the schema in all.

    .venv/bin/python benchmarks/emulator_history.py [--cells 300] [--window 30]
"""

from __future__ import annotations

import argparse
import statistics
import time

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.emulator import schemas

MODEL = "emulator/assistant"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=300)
    parser.add_argument("--window", type=int, default=30)
    args = parser.parse_args()
    times = []
    with emulator.start() as em:
        chat = orj.Conversation(model=MODEL, client=orj.Client(api_key="k", base_url=em.base_url))
        for number in range(1, args.cells + 1):
            started = time.perf_counter()
            chat.send(f"Cell {number}: what is {number} times 7?")
            times.append(time.perf_counter() - started)
    first = statistics.median(times[: args.window]) * 1000
    last = statistics.median(times[-args.window :]) * 1000
    print(f"cells: {args.cells}; history at the end: {len(chat.history)} items")
    print(f"median send, first {args.window} cells: {first:7.1f} ms")
    print(f"median send, last {args.window} cells:  {last:7.1f} ms  (ratio {last / first:.2f})")
    counted = getattr(schemas, "validated_items", None)
    if counted is not None:
        print(f"input items validated against the schema: {counted():,}")


if __name__ == "__main__":
    main()
