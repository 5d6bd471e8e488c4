"""Side by side: three paced emulator models in one `%%responses -m a,b,c` cell.

The emulator runs in its own process (as a server would) and paces three models at
different realistic rates. Through the magic, in an IPython shell whose publisher
counts every display and widget message as JSON bytes, this measures (issue 10):
- the wall time of the three-model cell against the slowest model alone (they must
  really run at once: budget <= 1.25x);
- bytes published against the final HTML of all columns (budget <= 5x);
- redraws per second, all columns together (budget <= 20);
- how long after the last delta arrived it was visible (budget <= 100 ms).

    .venv/bin/python benchmarks/compare.py [--tokens 600] [--rates 40,80,150] [--rounds 2]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent))
sys.path.insert(0, str(Path(__file__).parent))

from render_budget import (  # noqa: E402
    TimedRelay,
    _last_answer_publish,
    _max_per_second,
    _redraws,
    emulator_process,
)

import or_jupyter as orj  # noqa: E402
from or_jupyter.notebook import runner as driver  # noqa: E402
from tests.helpers.display_capture import shell_with_capture  # noqa: E402


def cell(base_url: str, models: list[str], tokens: int):
    """Run one cell through the magic; returns seconds, last-delta lag, and the publisher."""
    shell, publisher = shell_with_capture()
    shell.run_line_magic("load_ext", "or_jupyter")
    magics = shell.magics_manager.registry["Responses"]
    magics.frontend = "notebook"
    magics.session.set_client(orj.Client(api_key="k", base_url=base_url))
    magics.chats.clear()
    publisher.reset()
    driver._Relay = TimedRelay
    started = time.monotonic()
    result = shell.run_cell(
        f"%%responses -m {','.join(models)} --max-output-tokens {tokens} --new\n"
        "Explain how a hash map works."
    )
    seconds = time.monotonic() - started
    assert result.success, result.error_in_exec
    return seconds, _last_answer_publish(publisher) - TimedRelay.last_delta, publisher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=600)
    parser.add_argument("--rates", default="40,80,150", help="tokens per second of each model")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    models = [f"emulator/pace-{rate}tps-ttft300ms" for rate in args.rates.split(",")]
    with emulator_process(0) as base_url:
        alone, together = [], []
        for _ in range(args.rounds):  # interleaved, so machine noise hits both alike
            alone.append(cell(base_url, models[:1], args.tokens)[0])
            together.append(cell(base_url, models, args.tokens))
    slowest = min(alone)
    seconds, lag, publisher = min(together, key=lambda run: run[0])
    final = sum(len(o.get("text/html", "")) for o in publisher.outputs())
    published = publisher.total_bytes()
    times = [m.at for m in publisher.messages if m.at]
    times += [m.at for m in publisher.comms if m.kind != "comm_close"]
    redraws = _redraws(times)
    print(f"models: {', '.join(models)}; {args.tokens} tokens each")
    print(f"slowest model alone:       {slowest:8.2f} s")
    print(
        f"all three in one cell:     {seconds:8.2f} s  = {seconds / slowest:.2f}x (budget <= 1.25x)"
    )
    print(f"final HTML of the columns: {final / 1000:8.1f} KB")
    print(
        f"bytes published:           {published / 1000:8.1f} KB  = {published / final:.2f}x final"
        " (budget <= 5x)"
    )
    print(
        f"redraws:                   {len(redraws):8d}  busiest second {_max_per_second(redraws)}"
        " (budget <= 20/s, all columns together)"
    )
    print(f"outputs in the saved cell: {len(publisher.outputs()):8d}  (budget <= 20)")
    print(f"last delta visible after:  {lag * 1000:8.1f} ms (budget 100 ms)")


if __name__ == "__main__":
    main()
