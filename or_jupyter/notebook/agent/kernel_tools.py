"""The kernel as a tool: run Python in the notebook, inspect its variables, read its cells.

`kernel_tools()` gives the three tools, for `--agent` and for `Conversation(tools=...)`.
`run_python` runs on the kernel's main thread like a cell (`Tool(main_thread=True)`) and,
unless `auto`, asks the user first (`confirm=True`). What goes back to the model is text,
capped with a note when cut, with every secret replaced by `[redacted]` (the OpenRouter
key, and any environment value whose name says KEY, TOKEN, SECRET or PASSWORD), and the
figures as images. The card shows the same outputs as safe HTML.
"""

from __future__ import annotations

import contextlib
import inspect
import re
import sys
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from typing import Any

from ...render.steps import CODE_TOOL, outputs_html
from ...tools import Tool
from ...tools.output import RichOutput
from ..context import cells_context, redact
from .capture import Step, main_loop, on_main_thread, run_code

__all__ = ["MODEL_TEXT_LIMIT", "kernel_tools", "model_text", "redacted_outputs"]

MODEL_TEXT_LIMIT = 12_000  # characters of one step's text the model gets
MAX_IMAGES = 4  # figures of one step sent to the model
VARIABLES_LIMIT = 12_000
REPR_LIMIT = 200
_DEFAULT_REPR = re.compile(r"^<[\w.]+ object at 0x[0-9a-f]+>$|^<IPython\.core\.display\.")


def kernel_tools(
    shell: Any = None,
    *,
    auto: bool = False,
    keys: Iterable[str] | Callable[[], Iterable[str]] = (),
    steps: list[Step] | None = None,
) -> list[Tool]:
    """The agent's tools over `shell` (the running IPython by default): `run_python`,
    `inspect_variables`, `read_notebook`.

    `auto=False` (the default) makes `run_python` ask the user before each run (the
    notebook's Approve / Deny; outside a notebook nobody can be asked, so pass `auto=True`
    to run unattended). `keys` are more secrets to redact (a callable is asked each time);
    each run is appended to `steps` when given.
    """
    shell = shell or _current_shell()
    loop = main_loop()

    def secrets() -> list[str]:
        return [k for k in (keys() if callable(keys) else keys) if k]

    def run_python(code: str) -> RichOutput:
        """Run Python code in the user's Jupyter notebook, like a new cell, and see what it
        printed, displayed and returned (figures come back as images).

        The notebook's variables, imports and data are all available, and what the code
        defines stays for later steps. End with an expression to see its value; use
        matplotlib to make figures. Long outputs are cut.

        Args:
            code: Python source to run in the notebook's namespace.
        """
        step = on_main_thread(lambda: run_code(shell, code), loop)
        step.outputs = redacted_outputs(step.outputs, secrets())
        if steps is not None:
            steps.append(step)
        text, images = model_text(step)
        error = None
        if step.status != "done":
            error = _last_line(step.outputs) or step.status
        return RichOutput(text, images, step.status, error, outputs_html(step.outputs))

    def inspect_variables(names: list[str] | None = None) -> str:
        """List the notebook's variables: name, type, shape or length, and a short preview
        (DataFrames with their columns, dtypes and first rows). Modules, functions, classes
        and IPython's own names are left out.

        Args:
            names: Only these variables (all of them when omitted).
        """
        return redact(describe_variables(shell, names), keys=secrets(), named=False)

    def read_notebook(count: int = 5) -> str:
        """Read the sources (and short outputs) of the last cells the user ran in the notebook.

        Args:
            count: How many of the most recent cells to read (1-50).
        """
        count = max(1, min(int(count), 50))
        return cells_context(shell, count, keys=secrets()) or "No cells have been run yet."

    return [
        Tool(run_python, name=CODE_TOOL, confirm=not auto, main_thread=True),
        Tool(inspect_variables),
        Tool(read_notebook),
    ]


def model_text(step: Step) -> tuple[str, list[str]]:
    """What the model is told of a step: its outputs as text (capped, with a note when
    cut) and its figures as PNG data URLs."""
    texts: list[str] = []
    images: list[str] = []
    for output in step.outputs:
        kind = output.get("kind")
        if kind in ("stream", "error"):
            texts.append(output["text"])
            continue
        data = output.get("data") or {}
        if isinstance(data.get("image/png"), str):
            if len(images) < MAX_IMAGES:
                images.append(f"data:image/png;base64,{data['image/png']}")
                texts.append(f"[figure {len(images)}: sent as an image]\n")
            else:
                texts.append("[another figure, not sent: too many in one step]\n")
            continue
        plain = str(data.get("text/plain", ""))
        if isinstance(data.get("text/html"), str) and (not plain or _DEFAULT_REPR.match(plain)):
            plain = html_text(data["text/html"])
        if plain:
            texts.append(plain.rstrip("\n") + "\n")
    text = "".join(texts)
    if len(text) > MODEL_TEXT_LIMIT:
        more = len(text) - MODEL_TEXT_LIMIT
        text = f"{text[:MODEL_TEXT_LIMIT]}\n[… output cut: {more:,} more characters not shown]"
    status = {"done": "ran", "error": "raised an exception", "interrupted": "was interrupted"}
    head = f"The code {status.get(step.status, step.status)}"
    return (f"{head}. Output:\n{text}" if text.strip() else f"{head}; it printed nothing."), images


