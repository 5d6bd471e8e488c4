"""The agent's overhead per step: what `--agent` adds around the code it runs.

Two intervals per step, target <= 10 ms median each (issue 21):

- **before**: from the call's arguments being complete (the worker decodes
  `response.function_call_arguments.done`) to the code starting on the main thread;
- **after**: from the code's end to the next request being sent (httpx's request hook),
  which covers capturing, redacting and drawing the outputs, the card, and the request's
  JSON (a figure travels as a base64 PNG).

Each send is one step (the emulator runs the prompt's fenced block), through three paths:
`Conversation.send` with `orj.kernel_tools()` (Python), the magic in a blocking shell
(`run_send`), and the magic's async cell (`arun_send`, as in a kernel, where the main
thread hears the step through its event loop). Two workloads: a one-line step, and a step
that displays a 100-row DataFrame and draws a bar chart. The emulator runs in its own
process, as a server would.

    .venv/bin/python benchmarks/agent.py [--sends 40]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent.parent))

import or_jupyter as orj  # noqa: E402
from or_jupyter.notebook import cell as cells  # noqa: E402
from or_jupyter.notebook import runner as driver  # noqa: E402
from tests.helpers.display_capture import shell_with_capture  # noqa: E402

WORKLOADS = {
    "one line": "x = 1",
    "table + figure": (
        "import pandas as pd\nimport matplotlib\nmatplotlib.use('Agg')\n"
        "import matplotlib.pyplot as plt\n"
        "frame = pd.DataFrame({'n': range(100), 'sq': [i * i for i in range(100)]})\n"
        "display(frame)\nframe.head(10).plot.bar(x='n', y='sq')"
    ),
}
marks: dict[str, list[float]] = {"args": [], "requests": []}


@contextlib.contextmanager
def emulator_process():
    process = subprocess.Popen(
        [sys.executable, "-m", "or_jupyter.emulator", "--quiet"], stdout=subprocess.PIPE, text=True
    )
    try:
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait()


def note_event(event) -> None:
    if event.type == "response.function_call_arguments.done":
        marks["args"].append(time.perf_counter())


class TimedRelay(driver._Relay):
    """The runner's relay, noting (on the worker) when a call's arguments were complete."""

    def __init__(self, inbox, view, approvals):
        super().__init__(inbox, view, approvals)
        forward = self.on_event

        def on_event(event):
            note_event(event)
            forward(event)

        self.on_event = on_event


class Timed(orj.Observer):
    def on_event(self, event) -> None:
        note_event(event)


def client(base_url: str) -> orj.Client:
    hooks = {"request": [lambda request: marks["requests"].append(time.perf_counter())]}
    http = httpx.Client(event_hooks=hooks, timeout=60)
    return orj.Client(api_key="sk-bench", base_url=base_url, http_client=http, max_retries=0)


def overheads(steps) -> tuple[float, float]:
    """(before, after) in seconds for the one step of the last send."""
    [step] = steps
    args = marks["args"][-1]
    after_end = [t for t in marks["requests"] if t >= step.ended]
    return step.started - args, after_end[0] - step.ended


def prompt(code: str) -> str:
    return f"Run:\n```python\n{code}\n```"


def python_path(shell, base_url: str, code: str, sends: int) -> list[tuple[float, float]]:
    results = []
    for _ in range(sends):
        steps = []
        chat = orj.Conversation(
            model="emulator/assistant",
            tools=orj.kernel_tools(shell, auto=True, steps=steps),
            client=client(base_url),
        )
        chat.send(prompt(code), observer=Timed())
        results.append(overheads(steps))
    return results


def magic_path(shell, base_url: str, code: str, sends: int, *, awaited: bool):
    session = shell.magics_manager.registry["Responses"].session
    session.set_client(client(base_url))
    results = []
    for _ in range(sends):
        line = "--agent auto --new -m emulator/assistant --out bench_run"
        if awaited:
            asyncio.run(cells.run(session, line, prompt(code)))
        else:
            cells.run_blocking(session, line, prompt(code))
        shell.publisher.reset()
        results.append(overheads(shell.user_ns["bench_run"].steps))
    return results


def show(label: str, results: list[tuple[float, float]]) -> None:
    before = sorted(b * 1000 for b, _ in results)
    after = sorted(a * 1000 for _, a in results)

    def p90(values):
        return values[int(len(values) * 0.9) - 1]

    print(
        f"  {label:<34} before: median {statistics.median(before):6.2f} ms (p90 {p90(before):6.2f})"
        f"   after: median {statistics.median(after):6.2f} ms (p90 {p90(after):6.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=40)
    args = parser.parse_args()
    driver._Relay = TimedRelay
    shell, publisher = shell_with_capture()
    shell.publisher = publisher
    shell.run_line_magic("load_ext", "or_jupyter")
    magics = shell.magics_manager.registry["Responses"]
    magics.frontend = "notebook"
    with emulator_process() as base_url:
        print(f"agent overhead per step, {args.sends} sends per row (target: median <= 10 ms)")
        for workload, code in WORKLOADS.items():
            print(f"{workload}:")
            for warm in (python_path, magic_path):  # imports and first figures out of the way
                kwargs = {"awaited": False} if warm is magic_path else {}
                warm(shell, base_url, code, 2, **kwargs)
            show("Conversation.send + kernel_tools", python_path(shell, base_url, code, args.sends))
            show(
                "%%responses --agent auto (blocking)",
                magic_path(shell, base_url, code, args.sends, awaited=False),
            )
            show(
                "%%responses --agent auto (async cell)",
                magic_path(shell, base_url, code, args.sends, awaited=True),
            )


if __name__ == "__main__":
    main()
