"""Stream throughput: events per second through our client and the official SDKs.

The same recorded SSE bytes (OpenAI's long reasoning-summary stream, repeated)
are served from memory by an `httpx.MockTransport` in 64 KiB chunks, so the
figures measure parsing and accumulation only, not the network. A bare loop of
`json.loads` over the data lines is the floor.

Two decoder-only cases follow: `SSEDecoder` + `parse_message` over the same
bytes (many small events per chunk, the common case), and one huge `data:` event
(48 MB by default) fed in 64 KiB chunks, against a single `json.loads` of its
payload: the decoder must stay linear in the length of a line.

    .venv/bin/python benchmarks/stream_throughput.py [--repeat 20] [--rounds 5] [--long-mb 48]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import httpx

import or_jupyter as orj
from or_jupyter.protocol import DONE, SSEDecoder, parse_message

FIXTURE = (
    Path(__file__).parent.parent / "tests/fixtures/openai-reasoning-summary-stream.0.response.sse"
)
CHUNK = 65536


def build_body(repeat: int) -> tuple[bytes, int]:
    """The recorded stream repeated, one `[DONE]` at the end; and its number of events."""
    one = FIXTURE.read_bytes().replace(b"data: [DONE]\n\n", b"")
    body = one * repeat + b"data: [DONE]\n\n"
    events = sum(1 for line in body.split(b"\n") if line.startswith(b"data: {"))
    return body, events


def chunks(body: bytes):
    for start in range(0, len(body), CHUNK):
        yield body[start : start + CHUNK]


def serve(module, body: bytes):
    """A mock transport (of httpx or httpx2) answering every request with the body, chunked."""
    return module.MockTransport(
        lambda request: module.Response(
            200, headers={"content-type": "text/event-stream"}, content=chunks(body)
        )
    )


# Each contender is set up once (clients, SSL contexts) and returns the function timed.


def bare_loop(body: bytes):
    def run() -> None:
        for line in body.split(b"\n"):
            if line.startswith(b"data: {"):
                json.loads(line[6:])

    return run


def ours(body: bytes):
    client = orj.Client(
        api_key="k",
        base_url="http://bench/api/v1",
        http_client=httpx.Client(transport=serve(httpx, body)),
    )

    def run() -> None:
        with client.stream(model="openai/o3-mini", input="hi") as stream:
            for _ in stream:
                pass
        assert stream.response.reasoning_text

    return run


def openai_sdk(body: bytes):
    import httpx2
    from openai import OpenAI

    client = OpenAI(
        api_key="k",
        base_url="http://bench/api/v1",
        http_client=httpx2.Client(transport=serve(httpx2, body)),
    )

    def run() -> None:
        for _ in client.responses.create(model="openai/o3-mini", input="hi", stream=True):
            pass

    return run


def openrouter_sdk(body: bytes):
    from openrouter import OpenRouter

    client = OpenRouter(
        api_key="k",
        server_url="http://bench/api/v1",
        client=httpx.Client(transport=serve(httpx, body)),
    )

    def run() -> None:
        for _ in client.beta.responses.send(model="openai/o3-mini", input="hi", stream=True):
            pass

    return run


def decode_all(body: bytes) -> int:
    """Our decoder and parser alone over `body` in 64 KiB chunks; the number of events."""
    decoder, count = SSEDecoder(), 0
    for chunk in chunks(body):
        for message in decoder.feed(chunk):
            if message.data != DONE:
                count += 1
                parse_message(message, count)
    for message in decoder.close():
        count += 1
        parse_message(message, count)
    return count


def long_event(megabytes: int) -> tuple[bytes, bytes]:
    """One `data:` event of about `megabytes` MB (a text delta), and its JSON payload."""
    words = "lorem ipsum dolor sit amet, consectetur — adipiscing élit ✓ \\n "
    text = words * (megabytes * 1_000_000 // len(words.encode()))
    event = {"type": "response.output_text.delta", "delta": text}
    payload = json.dumps(event, ensure_ascii=False).encode()
    return b"data: " + payload + b"\n\n", payload


def timed(run, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def decoder_figures(body: bytes, events: int, megabytes: int, rounds: int) -> None:
    small = timed(lambda: decode_all(body), rounds)
    print(
        f"{'SSEDecoder + parse_message':28s} {events / small:>12,.0f} events/s  ({small * 1000:8.1f} ms)"
    )
    stream, payload = long_event(megabytes)
    long_rounds = max(1, rounds // 2)
    floor = timed(lambda: json.loads(payload), long_rounds)
    decoded = timed(lambda: decode_all(stream), long_rounds)
    print(
        f"one {len(payload) / 1e6:.0f} MB event in 64 KiB chunks: decoder + parse"
        f" {decoded * 1000:.0f} ms, json.loads {floor * 1000:.0f} ms:"
        f" {decoded / floor:.1f}x (target <= 10x)"
    )


def best_times(contenders: dict, body: bytes, rounds: int) -> dict[str, float]:
    """Best time of each contender; rounds interleave them, so a slow spell of a shared
    machine hits all alike instead of one."""
    runs = {}
    for name, setup in contenders.items():
        try:
            runs[name] = setup(body)
            runs[name]()  # warm up imports and caches
        except Exception as exc:  # an SDK that cannot parse the stream is reported, not fatal
            print(f"{name:28s} failed: {type(exc).__name__}: {str(exc)[:200]}")
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(rounds):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--long-mb", type=int, default=48, help="size of the one long event")
    args = parser.parse_args()
    body, events = build_body(args.repeat)
    print(f"{events:,} events, {len(body) / 1e6:.1f} MB, best of {args.rounds} rounds\n")
    results = best_times(
        {
            "bare json.loads loop": bare_loop,
            "or_jupyter Client.stream": ours,
            "openai SDK": openai_sdk,
            "openrouter SDK": openrouter_sdk,
        },
        body,
        args.rounds,
    )
    for name, seconds in results.items():
        print(f"{name:28s} {events / seconds:>12,.0f} events/s  ({seconds * 1000:8.1f} ms)")
    mine = results["or_jupyter Client.stream"]
    print()
    print(f"vs bare loop:   {mine / results['bare json.loads loop']:.2f}x the time (target <= 4x)")
    for sdk in ("openai SDK", "openrouter SDK"):
        if sdk in results:
            print(f"vs {sdk:13s} {results[sdk] / mine:.1f}x faster")
    print()
    decoder_figures(body, events, args.long_mb, args.rounds)


if __name__ == "__main__":
    main()
