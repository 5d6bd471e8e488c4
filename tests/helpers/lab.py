"""Helpers to drive notebooks in JupyterLab 4 or Notebook 7 from Playwright tests.

Kernel and cell *state* is read through the frontend's own objects (``window.jupyterapp``,
exposed by the server's ``expose_app_in_browser`` options): the kernel's status and each
cell model's ``executionState`` say exactly when work starts and ends, where DOM prompts
like ``[*]`` only hint at it. What a person *sees* (outputs, widgets, clicks) is checked in
the DOM with Playwright locators. Both frontends are built from the same JupyterLab
packages, so only :func:`open_notebook` differs between them (the URL).

All helpers act on the notebook in the current main-area widget, the one
:func:`open_notebook` opened.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from .lazy import lazy_module

nbformat = lazy_module("nbformat")

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

KERNEL_START_TIMEOUT_MS = 60_000
RUN_TIMEOUT_MS = 60_000

_workspaces = itertools.count()

# The notebook panel of the current tab, as a JS expression.
_PANEL = "window.jupyterapp.shell.currentWidget"
OFFLINE_SETUP = "%load_ext or_jupyter\n%responses offline on\n"  # a first cell: the emulator


def write_notebook(root: Path, name: str, cells: list[str]) -> Path:
    """Write a notebook of code cells (one source string each) under ``root``; return its
    path. Its kernelspec is ``python3``, which the server maps to the venv's Python."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    path = Path(root) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def open_notebook(page: Page, lab, name: str) -> None:
    """Open ``name`` (relative to ``lab.root``) in ``lab.frontend`` and wait until its
    kernel is idle.

    In JupyterLab each call uses a new, empty workspace, so JupyterLab does not restore
    tabs (and start kernels) left open by an earlier test; Notebook 7 shows one notebook
    per page and restores nothing.
    """
    if lab.frontend == "notebook7":
        page.goto(f"{lab.url}/notebooks/{quote(name)}?token={lab.token}")
    else:
        workspace = f"test{next(_workspaces)}"
        page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{quote(name)}?token={lab.token}")
    page.wait_for_function(
        f"""(path) => {{
            const panel = window.jupyterapp && {_PANEL};
            const kernel = panel?.context?.path === path && panel.sessionContext?.session?.kernel;
            return !!kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected';
        }}""",
        arg=name,
        timeout=KERNEL_START_TIMEOUT_MS,
    )


def run_cell(page: Page, index: int) -> None:
    """Start running cell ``index`` (0-based) and return as soon as it is running, without
    waiting for it to finish: tests can watch outputs change, then :func:`wait_for_idle`.

    Uses JupyterLab's ``notebook:run-cell`` command (run, do not advance), so no keyboard
    focus is involved and no new cell is appended after the last one.
    """
    page.evaluate(
        f"""async (index) => {{
            const notebook = {_PANEL}.content;
            const cell = notebook.widgets[index];
            notebook.activeCellIndex = index;
            notebook.deselectAll();
            const started = new Promise((resolve) => {{
                const check = () => cell.model.executionState === 'running' && resolve();
                cell.model.stateChanged.connect(check);
                check();
            }});
            const finished = window.jupyterapp.commands.execute('notebook:run-cell');
            await Promise.race([started, finished]);
        }}""",
        index,
    )


def wait_for_idle(page: Page, timeout: float = RUN_TIMEOUT_MS) -> None:
    """Wait until no cell is running or queued and the kernel reports ``idle``."""
    page.wait_for_function(
        f"""() => {{
            const panel = {_PANEL};
            const kernel = panel.sessionContext.session?.kernel;
            return kernel?.status === 'idle'
                && panel.content.widgets.every((c) => c.model.executionState !== 'running');
        }}""",
        timeout=timeout,
    )


def cell(page: Page, index: int) -> Locator:
    """The DOM node of cell ``index`` in the visible notebook."""
    return page.locator(".jp-NotebookPanel:visible .jp-Notebook-cell").nth(index)


def cell_output(page: Page, index: int) -> Locator:
    """The output area of cell ``index`` (use ``expect(...).to_contain_text`` on it)."""
    return cell(page, index).locator(".jp-Cell-outputArea")


def save_notebook(page: Page) -> None:
    """Save the current notebook to disk and wait until it is no longer dirty."""
    dirty = page.evaluate(
        f"""async () => {{
            const context = {_PANEL}.context;
            await context.save();
            return context.model.dirty;
        }}"""
    )
    assert not dirty, "the notebook is still dirty after saving"


class OutputWatch:
    """Every distinct text a cell's output area showed, recorded in the page as it happens
    (a MutationObserver), so a test sees intermediate states without polling or sleeping."""

    _ids = itertools.count()

    def __init__(self, page: Page, index: int):
        self.page = page
        self.key = f"w{next(self._ids)}"
        page.evaluate(
            f"""([index, key]) => {{
                const cell = {_PANEL}.content.widgets[index];
                const node = cell.outputArea.node;
                const seen = (window.__orjWatch ??= {{}})[key] = [];
                const record = () => {{
                    const text = node.innerText;
                    if (seen.length && seen[seen.length - 1].text === text) return;
                    const running = cell.model.executionState === 'running';
                    seen.push({{text, running, ms: performance.now()}});
                }};
                new MutationObserver(record).observe(
                    node, {{subtree: true, childList: true, characterData: true}});
                record();
            }}""",
            [index, self.key],
        )

    def snapshots(self) -> list[dict]:
        """``[{"text", "running", "ms"}, ...]``: each distinct output text, whether the cell
        was still running when it appeared, and when (page clock, milliseconds)."""
        return self.page.evaluate("(key) => window.__orjWatch[key]", self.key)

    def texts(self) -> list[str]:
        return [snapshot["text"] for snapshot in self.snapshots()]


def watch_output(page: Page, index: int) -> OutputWatch:
    """Start recording the output texts of cell ``index``; call before :func:`run_cell`."""
    return OutputWatch(page, index)


def notebook_after_setup(
    page: Page, lab, name: str, *cells: str, setup: str = OFFLINE_SETUP
) -> None:
    """Write a notebook of `setup` (the emulator, by default) and `cells`, open it and run
    `setup`; the cells after it are left for the test to run."""
    write_notebook(lab.root, name, [setup, *cells])
    open_notebook(page, lab, name)
    run_cell(page, 0)
    wait_for_idle(page)
