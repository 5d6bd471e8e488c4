"""The input transformer that runs `%%responses` cells as awaiting cells in a kernel.

A cell magic runs synchronously and would block the kernel's event loop, so clicks on
Stop or Approve would wait until the answer is complete; ipykernel 7 dispatches widget
messages while an *async* cell awaits. `%%responses?` (help) is left alone. A cell
that is only `%responses fix [MODEL]` or `%responses explain [MODEL]` awaits the same way.
"""

from __future__ import annotations

import re

_HELP = re.compile(r"%responses[ \t]+(fix|explain)((?:[ \t]+\S+)*)[ \t]*\n?")

__all__ = ["awaiting_cells"]


def awaiting_cells(lines: list[str]) -> list[str]:
    """In a kernel, run `%%responses` cells as top-level `await`s of `responses_async`."""
    if len(lines) == 1 and (found := _HELP.fullmatch(lines[0])):
        command, rest = found.group(1), found.group(2).strip()
        return [
            "await get_ipython().magics_manager.registry['Responses']"
            f".help_async({command!r}, {rest!r})\n"
        ]
    if not lines or not lines[0].startswith("%%responses"):
        return lines
    line = lines[0][len("%%responses") :].rstrip("\n")
    if (line and not line[0].isspace()) or line.rstrip().endswith("?"):
        return lines
    cell = "".join(lines[1:])
    return [
        "await get_ipython().magics_manager.registry['Responses']"
        f".responses_async({line!r}, {cell!r})\n"
    ]
