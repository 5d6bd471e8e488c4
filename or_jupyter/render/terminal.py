"""The view for terminal IPython: plain text streamed to stdout, reasoning dimmed.

Model and tool text goes through `strip_controls` first: a terminal obeys escape
sequences, and untrusted text must not clear the screen or write the clipboard.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from ..protocol import Event, Response, events
from .ansi import DIM, RED, RESET, strip_controls
from .citations import sources_text
from .html import ARGUMENTS_LIMIT, cap, error_outputs
from .items import DRAWN_ELSEWHERE, item_card, search_count, searches_note
from .view import OFFLINE_NOTICE, View, str_field

__all__ = ["TerminalView"]

_REASONING = (events.REASONING_TEXT_DELTA, events.REASONING_SUMMARY_TEXT_DELTA)
_ANSWER = (events.OUTPUT_TEXT_DELTA,)
RESULT_PREVIEW = 300


class TerminalView(View):
    """Writes deltas as they come; tool calls and the footer as dimmed lines."""

    def __init__(self, out: TextIO | None = None, *, color: bool | None = None) -> None:
        super().__init__()
        self.out = out or sys.stdout
        self.color = self.out.isatty() if color is None else color
        self._mode = ""  # "reasoning", "text", "refusal" or "tool": what the last write was
        self.searches = 0

    def _write(self, text: str, style: str = "") -> None:
        if style and self.color:
            text = f"{style}{text}{RESET}"
        self.out.write(text)
        self.out.flush()

    def _switch(self, mode: str) -> None:
        if self._mode and self._mode != mode:
            self._write("\n\n")
        self._mode = mode

    def draw_begin(self, offline: bool) -> None:
        if offline:
            self._write(f"[{OFFLINE_NOTICE}]\n", DIM)

    def on_event(self, event: Event) -> None:
        kind = event.type
        if kind in _REASONING:
            self.first_token()
            self._switch("reasoning")
            self._write(strip_controls(str_field(event.data, "delta")), DIM)
        elif kind in _ANSWER:
            self.first_token()
            self._switch("text")
            self._write(strip_controls(str_field(event.data, "delta")))
        elif kind == events.REFUSAL_DELTA:
            self.first_token()
            if self._mode != "refusal":
                self._switch("refusal")
                self._write("[refused] ", RED)
            self._write(strip_controls(str_field(event.data, "delta")), RED)
        elif kind == events.OUTPUT_ITEM_DONE:
            item = event.data.get("item")
            if isinstance(item, dict) and str_field(item, "type") not in DRAWN_ELSEWHERE:
                self._switch("tool")
                self._write(strip_controls(item_card(item)[1]) + "\n", DIM)

    def on_response(self, response: Response) -> None:
        """A model turn ended: its Sources list if it cited any, and a line per image it made."""
        super().on_response(response)
        self.searches += search_count(response)
        if response.citations:
            self._switch("tool")
            self._write(strip_controls(sources_text(response.citations)) + "\n", DIM)
        for image in response.images:
            self._switch("tool")
            size = f"{len(image.data):,} bytes"
            self._write(f"[generated image: {image.media_type}, {size}; response.images]\n", DIM)

    def on_tool_start(self, call: Any) -> None:
        self._switch("tool")
        arguments = strip_controls(cap(call.arguments, ARGUMENTS_LIMIT))
        self._write(f"[tool] {strip_controls(self.tool_label(call.name))}({arguments}) ...\n", DIM)

    def on_tool_finish(self, result: Any) -> None:
        output = strip_controls(cap(result.output, RESULT_PREVIEW))
        style = RED if result.status != "done" else DIM
        self._write(
            f"[tool] {strip_controls(self.tool_label(result.name))} {result.status} in "
            f"{result.duration:.2f} s: "
            f"{output}\n",
            style,
        )

    def on_notice(self, text: str) -> None:
        self._write(f"\n[{strip_controls(text)}]\n", DIM)

    def draw_end(self, response: Response | None, error: BaseException | None) -> None:
        if error is not None:
            self._write(f"\n{strip_controls(error_outputs(error)[1])}\n", RED)
        elif response is not None and response.status == "cancelled":
            self._write("\n[stopped: the partial answer is kept]\n", DIM)
        footer = self.stats.footer_text() + searches_note(self.searches)
        self._write(f"\n\n{strip_controls(footer)}\n", DIM)
