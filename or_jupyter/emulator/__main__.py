"""``python -m or_jupyter.emulator``: run the emulator until Ctrl-C, printing its base URL."""

from __future__ import annotations

import argparse
import sys
import threading

from . import start
from .server import WILDCARDS, is_loopback

DEMO_TPS = 60.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m or_jupyter.emulator",
        description="A local OpenRouter-compatible server with scripted answers.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument(
        "--tps",
        type=float,
        default=DEMO_TPS,
        help=f"streamed tokens per second, 0 for no pacing (default {DEMO_TPS:g})",
    )
    parser.add_argument(
        "--replay",
        nargs="+",
        default=[],
        metavar="FILE",
        help="recorded bodies to serve byte for byte, one per request, in order; or a "
        "cassette (docs/cassette.md), which answers every request it holds",
    )
    parser.add_argument(
        "--fast", action="store_true", help="serve a cassette at once, not at its recorded pace"
    )
    parser.add_argument("--quiet", action="store_true", help="do not log requests to stderr")
    args = parser.parse_args(argv)
    if not is_loopback(args.host):
        where = "every network interface" if args.host in WILDCARDS else args.host
        print(
            f"warning: the emulator listens on {where} and is reachable from other machines; "
            "it accepts any API key. Use --host 127.0.0.1 to keep it local.",
            file=sys.stderr,
            flush=True,
        )
    handle = start(
        host=args.host,
        port=args.port,
        tps=args.tps,
        replay=args.replay,
        log=not args.quiet,
        fast=args.fast,
    )
    print(handle.base_url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("stopping", file=sys.stderr)
    finally:
        handle.stop()


if __name__ == "__main__":
    main()
