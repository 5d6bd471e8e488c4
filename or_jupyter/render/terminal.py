"""The view for terminal IPython: plain text streamed to stdout, reasoning dimmed."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from ..protocol import Event, Response
from .html import add_usage, footer_text
from .live import OFFLINE_NOTICE, _error_outputs

__all__ = ["TerminalView"]

DIM, RED, RESET = "\033[2m", "\033[31m", "\033[0m"


class TerminalView:
    """Same observer interface as `LiveView`; writes deltas as they come."""

    def __init__(self, out: TextIO | None = None, *, color: bool | None = None) -> None:
        self.out = out or sys.stdout
        self.color = self.out.isatty() if color is None else color
        self.stats: dict[str, Any] = {"turns": 0}
        self._mode = ""  # "reasoning" or "text": what the last write was
        self._started = time.monotonic()
        self._first_token: float | None = None

    def _write(self, text: str, style: str = "") -> None:
        if style and self.color:
            text = f"{style}{text}{RESET}"
        self.out.write(text)
        self.out.flush()

    def _switch(self, mode: str) -> None:
        if self._mode and self._mode != mode:
            self._write("\n\n")
        self._mode = mode

    def begin(
        self, *, model: str, offline: bool = False, cancel: Callable[[], None] | None = None
    ) -> None:
        self.stats["model"] = model
        self._started = time.monotonic()
        if offline:
            self._write(f"[{OFFLINE_NOTICE}]\n", DIM)

    def on_request(self, params: dict[str, Any]) -> None:
        self.stats["model"] = params.get("model") or self.stats.get("model")

    def on_event(self, event: Event) -> None:
        kind = event.type
        if kind in ("response.reasoning_text.delta", "response.reasoning_summary_text.delta"):
            self._token()
            self._switch("reasoning")
            self._write(event.data.get("delta") or "", DIM)
        elif kind in ("response.output_text.delta", "response.refusal.delta"):
            self._token()
            self._switch("text")
            self._write(event.data.get("delta") or "")

    def on_tool_start(self, call: Any) -> None:
        self._switch("tool")
        self._write(f"[tool] {call.name}({call.arguments}) ...\n", DIM)

    def on_tool_finish(self, result: Any) -> None:
        output = result.output if len(result.output) <= 300 else result.output[:300] + "…"
        style = RED if result.status != "done" else DIM
        self._write(
            f"[tool] {result.name} {result.status} in {result.duration:.2f} s: {output}\n", style
        )

    def on_response(self, response: Response) -> None:
        add_usage(self.stats, response.usage or {})

    def on_notice(self, text: str) -> None:
        self._write(f"\n[{text}]\n", DIM)

    def tick(self) -> None:
        pass

    def finish(self, response: Response | None = None, error: BaseException | None = None) -> None:
        if error is not None:
            self._write(f"\n{_error_outputs(error)[1]}\n", RED)
        elif response is not None and response.status == "cancelled":
            self._write("\n[stopped: the partial answer is kept]\n", DIM)
        self.stats["total"] = time.monotonic() - self._started
        if self._first_token is not None:
            self.stats["ttft"] = self._first_token - self._started
        self.stats["status"] = response.status if response is not None else "failed"
        self._write(f"\n\n{footer_text(self.stats)}\n", DIM)

    def _token(self) -> None:
        if self._first_token is None:
            self._first_token = time.monotonic()
