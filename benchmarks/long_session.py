"""Long session: a real kernel driven through hundreds of cells and ChatForm turns, offline.

Starts an ipykernel through jupyter_client with `OR_JUPYTER_OFFLINE=1` (the in-process
emulator answers) and drives it as a frontend would, counting every iopub message as JSON
bytes (status and execute_input, which the driver causes, are left out):

  (a) `--cells` short `%%responses` cells in the default conversation, recorded into a
      cassette (`%responses record FILE`);
  (b) `--turns` ChatForm turns, each sent from kernel code (`form.send()`, as a click does);
  (c) `--compare-turns` ChatForm turns in compare mode (two models side by side).

The outputs are applied as a frontend applies them (display updates by display id,
late outputs to the cell that showed them) into an nbformat notebook, which is written to
disk. Each figure is printed with its target (issue 19).

    .venv/bin/python benchmarks/long_session.py [--cells 100] [--turns 100] [--compare-turns 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.manager import KernelManager

IGNORED = {"status", "execute_input"}  # the driver's own traffic
WIDGETS_OPEN = (
    "from ipywidgets.widgets import widget as _w\n"
    "print(len(getattr(_w, '_instances', None) or _w.Widget.widgets))"
)


class Notebook:
    """The notebook a frontend would hold: outputs appended by parent, updated by display id."""

    def __init__(self) -> None:
        self.cells: list[Any] = []
        self._by_msg: dict[str, Any] = {}
        self._displays: dict[str, list[tuple[Any, int]]] = {}

    def add_cell(self, source: str, msg_id: str) -> None:
        cell = nbformat.v4.new_code_cell(source)
        self.cells.append(cell)
        self._by_msg[msg_id] = cell

    def apply(self, message: dict[str, Any]) -> None:
        kind, content = message["header"]["msg_type"], message["content"]
        cell = self._by_msg.get(message["parent_header"].get("msg_id", ""))
        display_id = (content.get("transient") or {}).get("display_id")
        if kind == "update_display_data":
            for where, index in self._displays.get(display_id, []):
                where.outputs[index].data = content["data"]
                where.outputs[index].metadata = content.get("metadata", {})
            return
        if cell is None:
            return
        if kind == "clear_output":
            cell.outputs = []
        elif kind in ("display_data", "execute_result", "stream", "error"):
            fields = {k: v for k, v in content.items() if k != "transient"}
            cell.outputs.append(nbformat.v4.output_from_msg({**message, "content": fields}))
            if display_id:
                self._displays.setdefault(display_id, []).append((cell, len(cell.outputs) - 1))

    def html_of(self, cell: Any) -> int:
        """Bytes of plain HTML in a cell's outputs (what a saved notebook shows), UTF-8."""
        return sum(len(o.get("data", {}).get("text/html", "").encode()) for o in cell.outputs)


