"""What the session ledger costs: one `record` call, and short streamed answers per second
with the ledger counting them against the same answers with recording switched off.

The answers are a recorded short stream served from memory by an `httpx.MockTransport`,
so the figures measure the client, not the network.

    .venv/bin/python benchmarks/ledger_overhead.py [--requests 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import httpx

import or_jupyter as orj
from or_jupyter.client import ledger
from or_jupyter.protocol import Response

FIXTURE = Path(__file__).parent.parent / "tests/fixtures/openai-text-stream.0.response.sse"
USAGE = {
    "input_tokens": 12,
    "input_tokens_details": {"cached_tokens": 4},
    "output_tokens": 40,
    "output_tokens_details": {"reasoning_tokens": 8},
    "cost": 0.00012,
}


def record_seconds(calls: int) -> float:
    """Seconds per `ledger.record` of one response (the lock, the line, the sums)."""
    response = Response(id="gen-1", model="openai/gpt-5-mini", usage=USAGE)
    started = time.perf_counter()
    for _ in range(calls):
        ledger.record(response, "cell 1")
    return (time.perf_counter() - started) / calls


def streams_per_second(requests: int, body: bytes) -> float:
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            200, headers={"content-type": "text/event-stream"}, content=body
        )
    )
    client = orj.Client(
        api_key="bench-key",
        base_url="http://bench/api/v1",
        http_client=httpx.Client(transport=transport),
    )
    started = time.perf_counter()
    for _ in range(requests):
        with client.stream(model="openai/gpt-5-mini", input="hi") as stream:
            for _ in stream:
                pass
    return requests / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    body = FIXTURE.read_bytes()
    print(f"ledger.record: {record_seconds(100_000) * 1e6:.2f} µs a response")
    real = ledger.record
    counted, off = [], []
    for _ in range(args.rounds):
        ledger.record = real
        counted.append(streams_per_second(args.requests, body))
        ledger.record = lambda response, source=None: None
        off.append(streams_per_second(args.requests, body))
    ledger.record = real
    best_on, best_off = max(counted), max(off)
    print(f"short streams, ledger counting: {best_on:,.0f}/s (best of {args.rounds})")
    print(f"short streams, ledger off:      {best_off:,.0f}/s")
    print(f"ratio: {best_on / best_off:.3f} ({(1 - best_on / best_off) * 100:+.1f}% slower)")
    print(f"ledger lines after all that: {len(ledger.lines())}")


if __name__ == "__main__":
    main()
