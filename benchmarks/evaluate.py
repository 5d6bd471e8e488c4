"""Evaluation throughput: `orj.aevaluate` over a grid against the emulator, and the same grid by hand.

The emulator runs in its own process (`python -m or_jupyter.emulator`, so it does not
share our GIL) and its `emulator/grader-<P>pct-100ms` models answer every request after
`--latency` (100 ms); it answers once before the clock starts (`warm_up`). Against it,
in the same run:

- `orj.aevaluate`: `--rows` rows × three graders at `--concurrency`, scored `exact`,
  with its leaderboard;
- `AsyncOpenAI` + `asyncio.Semaphore` + `gather` over the same cells, counting exact
  matches by hand.

Each side answers one row before its clock starts, as a session's first evaluation
would have: that first one also imports aiohttp (about 0.2 s, once per process), a cost
printed on its own line rather than spread over the grid (the SDK's import is outside
its clock too).

Printed: wall time against the ideal (rows × models / concurrency × latency; target
≤ 1.2x), kernel CPU per answer (this process's user + system time), and the ratio.

    .venv/bin/python benchmarks/evaluate.py [--rows 1000] [--concurrency 64] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import time

import or_jupyter as orj

PROMPT = "Classify the sentiment of this review as positive, negative or neutral: {text}"
WORDS = ["great value", "broken on arrival", "blue and round", "love the fit", "rude staff"]


def start_emulator() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "or_jupyter.emulator", "--port", "0", "--tps", "0", "--quiet"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base_url = process.stdout.readline().strip()
    warm_up(base_url)
    return process, base_url


def warm_up(base_url: str) -> None:
    """One answer before the clock starts: the emulator compiles its request validator on
    the first request (about a second of its CPU), a cost of its start, not of a grid."""
    import httpx

    body = {"model": "emulator/grader-60pct-1ms", "input": PROMPT.format(text="warm up")}
    reply = httpx.post(f"{base_url}/responses", json=body, headers={"Authorization": "Bearer k"})
    reply.raise_for_status()


def rows(n: int) -> list[dict[str, str]]:
    made = []
    for i in range(n):
        text = f"Review {i}: {WORDS[i % len(WORDS)]}."
        made.append({"text": text, "label": _label(text)})
    return made


def _label(text: str) -> str:
    from or_jupyter.emulator.grading import label_of  # the rule the graders apply

    return label_of(text)


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def server_cpu(pid: int) -> float:
    """The emulator process's CPU seconds so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def with_evaluate(base_url: str, data: list, models: list[str], concurrency: int) -> float:
    client = orj.AsyncClient(base_url=base_url, api_key="bench-key")
    await orj.aevaluate(data[:1], PROMPT, models=models, expected="label", client=client,
                        progress=False)  # fmt: skip
    start = time.perf_counter()
    board = await orj.aevaluate(data, PROMPT, models=models, expected="label",
                                concurrency=concurrency, client=client, progress=False)  # fmt: skip
    elapsed = time.perf_counter() - start
    assert all(entry["n"] == len(data) for entry in board.leaderboard), board
    return elapsed


async def hand_written(base_url: str, data: list, models: list[str], concurrency: int) -> float:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=base_url, api_key="bench-key", max_retries=0)
    gate = asyncio.Semaphore(concurrency)
    await client.responses.create(model=models[0], input=PROMPT.format(text=data[0]["text"]))

    async def one(model: str, row: dict[str, str]) -> bool:
        async with gate:
            response = await client.responses.create(
                model=model, input=PROMPT.format(text=row["text"])
            )
            return response.output_text.strip().lower() == row["label"]

    start = time.perf_counter()
    right = await asyncio.gather(*(one(model, row) for model in models for row in data))
    elapsed = time.perf_counter() - start
    assert len(right) == len(models) * len(data)
    await client.close()
    return elapsed


async def first_use(base_url: str, models: list[str]) -> tuple[float, float]:
    """Seconds for a one-row evaluation, the first in this process and then again."""
    client = orj.AsyncClient(base_url=base_url, api_key="bench-key")
    seconds = []
    for _ in range(2):
        start = time.perf_counter()
        await orj.aevaluate(rows(1), PROMPT, models=models, expected="label", client=client,
                            progress=False)  # fmt: skip
        seconds.append(time.perf_counter() - start)
    return seconds[0], seconds[1]


def timed(label: str, run, cells: int, ideal: float, pid: int) -> tuple[float, float]:
    before, served = cpu(), server_cpu(pid)
    elapsed = asyncio.run(run)
    per_answer = (cpu() - before) / cells
    server = (server_cpu(pid) - served) / cells
    print(f"{label:34} {elapsed:6.2f} s  {elapsed / ideal:4.2f}x ideal  "
          f"{per_answer * 1000:5.2f} ms CPU per answer here, {server * 1000:5.2f} ms in the "
          "emulator")  # fmt: skip
    return elapsed, per_answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    ms = round(args.latency * 1000)
    models = [f"emulator/grader-{p}pct-{ms}ms" for p in (60, 75, 90)]
    data = rows(args.rows)
    cells = len(data) * len(models)
    ideal = cells / args.concurrency * args.latency
    process, base_url = start_emulator()
    try:
        print(f"{args.rows} rows x {len(models)} models = {cells} answers, concurrency "
              f"{args.concurrency}, {ms} ms per answer: ideal {ideal:.2f} s")  # fmt: skip
        cold, warm = asyncio.run(first_use(base_url, models))
        print(f"first evaluation in this process (1 row): {cold:.2f} s, the next {warm:.2f} s "
              f"(+{cold - warm:.2f} s once: imports)")  # fmt: skip
        ours, our_cpu = timed("orj.aevaluate",
                              with_evaluate(base_url, data, models, args.concurrency), cells,
                              ideal, process.pid)  # fmt: skip
        theirs, their_cpu = timed("AsyncOpenAI + Semaphore + gather",
                                  hand_written(base_url, data, models, args.concurrency), cells,
                                  ideal, process.pid)  # fmt: skip
        print(f"orj.aevaluate: {theirs / ours:.2f}x the hand-written loop's speed, "
              f"{our_cpu / their_cpu:.2f}x its CPU per answer")  # fmt: skip
        print(f"orj.aevaluate with a session's one-time imports counted in: "
              f"{(ours + cold - warm) / ideal:.2f}x ideal")  # fmt: skip
    finally:
        process.terminate()
        process.wait()


if __name__ == "__main__":
    main()
