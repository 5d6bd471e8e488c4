"""The size of a saved notebook of many short `%%responses` answers (issue 19, item 6).

A notebook of `--cells` `%%responses` cells (offline emulator, one conversation, short
arithmetic answers) is executed in a real kernel with nbclient and saved without widget
state (as JupyterLab saves by default: nbclient would also store the state of every
widget the live views opened and closed, 15 KB a cell). Prints the
file's size, what each cell costs, and where the bytes go: `<style>` blocks, the
`or_jupyter` output metadata (`orj.responses_in` reads it back; its cells are counted),
the HTML and the plain text.

    .venv/bin/python benchmarks/saved_notebook.py [--cells 300] [--keep PATH]
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

import or_jupyter as orj

STYLE = re.compile(r"<style>.*?</style>", re.S)


def notebook(cells: int) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("%load_ext or_jupyter\n%responses offline on")]
    nb.cells += [
        nbformat.v4.new_code_cell(f"%%responses -m emulator/assistant\nWhat is {n} times 7?")
        for n in range(1, cells + 1)
    ]
    return nb


def shares(path: Path) -> dict[str, int]:
    """Bytes of the saved file by kind: style blocks, metadata, HTML (without style), text."""
    data = json.loads(path.read_text(encoding="utf-8"))
    found = {"style": 0, "metadata": 0, "html": 0, "text": 0}
    for cell in data["cells"]:
        for output in cell.get("outputs", []):
            html = "".join(output.get("data", {}).get("text/html", ""))
            styles = sum(len(m) for m in STYLE.findall(html))
            found["style"] += styles
            found["html"] += len(html) - styles
            found["text"] += len("".join(output.get("data", {}).get("text/plain", "")))
            meta = output.get("metadata", {}).get("or_jupyter")
            if meta is not None:
                found["metadata"] += len(json.dumps(meta, indent=1))
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=300)
    parser.add_argument("--keep", type=Path, help="also save the executed notebook here")
    args = parser.parse_args()
    nb = notebook(args.cells)
    NotebookClient(nb, timeout=600, kernel_name="python3", store_widget_state=False).execute()
    with tempfile.TemporaryDirectory() as scratch:
        path = args.keep or Path(scratch) / "long.ipynb"
        nbformat.write(nb, path)
        size = path.stat().st_size
        parts = shares(path)
        restored = orj.responses_in(path)
    print(f"cells: {args.cells} short answers (emulator/assistant, offline, one conversation)")
    print(f"saved notebook: {size:,} bytes ({size / args.cells:,.0f} per cell)")
    for name, count in parts.items():
        print(f"  {name:9}: {count:10,} characters ({count / size:5.1%})")
    history = len(restored.chats["default"].history) if restored.chats else 0
    print(f"responses_in: {len(restored.cells)} answers, default conversation {history} items")


if __name__ == "__main__":
    main()
