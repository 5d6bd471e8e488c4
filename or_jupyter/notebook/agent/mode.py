"""`%%responses --agent`: one cell whose model may act in the kernel.

The cell offers `kernel_tools()` on top of its `-t` functions; in the default mode ("ask")
each code step waits for Approve / Deny / "approve the rest of this cell", in "auto" it
runs at once and the footer says so. When the cell ends, the code of the steps that ran is
offered as one new cell below (`set_next_input`), so the notebook reproduces the work
without the model; `--out` gets the Response with the steps (`AgentResponse.steps`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from IPython.core.error import UsageError

from ...protocol import Response
from .capture import Step
from .kernel_tools import kernel_tools

__all__ = ["MODES", "AgentCell", "AgentResponse", "agent_cell", "next_cell"]

MODES = ("ask", "auto")
AUTO_NOTE = "agent: code ran without asking (--agent auto)"
ASK_NOTE = "agent: each code step asked first"


@dataclass
class AgentResponse(Response):
    """The cell's final Response, with the agent's steps (code, outputs, status) in order."""

    steps: list[Step] = field(default_factory=list)

    @property
    def code(self) -> str | None:
        """The steps as one cell: what was offered below the agent's cell."""
        return next_cell(self.steps)


@dataclass
class AgentCell:
    """One agent cell: its approval mode, its tools, and the steps they ran."""

    mode: str
    tools: list[Any]
    steps: list[Step] = field(default_factory=list)

    @property
    def note(self) -> str:
        return AUTO_NOTE if self.mode == "auto" else ASK_NOTE

    def offer(self, overrides: dict[str, Any]) -> dict[str, Any]:
        """The cell's overrides with the kernel tools added to its own tools."""
        own = list(overrides.get("tools") or [])
        taken = {tool.name for tool in own} & {tool.name for tool in self.tools}
        if taken:
            raise UsageError(f"--agent: a tool of this cell is named like the agent's: {taken}")
        return {**overrides, "tools": [*own, *self.tools]}

    def response(self, response: Response) -> AgentResponse:
        """`response` with this cell's steps (what `--out` keeps)."""
        values = {f.name: getattr(response, f.name) for f in dataclasses.fields(Response)}
        return AgentResponse(**values, steps=list(self.steps))


def agent_cell(session: Any, option: str, setting: str | None) -> AgentCell:
    """The agent of a cell: `option` is `--agent`'s value ("" when given bare, which takes
    the `agent` setting, else "ask")."""
    mode = option or setting or "ask"
    if mode not in MODES:
        raise UsageError(f"--agent {mode}: choose ask or auto")
    steps: list[Step] = []
    tools = kernel_tools(session.shell, auto=mode == "auto", keys=session.keys, steps=steps)
    return AgentCell(mode, tools, steps)


def next_cell(steps: list[Step]) -> str | None:
    """The code of the steps as one cell, each step under a comment; steps that failed or
    were interrupted are kept, commented out. None when no step ran."""
    if not steps:
        return None
    blocks = []
    for number, step in enumerate(steps, 1):
        code = step.code.strip("\n")
        if step.status == "done":
            blocks.append(f"# Step {number}\n{code}")
        else:
            commented = "\n".join(f"# {line}" if line else "#" for line in code.splitlines())
            blocks.append(f"# Step {number} ({step.status}, left out)\n{commented}")
    head = "# The agent's code from the cell above, to run without the model"
    return head + "\n\n" + "\n\n".join(blocks) + "\n"