class Kernel:
    """One real kernel; `run` executes code and returns its iopub messages and wall time."""

    def __init__(self) -> None:
        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(env={**os.environ, "OR_JUPYTER_OFFLINE": "1"})
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)
        self.notebook = Notebook()
        self.pid = int(self.run("import os; print(os.getpid())")[2].strip())

    def run(self, code: str, *, cell: bool = False) -> tuple[list[dict], float, str]:
        started = time.monotonic()
        msg_id = self.client.execute(code)
        if cell:
            self.notebook.add_cell(code, msg_id)
        messages, text = [], []
        while True:
            message = self.client.get_iopub_msg(timeout=300)
            self.notebook.apply(message)
            kind = message["header"]["msg_type"]
            mine = message["parent_header"].get("msg_id") == msg_id
            if kind == "status" and mine and message["content"]["execution_state"] == "idle":
                break
            if kind == "stream" and mine:
                text.append(message["content"]["text"])
            if kind == "error" and mine:
                raise RuntimeError("\n".join(message["content"]["traceback"]))
            if kind not in IGNORED:
                messages.append(message)
        return messages, time.monotonic() - started, "".join(text)

    def widgets(self) -> int:
        return int(self.run(WIDGETS_OPEN)[2].strip())

    def rss(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def size(messages: list[dict]) -> int:
    """Bytes as JSON, the way the kernel serialises each message's parts (jupyter_client's
    `json_packer`: UTF-8, non-ASCII characters as they are)."""
    return sum(
        len(json.dumps(m[part], default=str, ensure_ascii=False).encode())
        for m in messages
        for part in ("header", "parent_header", "metadata", "content")
    )


def kb(value: float) -> str:
    return f"{value / 1024:,.1f} KB"


def mb(value: float) -> str:
    return f"{value / 1024 / 1024:,.2f} MB"


def show(label: str, value: str, target: str = "") -> None:
    print(f"  {label:<46} {value:<34} {('target: ' + target) if target else ''}")


def cells_phase(kernel: Kernel, cells: int, cassette: Path) -> None:
    print(f"(a) {cells} %%responses cells of short answers, one default conversation")
    kernel.run(f"%responses record {cassette}")
    per_cell, walls, ratios = [], [], []
    for number in range(cells):
        code = f"%%responses\nWhat is {number % 50 + 2}*7? One sentence."
        messages, wall, _ = kernel.run(code, cell=True)
        per_cell.append(size(messages))
        walls.append(wall)
        ratios.append(per_cell[-1] / max(1, kernel.notebook.html_of(kernel.notebook.cells[-1])))
    kernel.run("%responses record off")
    head, tail = per_cell[:10], per_cell[-10:]
    show("iopub bytes, all cells", mb(sum(per_cell)))
    show(
        "bytes per cell, first 10 / last 10",
        f"{kb(statistics.mean(head))} / {kb(statistics.mean(tail))}",
        "equal",
    )
    show(
        "published / final HTML, a short answer (median)",
        f"{statistics.median(ratios):.1f}x",
        "<= 5x",
    )
    early = statistics.median(walls[5:15] or walls)  # around cell 10, imports done
    last = statistics.median(walls[-10:])
    show(
        "wall per cell, cell 10 / last 10 (median)",
        f"{early * 1000:.0f} / {last * 1000:.0f} ms ({last / early:.2f}x)",
        "<= 1.2x",
    )
    show(
        "cassette size",
        mb(cassette.stat().st_size) if cassette.exists() else "none",
        "linear in cells",
    )


def form_phase(kernel: Kernel, turns: int, compare: bool) -> None:
    name = "compare form" if compare else "form"
    print(
        f"({'c' if compare else 'b'}) {turns} ChatForm turns{' in compare mode' if compare else ''}"
    )
    setup = "import or_jupyter as orj\nform = orj.ChatForm(model='emulator/assistant')\n"
    if compare:
        setup += (
            "assert form.wait(60)\nform.compare.value = True\n"
            "form.models.value = ('emulator/assistant', 'emulator/echo')\n"
        )
    kernel.run(setup + "form", cell=True)
    form_cell = kernel.notebook.cells[-1]
    per_turn, widget_bytes, open_after = [], 0, {}
    for number in range(1, turns + 1):
        prompt = f"What is {number % 50 + 2}*7? Answer in one sentence."
        code = f"form.prompt.value = {prompt!r}\nassert form.send() and form.wait(120), form.error"
        messages, _, _ = kernel.run(code, cell=True)
        per_turn.append(size(messages))
        widget_bytes += size([m for m in messages if m["header"]["msg_type"].startswith("comm")])
        if number in (5, turns):
            open_after[number] = kernel.widgets()
    final = kernel.notebook.html_of(form_cell)
    total = sum(per_turn)
    n = min(10, turns // 2) or 1
    show(f"{name}: iopub bytes over {turns} turns", mb(total))
    show("final transcript (plain HTML in the saved cell)", kb(final))
    show("bytes / final transcript", f"{total / max(1, final):.1f}x", "<= 3x")
    show(
        "  of which widget messages (controls, live turns)",
        f"{widget_bytes / max(1, final):.1f}x",
    )
    first, last = statistics.mean(per_turn[:n]), statistics.mean(per_turn[-n:])
    show(f"bytes per turn, first {n} / last {n}", f"{kb(first)} / {kb(last)}", "equal")
    if 5 in open_after:
        show(
            f"open widget models after turn 5 / {turns}",
            f"{open_after[5]} / {open_after[turns]}",
            "equal",
        )
    outputs = len(form_cell.outputs)
    show("outputs of the form's cell", str(outputs), "< 50 (JupyterLab's default limit)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=100, help="%%%%responses cells (a)")
    parser.add_argument("--turns", type=int, default=100, help="ChatForm turns (b)")
    parser.add_argument("--compare-turns", type=int, default=20, help="compare turns (c), 0: skip")
    args = parser.parse_args()
    kernel = Kernel()
    try:
        kernel.run("%load_ext or_jupyter")
        rss_start = kernel.rss()
        with tempfile.TemporaryDirectory() as folder:
            if args.cells:
                cells_phase(kernel, args.cells, Path(folder) / "session.cassette")
            if args.turns:
                form_phase(kernel, args.turns, compare=False)
            if args.compare_turns:
                form_phase(kernel, args.compare_turns, compare=True)
            path = Path(folder) / "long_session.ipynb"
            notebook = nbformat.v4.new_notebook(cells=kernel.notebook.cells)
            nbformat.write(notebook, path)
            print("the whole session")
            show("kernel RSS at start / end", f"{mb(rss_start)} / {mb(kernel.rss())}")
            show("saved notebook", mb(path.stat().st_size), "<= 1/2 of 3.05 MB per 300 cells")
    finally:
        kernel.close()


if __name__ == "__main__":
    main()
