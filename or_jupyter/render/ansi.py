"""Terminal text: the colours the terminal view uses, and stripping what a terminal would obey.

Model and tool text is untrusted. Written verbatim to a terminal, an escape sequence can
clear the screen, retitle the window or write the clipboard (OSC 52), so every such
sequence and every other control character except newline and tab is removed first.
"""

from __future__ import annotations

import re

__all__ = ["DIM", "RED", "RESET", "strip_controls"]

DIM, RED, RESET = "\033[2m", "\033[31m", "\033[0m"

_CONTROLS = re.compile(
    r"""
    \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?    # OSC ... BEL or ST (titles, clipboard, links)
  | \x1b[P^_X][^\x1b]*(?:\x1b\\)?         # DCS, PM, APC, SOS strings
  | \x1b\[[0-?]*[ -/]*[@-~]?              # CSI sequences (cursor, erase, colours)
  | \x1b[ -/]*[0-~]?                      # other two-byte escapes
  | \x9b[0-?]*[ -/]*[@-~]?                # 8-bit CSI
  | [\x00-\x08\x0b-\x1f\x7f-\x9f]         # every other control character but \t and \n
    """,
    re.VERBOSE,
)


def strip_controls(text: str) -> str:
    """``text`` without terminal escape sequences and control characters (``\\n``, ``\\t`` kept)."""
    return _CONTROLS.sub("", text)
