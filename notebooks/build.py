"""Build the tutorial notebooks from their sources, execute them offline, save them with outputs.

    python notebooks/build.py            # every notebook
    python notebooks/build.py 03 06      # only those whose name starts so
    python notebooks/build.py --no-run   # write the cells without executing them

Each notebook's source is notebooks/src/NAME.py, a jupytext percent script (`# %%` code
cells, `# %% [markdown]` cells); this script adds the shared setup cell where the source
has its placeholder. The notebooks are saved with the outputs of an offline run (the local
emulator, no API key), so visitors on GitHub and Binder see answers before running anything.
Edit the sources, not the .ipynb files: tests/notebook/test_notebooks.py checks that the two
agree.
"""

from __future__ import annotations

import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jupytext
import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
TIMEOUT = 120  # seconds per cell
BUILD_TPS = 150  # the saved outputs come from a paced stream, so their timings look real
WIDGET_NOTEBOOKS = {"05-widgets"}  # keep widget state in the saved file (nbviewer shows it)
SOURCES = HERE / "src"
NOTEBOOKS = tuple(sorted(p.stem for p in SOURCES.glob("*.py")))
CELL_MAKERS = {"code": new_code_cell, "markdown": new_markdown_cell}


def setup_cell(
    model: str, *, python_api: bool = False, magic: bool = True, import_orj: bool = True
) -> nbformat.NotebookNode:
    """The first code cell of every notebook: OpenRouter when a key is set, else the emulator."""
    lines = ["%load_ext or_jupyter"] if magic else []
    lines += ["import os", ""]
    if import_orj or python_api or not magic:
        lines += ["import or_jupyter as orj", ""]
    lines.append(f'MODEL = "{model}"  # any OpenRouter model id')
    if magic:
        lines.append("%config Responses.model = MODEL")
    lines += [
        "",
        'if os.environ.get("OR_JUPYTER_REPLAY"):  # answers recorded from OpenRouter (a cassette)',
        "    print(f\"Backend: answers recorded from OpenRouter, {os.environ['OR_JUPYTER_REPLAY']}\")",
        'elif os.environ.get("OPENROUTER_API_KEY"):',
        '    print(f"Backend: OpenRouter, model {MODEL}")',
        "else:",
    ]
    if python_api or not magic:
        lines.append("    orj.offline()  # Python clients created from now on use the emulator")
    if magic:
        lines.append("    %responses offline on")
    else:
        lines.append(
            '    print(f"Backend: offline emulator (scripted answers); {MODEL} is '
            'played by its assistant")'
        )
    return new_code_cell("\n".join(lines))


def cells(name: str) -> list[nbformat.NotebookNode]:
    """The notebook's cells: those of its source, the setup cell in place of its placeholder.

    The placeholder is the empty cell `# %% setup={...}`; its JSON holds `setup_cell`'s
    arguments. Cells keep only their type and source (no jupytext metadata).
    """
    made = []
    for c in read_source(name).cells:
        if "setup" in c.metadata:
            made.append(setup_cell(**c.metadata["setup"]))
        elif c.cell_type in CELL_MAKERS:
            made.append(CELL_MAKERS[c.cell_type](c.source))
        else:
            raise ValueError(f"{name}.py: a {c.cell_type} cell; sources hold code and markdown")
    return made


def read_source(name: str) -> nbformat.NotebookNode:
    """notebooks/src/NAME.py read as a notebook (jupytext percent format)."""
    return jupytext.read(SOURCES / f"{name}.py", fmt="py:percent")


def notebook(name: str) -> nbformat.NotebookNode:
    nb = new_notebook(cells=cells(name))
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def offline_env(tps: float | None = None) -> dict[str, str]:
    """The kernel's environment for an offline run: emulator on, no key anywhere.

    `tps` paces the emulator (tokens per second); None streams as fast as it can.
    """
    env = {k: v for k, v in os.environ.items() if k != "OPENROUTER_API_KEY"}
    env["OR_JUPYTER_OFFLINE"] = "1"
    env.pop("OR_JUPYTER_EMULATOR_TPS", None)
    if tps:
        env["OR_JUPYTER_EMULATOR_TPS"] = str(tps)
    return env


def execute(
    nb: nbformat.NotebookNode,
    cwd: str | Path,
    *,
    store_widget_state: bool = False,
    tps: float | None = None,
    timeout: int = TIMEOUT,
) -> nbformat.NotebookNode:
    """Execute `nb` in place in a fresh offline kernel started in `cwd`."""
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
        store_widget_state=store_widget_state,
        coalesce_streams=True,
    )
    client.execute(env=offline_env(tps), cwd=str(cwd))
    return nb


def build(name: str, run: bool = True) -> Path:
    nb = notebook(name)
    if run:
        with tempfile.TemporaryDirectory() as scratch:  # files a notebook writes go here
            execute(nb, scratch, store_widget_state=name in WIDGET_NOTEBOOKS, tps=BUILD_TPS)
    path = HERE / f"{name}.ipynb"
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return path


def main(argv: list[str]) -> int:
    run = "--no-run" not in argv
    prefixes = [a for a in argv if not a.startswith("--")]
    names = [n for n in NOTEBOOKS if not prefixes or any(n.startswith(p) for p in prefixes)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        for path in pool.map(lambda n: build(n, run), names):
            print("wrote", path.relative_to(HERE.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
