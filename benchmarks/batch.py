"""Batch throughput: `orj.amap` against the usual hand-written alternatives.

A small asyncio HTTP server in a subprocess (its own process, so it does not
share our GIL) answers every `POST /responses` with the same JSON response
after `--latency` seconds. The emulator paces only streamed answers, and as a
threaded server of at most 64 connections it measures itself more than the
client, so it is not used here. Against it:

- `orj.amap` with `concurrency` (and `orj.map`, through its worker thread);
- `AsyncOpenAI` + `asyncio.Semaphore` + `gather`, the usual hand-written loop;
- a plain sequential loop over `orj.Client.create` (timed on a few rows, extrapolated);

then kernel CPU per row and peak memory growth of a `--memory-rows` run. Each side
answers one row before its clock starts: a session's first batch also imports aiohttp
(about 0.2 s, once), outside the clock as the SDK's import is.

    .venv/bin/python benchmarks/batch.py [--rows 2000] [--concurrency 64] [--latency 0.1]
                                         [--memory-rows 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import time

import or_jupyter as orj

SERVER = r"""
import asyncio, json, sys
LATENCY = float(sys.argv[1])
BODY = json.dumps({
    "id": "resp_1", "object": "response", "status": "completed", "model": "bench/model",
    "output": [{"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                "content": [{"type": "output_text", "text": "positive", "annotations": []}]}],
    "usage": {"input_tokens": 12, "output_tokens": 1, "total_tokens": 13, "cost": 0.00001},
}).encode()
HEAD = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
        % len(BODY))

async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            await asyncio.sleep(LATENCY)
            writer.write(HEAD + BODY)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()

async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()

asyncio.run(main())
"""


def start_server(latency: float) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(latency)], stdout=subprocess.PIPE, text=True
    )
    port = int(process.stdout.readline())
    return process, f"http://127.0.0.1:{port}/api/v1"


def prompts(n: int) -> list[str]:
    return [f"Review {i}: the product was fine." for i in range(n)]


async def hand_written(base_url: str, rows: list[str], concurrency: int) -> float:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=base_url, api_key="bench-key", max_retries=0)
    gate = asyncio.Semaphore(concurrency)
    await client.responses.create(model="bench/model", input=rows[0])

    async def one(text: str) -> str:
        async with gate:
            response = await client.responses.create(model="bench/model", input=text)
            return response.output_text

    start = time.perf_counter()
    await asyncio.gather(*(one(text) for text in rows))
    elapsed = time.perf_counter() - start
    await client.close()
    return elapsed


async def with_amap(base_url: str, rows: list[str], concurrency: int) -> float:
    client = orj.AsyncClient(base_url=base_url, api_key="bench-key")
    await orj.amap(rows[:1], "{}", client=client, progress=False)
    start = time.perf_counter()
    out = await orj.amap(rows, "{}", client=client, concurrency=concurrency, progress=False)
    elapsed = time.perf_counter() - start
    assert all(r.status == "done" for r in out), {r.status for r in out}
    return elapsed


def sequential(base_url: str, rows: list[str]) -> float:
    client = orj.Client(base_url=base_url, api_key="bench-key")
    start = time.perf_counter()
    for text in rows:
        client.create(model="bench/model", input=text)
    return time.perf_counter() - start


def memory_run(base_url: str, n: int, concurrency: int) -> tuple[float, float]:
    """(CPU seconds per row, peak RSS growth in MB) of an `orj.map` over `n` rows."""
    client = orj.Client(base_url=base_url, api_key="bench-key")
    before = resource.getrusage(resource.RUSAGE_SELF)
    out = orj.map(prompts(n), "{}", client=client, concurrency=concurrency, progress=False)
    after = resource.getrusage(resource.RUSAGE_SELF)
    assert len(out) == n
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return cpu / n, (after.ru_maxrss - before.ru_maxrss) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--sequential-rows", type=int, default=30)
    parser.add_argument("--memory-rows", type=int, default=20000)
    args = parser.parse_args()
    process, base_url = start_server(args.latency)
    try:
        rows = prompts(args.rows)
        ideal = args.concurrency / args.latency
        print(f"{args.rows} rows, concurrency {args.concurrency}, {args.latency * 1000:.0f} ms "
              f"per response; ideal {ideal:.0f} rows/s")  # fmt: skip
        ours = args.rows / asyncio.run(with_amap(base_url, rows, args.concurrency))
        print(
            f"orj.amap                          {ours:8.1f} rows/s  ({ours / ideal:.0%} of ideal)"
        )
        theirs = args.rows / asyncio.run(hand_written(base_url, rows, args.concurrency))
        print(
            f"AsyncOpenAI + Semaphore + gather  {theirs:8.1f} rows/s  (orj.amap: {ours / theirs:.2f}x)"
        )
        seq_rows = prompts(args.sequential_rows)
        plain = args.sequential_rows / sequential(base_url, seq_rows)
        print(
            f"sequential loop (Client.create)   {plain:8.1f} rows/s  (orj.amap: {ours / plain:.0f}x)"
        )
        if args.memory_rows:
            cpu, grown = memory_run(base_url, args.memory_rows, args.concurrency)
            print(f"orj.map over {args.memory_rows} rows: {cpu * 1000:.2f} ms CPU per row, "
                  f"peak memory +{grown:.0f} MB")  # fmt: skip
    finally:
        process.terminate()
        process.wait()


if __name__ == "__main__":
    main()
