"""The response cache and cassettes: a long streamed answer live, from the cache, replayed.

Against the in-process emulator (unpaced), one `emulator/long` answer of about
`--tokens` output tokens is streamed live (recorded into a cassette and the cache),
then answered `--repeats` times from the cache and from the cassette (`fast`). Prints
the median wall time of each and the size of what is kept.

    .venv/bin/python benchmarks/cache_replay.py [--tokens 4000] [--repeats 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.kept import cassette


def timed(client: orj.Client, params: dict) -> tuple[float, orj.Response]:
    started = time.perf_counter()
    with client.stream(**params) as stream:
        for _ in stream:
            pass
    return time.perf_counter() - started, stream.response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    params = {"model": "emulator/long", "input": "Write", "max_output_tokens": args.tokens}
    with emulator.start() as em, tempfile.TemporaryDirectory() as scratch:
        tape, db = Path(scratch) / "t.jsonl", Path(scratch) / "c.sqlite"
        client = orj.Client(api_key="k", base_url=em.base_url, cache=db)
        cassette.record(tape)
        live, first = timed(client, params)
        cassette.stop_recording()
        cached = [timed(client, params)[0] for _ in range(args.repeats)]
        cassette.replay(tape, fast=True)
        replayed = [timed(client, params)[0] for _ in range(args.repeats)]
        cassette.stop_replay()
        print(
            f"answer: {len(first.output_text):,} characters, {first.usage['output_tokens']:,} tokens"
        )
        print(f"live (emulator, unpaced): {live * 1000:8.1f} ms")
        print(f"cache hit (median):      {statistics.median(cached) * 1000:8.1f} ms")
        print(f"cassette replay (fast):  {statistics.median(replayed) * 1000:8.1f} ms")
        print(
            f"cassette size: {tape.stat().st_size:,} bytes; cache file: {client.cache.stats()['bytes']:,} bytes"
        )


if __name__ == "__main__":
    main()
