"""The scripted assistant as an agent: asked to compute or plot with the notebook's
`run_python` tool offered, it calls it with deterministic code, reads the result, and
answers from it, so that agent cells run offline.

Rules (also in README.md), for the turn since the last user message:
- a fenced Python block in the prompt is run as it is, once;
- otherwise, for a prompt that asks to compute or plot something: the DataFrame is the
  first name in backticks, else the first DataFrame `inspect_variables` lists (called
  first when offered); step 1 sums its first numeric column by its first text column
  (columns the prompt names come first), or describes it, step 2 (when a plot is asked for) draws that as a bar chart;
- then the answer quotes the results and says what it sees in each figure.
"""

from __future__ import annotations

import re
from typing import Any

from . import images
from .request import Request

CODE_TOOL = "run_python"
INSPECT_TOOL = "inspect_variables"
_FENCE = re.compile(r"```(?:python|py)?[ \t]*\n(.*?)```", re.S)
_ASKS = re.compile(
    r"\b(comput\w*|calculat\w*|analy[sz]\w*|plot\w*|chart\w*|graph\w*|sum|total\w*|"
    r"averag\w*|mean|count\w*|describe|summari[sz]\w*)\b",
    re.I,
)
_PLOTS = re.compile(r"\b(plot\w*|chart\w*|graph\w*|draw\w*|visuali[sz]\w*)\b", re.I)
_FRAME = re.compile(r"^(\w+): pandas\.DataFrame, \d+ rows × \d+ columns: (.*)$", re.M)
_ROW = re.compile(r"^(\S[^\t]*?)\s+(-?\d[\d.,]*)$")


def step(request: Request) -> tuple[list[tuple[str, dict[str, Any]]], str | None] | None:
    """The agent's next move: `(calls, None)` (name and arguments of each call), `([], text)`
    for the answer, or None when the agent rules do not apply to this request."""
    names = {tool["name"] for tool in request.tools}
    prompt = request.last_user_text
    fenced = _FENCE.search(prompt)
    if CODE_TOOL not in names or not (fenced or _ASKS.search(prompt)):
        return None
    done = _calls_since_user(request.items)
    runs = [output for name, _, output in done if name == CODE_TOOL]
    if fenced:
        if not runs:
            return [(CODE_TOOL, {"code": fenced.group(1)})], None
        return [], _answer(done)
    frame = _frame(prompt, done)
    if frame is None and INSPECT_TOOL in names and not any(n == INSPECT_TOOL for n, *_ in done):
        return [(INSPECT_TOOL, {})], None
    plan = _plan(frame, bool(_PLOTS.search(prompt)), prompt)
    if len(runs) < len(plan) and not _failed(runs):
        return [(CODE_TOOL, {"code": plan[len(runs)]})], None
    return [], _answer(done)


def _calls_since_user(items: list[dict[str, Any]]) -> list[tuple[str, str, Any]]:
    """(name, call_id, output) of the calls answered since the last user message."""
    start = 0
    for index, item in enumerate(items):
        if item.get("role") == "user" and item.get("type", "message") == "message":
            start = index + 1
    names: dict[str, str] = {}
    done = []
    for item in items[start:]:
        if item.get("type") == "function_call":
            names[str(item.get("call_id"))] = str(item.get("name"))
        elif item.get("type") == "function_call_output":
            call_id = str(item.get("call_id"))
            done.append((names.get(call_id, ""), call_id, item.get("output")))
    return done


def _frame(
    prompt: str, done: list[tuple[str, str, Any]]
) -> tuple[str, list[tuple[str, str]]] | None:
    """The DataFrame to work on: its name and (column, dtype) pairs when known."""
    for name, _, output in done:
        if name == INSPECT_TOOL:
            found = _FRAME.search(_text(output))
            if found:
                columns = re.findall(r"([^,]+?) \((\w+)\)", found.group(2))
                return found.group(1), [(c.strip(), t) for c, t in columns]
    named = re.search(r"`([A-Za-z_]\w*)`", prompt)
    return (named.group(1), []) if named else None


def _plan(frame: tuple[str, list[tuple[str, str]]] | None, plot: bool, prompt: str) -> list[str]:
    """The code of each step, in order (columns the prompt names first)."""
    if frame is None:
        return []
    name, columns = frame
    words = set(re.findall(r"\w+", prompt.lower()))
    columns = sorted(columns, key=lambda column: column[0].lower() not in words)
    labels = [c for c, t in columns if t in ("object", "str", "string", "category")]
    numbers = [c for c, t in columns if t.startswith(("int", "float"))]
    if labels and numbers:
        compute = (
            f"summary = {name}.groupby({labels[0]!r})[{numbers[0]!r}].sum()"
            f".sort_values(ascending=False)\nsummary"
        )
        draw = (
            "import matplotlib.pyplot as plt\n\n"
            f"ax = summary.plot.bar(title={f'{numbers[0]} by {labels[0]}'!r}, rot=0)\n"
            f"ax.set_ylabel({numbers[0]!r})\nplt.show()"
        )
    else:
        compute = f"summary = {name}.describe()\nsummary"
        draw = f"import matplotlib.pyplot as plt\n\nax = {name}.plot(title={name!r})\nplt.show()"
    return [compute, draw] if plot else [compute]


def _failed(runs: list[Any]) -> bool:
    return any(re.match(r"The code (raised|was interrupted)", _text(o)) for o in runs)


def _answer(done: list[tuple[str, str, Any]]) -> str:
    """The final answer, read from the outputs of the code the agent ran."""
    runs = [output for name, _, output in done if name == CODE_TOOL]
    declined = [o for o in runs if _text(o).startswith("Error:")]
    runs = [o for o in runs if not _text(o).startswith("Error:")]
    parts = [f"I ran {len(runs)} step{'s' if len(runs) != 1 else ''} of code in the notebook."]
    if declined:
        parts.append(
            f"{len(declined)} step{'s were' if len(declined) > 1 else ' was'} not run: "
            f"`{_text(declined[0])[:160]}`"
        )
    for number, output in enumerate(runs, 1):
        text = _text(output)
        body = text.split("Output:\n", 1)[1] if "Output:\n" in text else ""
        rows = [m for line in body.splitlines() if (m := _ROW.match(line.strip()))]
        if text.startswith("The code raised"):
            last = [line for line in body.splitlines() if line.strip()][-1:] or ["an error"]
            parts.append(f"Step {number} failed: `{last[0].strip()}`.")
        elif text.startswith("The code was interrupted"):
            parts.append(f"Step {number} was interrupted, so I stopped there.")
        elif rows:
            top = rows[0]
            parts.append(
                f"Step {number}: **{top.group(1).strip()}** comes first with "
                f"{top.group(2)} ({len(rows)} rows in the result)."
            )
        elif body.strip() and not body.lstrip().startswith("[figure"):
            first = body.strip().splitlines()[0]
            parts.append(f"Step {number} printed: `{first[:120]}`.")
        seen = [images._seen(part) for part in _images(output)]
        parts += [f"In the figure of step {number}: {s}" for s in seen if s]
    return " ".join(parts) + "\n"


def _text(output: Any) -> str:
    if isinstance(output, str):
        return output
    if isinstance(output, list):
        return "\n".join(
            str(p.get("text", ""))
            for p in output
            if isinstance(p, dict) and p.get("type") == "input_text"
        )
    return str(output)


def _images(output: Any) -> list[dict[str, Any]]:
    if not isinstance(output, list):
        return []
    return [p for p in output if isinstance(p, dict) and p.get("type") == "input_image"]