def redacted_outputs(outputs: list[dict[str, Any]], keys: Iterable[str]) -> list[dict[str, Any]]:
    """The outputs with every secret's value replaced by `[redacted]` in every text."""
    keys = list(keys)

    def clean(text: str) -> str:
        return redact(text, keys=keys, named=False)

    cleaned = []
    for output in outputs:
        output = dict(output)
        if "text" in output:
            output["text"] = clean(output["text"])
        if "data" in output:
            output["data"] = {
                mime: clean(value) if mime.startswith("text/") and isinstance(value, str) else value
                for mime, value in output["data"].items()
            }
        cleaned.append(output)
    return cleaned


def describe_variables(shell: Any, names: list[str] | None = None) -> str:
    """The notebook's variables, one paragraph each (see `inspect_variables`)."""
    namespace = shell.user_ns
    hidden = getattr(shell, "user_ns_hidden", {})
    wanted = names if names else [n for n in namespace if _listed(n, namespace[n], hidden)]
    lines = []
    for name in wanted:
        if name not in namespace:
            lines.append(f"{name}: not defined")
            continue
        lines.append(_describe(name, namespace[name]))
    text = "\n".join(lines) or "No variables defined yet."
    if len(text) > VARIABLES_LIMIT:
        text = f"{text[:VARIABLES_LIMIT]}\n[… cut: ask for fewer names]"
    return text


def _listed(name: str, value: Any, hidden: dict[str, Any]) -> bool:
    if name.startswith("_") or (name in hidden and hidden[name] is value):
        return False
    if name in ("In", "Out", "exit", "quit", "get_ipython"):
        return False
    return not (
        inspect.ismodule(value)
        or inspect.isroutine(value)
        or inspect.isclass(value)
        or isinstance(value, Tool)
    )


def _describe(name: str, value: Any) -> str:
    kind = type(value)
    label = (
        f"{name}: {kind.__module__ + '.' if kind.__module__ != 'builtins' else ''}{kind.__name__}"
    )
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(value, pandas.DataFrame):
        label = f"{name}: pandas.DataFrame"
        rows, columns = value.shape
        dtypes = ", ".join(f"{c} ({t})" for c, t in value.dtypes.astype(str).items())
        head = value.head(5).to_string(max_cols=20)
        return f"{label}, {rows} rows × {columns} columns: {dtypes}\n{head}\n"
    if pandas is not None and isinstance(value, pandas.Series):
        label = f"{name}: pandas.Series"
        return f"{label}, length {len(value)}, dtype {value.dtype}\n{value.head(5).to_string()}\n"
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple):
        label += f", shape {shape}"
        if hasattr(value, "dtype"):
            label += f", dtype {value.dtype}"
    elif hasattr(value, "__len__") and not isinstance(value, (str, bytes)):
        with contextlib.suppress(Exception):  # a broken __len__ only loses the length
            label += f", length {len(value)}"
    return f"{label} = {_short_repr(value)}"


def _short_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # noqa: BLE001 - a broken __repr__ is described, not raised
        return f"<repr failed: {type(exc).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= REPR_LIMIT else text[:REPR_LIMIT] + "…"


def html_text(html: str) -> str:
    """HTML as plain text for the model: tags dropped, table cells apart, rows on lines."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = ["".join(line).strip() for line in parser.lines]
    return "\n".join(line for line in lines if line)


class _Text(HTMLParser):
    _BREAKS = {"tr", "p", "div", "br", "li", "h1", "h2", "h3", "h4", "table", "thead", "tbody"}
    _SKIP = {"style", "script"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[list[str]] = [[]]
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BREAKS:
            self.lines.append([])
        elif tag in ("td", "th") and self.lines[-1]:
            self.lines[-1].append("\t")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.lines[-1].append(data.strip("\n"))


def _last_line(outputs: list[dict[str, Any]]) -> str:
    errors = [o["text"] for o in outputs if o.get("kind") == "error"]
    lines = errors[-1].strip().splitlines() if errors else []
    return lines[-1] if lines else ""


def _current_shell() -> Any:
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("kernel_tools() needs IPython: call it in a notebook, or pass shell=")
    return shell
