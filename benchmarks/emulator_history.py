"""The offline emulator's time per cell as the conversation grows (issue 19, item 5).

One conversation of `--cells` sends of short prompts to the in-process emulator
(unpaced), as offline mode runs it inside the kernel. Prints the median time of a send
around cell 10 and over the last `--window` cells, and their ratio (target: 1.2x); then
what the JSON body alone costs at both sizes (the client encoding it, the emulator
decoding it and encoding its input once to find the prefix it already answered), which
grows with the body as it must, and the ratio without it. Also how many input items the
emulator validated against the schema in all.

    .venv/bin/python benchmarks/emulator_history.py [--cells 300] [--window 20]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import time

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.emulator import schemas

MODEL = "emulator/assistant"


def body_cost(history: list[dict], rounds: int = 30) -> float:
    """Milliseconds of CPU the JSON of a request with this history costs, both ends
    together: encoded by the client, decoded by the emulator, its input encoded and
    hashed once to find the prefix already answered."""
    body = {"model": MODEL, "input": history, "stream": True}
    times = []
    for _ in range(rounds):
        started = time.process_time()
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        parsed = json.loads(raw)
        data = json.dumps(parsed["input"], separators=(",", ":")).encode()
        hashlib.sha256(data).digest()
        times.append(time.process_time() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=300)
    parser.add_argument("--window", type=int, default=20)
    args = parser.parse_args()
    times, cpu, histories = [], [], {}
    with emulator.start() as em:
        chat = orj.Conversation(model=MODEL, client=orj.Client(api_key="k", base_url=em.base_url))
        for number in range(1, args.cells + 1):
            if number in (10, args.cells):
                histories[number] = list(chat.history)
            started, used = time.perf_counter(), time.process_time()
            chat.send(f"Cell {number}: what is {number} times 7?")
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - used)  # the client's and the emulator's threads
    half = args.window // 2

    def around(values: list[float]) -> tuple[float, float]:
        early = statistics.median(values[max(0, 10 - half) : 10 + half]) * 1000
        return early, statistics.median(values[-args.window :]) * 1000

    json_early, json_late = body_cost(histories[10]), body_cost(histories[args.cells])
    grown = json_late - json_early
    print(f"cells: {args.cells}; history at the end: {len(chat.history)} items")
    print(f"{'':34} {'cell 10':>8} {'last ' + str(args.window):>8}   ratio (target: 1.2x)")
    for name, values in (("wall time of a send, median", times), ("CPU of a send, median", cpu)):
        early, late = around(values)
        print(f"{name:34} {early:6.1f}ms {late:6.1f}ms   {late / early:.2f}x")
    early, late = around(cpu)
    print(f"{'CPU of the JSON body alone':34} {json_early:6.1f}ms {json_late:6.1f}ms")
    print(
        f"{'CPU less the JSON body growth':34} {early:6.1f}ms {late - grown:6.1f}ms   "
        f"{(late - grown) / early:.2f}x"
    )
    counted = getattr(schemas, "validated_items", None)
    if counted is not None:
        print(f"input items validated against the schema: {counted():,}")


if __name__ == "__main__":
    main()
