"""Render budget: what drawing a long streamed answer costs in bytes, updates and time.

Streams `emulator/long` (>= 10,000 deltas, >= 50 KB of Markdown; the emulator runs
in its own process, as a server would) through the `%%responses` magic in an
IPython shell whose display publisher counts every message the kernel would
send, as JSON bytes. Budget (issue 5): bytes published
<= 5x the final HTML, <= ~20 view updates per second, the last delta visible
within 100 ms, and drawing adds < 50% to the time the client alone needs.

    .venv/bin/python benchmarks/render_budget.py [--tokens 12000] [--tps 0]
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent))

import or_jupyter as orj  # noqa: E402
from or_jupyter.notebook import runner as driver  # noqa: E402
from tests.helpers.display_capture import shell_with_capture  # noqa: E402


class TimedRelay(driver._Relay):
    """The driver's relay, noting when the worker received the last answer delta."""

    last_delta = 0.0

    def __init__(self, inbox, view, approvals):
        super().__init__(inbox, view, approvals)
        forward = self.on_event

        def on_event(event):
            if event.type == "response.output_text.delta":
                TimedRelay.last_delta = time.monotonic()
            forward(event)

        self.on_event = on_event


@contextlib.contextmanager
def emulator_process(tps: int):
    """The emulator in its own process, as OpenRouter would be: its work is not ours."""
    process = subprocess.Popen(
        [sys.executable, "-m", "or_jupyter.emulator", "--tps", str(tps), "--quiet"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait()


def client_alone(base_url: str, tokens: int, tps: int) -> tuple[float, int, int]:
    client = orj.Client(api_key="k", base_url=base_url)
    started = time.monotonic()
    deltas = 0
    with client.stream(
        model="emulator/long",
        input="write",
        max_output_tokens=tokens,
        metadata={"emulator_tps": str(tps)},
    ) as stream:
        for event in stream:
            deltas += event.type == "response.output_text.delta"
    return time.monotonic() - started, deltas, len(stream.response.output_text)


def through_magic(base_url: str, tokens: int, tps: int):
    shell, publisher = shell_with_capture()
    shell.run_line_magic("load_ext", "or_jupyter")
    magics = shell.magics_manager.registry["Responses"]
    magics.frontend = "notebook"
    magics.session.set_client(orj.Client(api_key="k", base_url=base_url))
    publisher.reset()
    driver._Relay = TimedRelay
    started = time.monotonic()
    shell.run_cell(f"%%responses -m emulator/long --max-output-tokens {tokens} --new\nwrite")
    seconds = time.monotonic() - started
    last_visible = _last_answer_publish(publisher) - TimedRelay.last_delta
    return seconds, last_visible, publisher.total_bytes(), publisher


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=12_000)
    parser.add_argument(
        "--tps", type=int, default=0, help="pace the emulator (0 = as fast as it can)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with emulator_process(args.tps) as base_url:
        alone, drawn = [], []
        for _ in range(args.rounds):  # interleaved, so machine noise hits both alike
            alone.append(client_alone(base_url, args.tokens, args.tps))
            drawn.append(through_magic(base_url, args.tokens, args.tps))
    seconds_alone, deltas, chars = min(alone)
    seconds_drawn, last_visible, _, publisher = min(drawn, key=lambda run: run[0])
    final_html = sum(len(o.get("text/html", "")) for o in publisher.outputs())
    published = publisher.total_bytes()
    answer_times = [m.at for m in publisher.messages if m.at] + [
        m.at for m in publisher.comms if m.kind != "comm_close"
    ]
    window = max(answer_times) - min(answer_times) if answer_times else 0
    redraws = _redraws(answer_times)
    per_second = _max_per_second(redraws)
    print(
        f"emulator/long: {deltas:,} deltas, {chars / 1000:.1f} KB of Markdown, tps={args.tps or 'unpaced'}"
    )
    print(f"final HTML in outputs:     {final_html / 1000:8.1f} KB")
    print(
        f"bytes published:           {published / 1000:8.1f} KB  = {published / final_html:.2f}x final"
        " (budget <= 5x)"
    )
    print(
        f"display messages:          {len(publisher.messages):8d}  in {len(redraws)} redraws over"
        f" {window:.2f} s; busiest second {per_second} redraws (budget ~20/s)"
    )
    print(f"outputs in the saved cell:  {len(publisher.outputs()):7d}  (budget <= 20)")
    print(f"last delta visible after:  {last_visible * 1000:8.1f} ms (budget 100 ms)")
    print(f"client alone:              {seconds_alone:8.3f} s")
    print(
        f"through the magic:         {seconds_drawn:8.3f} s  = +{(seconds_drawn / seconds_alone - 1) * 100:.0f}%"
        " (budget < +50%)"
    )


def _redraws(times: list[float]) -> list[float]:
    """Start times of redraws: messages published together (within 5 ms) are one redraw."""
    ordered = sorted(times)
    return [t for i, t in enumerate(ordered) if i == 0 or t - ordered[i - 1] > 0.005]


def _max_per_second(times: list[float]) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] > 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def _last_answer_publish(publisher) -> float:
    """When the last piece of answer was sent: a live widget's new value (or a display output)."""
    marks = ("orj-footer", "orj-notice", "<style>")
    pages = [(m.at, m.data.get("text/html", "")) for m in publisher.messages if not m.update]
    pages += [(m.at, _widget_value(m.data)) for m in publisher.comms]
    return max(at for at, page in pages if page and not any(k in page for k in marks))


def _widget_value(data: dict) -> str:
    state = data.get("state")
    value = state.get("value") if isinstance(state, dict) else None
    return value if isinstance(value, str) else ""


if __name__ == "__main__":
    main()
