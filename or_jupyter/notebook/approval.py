"""Approve / Deny for `confirm=True` tools: one component for the magic and `ChatForm`.

`Approvals.ask` shows a row (the call, capped for display, and two buttons) on a surface
and resolves the call's answer when a button is clicked. `deny_all` answers every
pending question "denied" and every later one too: the runner calls it on Stop, on a
kernel interrupt and when the send ends, so no approval ever waits after its cell.
Once answered, a row's widgets are all closed, leaving no widget model in the kernel.
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import Future, InvalidStateError
from typing import Any

import ipywidgets as W

from ..render import escape
from ..render.html import pretty_arguments
from ..render.steps import CODE_TOOL, code_html, code_of
from ..render.surface import Surface

__all__ = ["Approvals"]


def _resolve(answer: Future, value: bool) -> None:
    with contextlib.suppress(InvalidStateError):  # already decided (a second click, or Stop)
        answer.set_result(value)


def _close_all(widget: W.Widget) -> None:
    """Close `widget`, its children, and their styles and layouts: no model is left open."""
    for child in getattr(widget, "children", ()):
        _close_all(child)
    for part in (getattr(widget, "style", None), getattr(widget, "layout", None)):
        if isinstance(part, W.Widget):
            part.close()
    widget.close()


class Approvals:
    """The approval prompts of one send, drawn on `surface`."""

    def __init__(self, surface: Surface, *, asker: str | None = None) -> None:
        """`asker` names the model asking, when several answer side by side."""
        self._surface = surface
        self._asker = asker
        self._pending: list[Future] = []
        self._closed = False
        self._lock = threading.Lock()
        self.offer_rest = False  # a third button: approve this call and the rest of the cell
        self.approve_rest = False  # that button was clicked: approve without asking

    def ask(self, tool: Any, call: Any, answer: Future) -> None:
        """Show Approve / Deny for `call`; `answer` gets True or False."""
        with self._lock:
            if self._closed:
                _resolve(answer, False)
                return
            if self.approve_rest:
                _resolve(answer, True)
                return
            self._pending.append(answer)
        who = f"<strong>{escape(self._asker)}</strong> asks: " if self._asker else ""
        code = code_of(call.arguments) if tool.name == CODE_TOOL else None
        if code is not None:
            label = W.HTML(f"{who}Run this code in the notebook?{code_html(code)}")
        else:
            label = W.HTML(
                f"{who}Run <code>{escape(tool.name)}</code> with <code>"
                f"{escape(pretty_arguments(call.arguments))}</code>?"
            )
        wide = {"layout": W.Layout(width="auto")} if code is not None else {}
        approve = W.Button(description="Approve", button_style="success", icon="check", **wide)
        deny = W.Button(description="Deny", button_style="danger", icon="times", **wide)
        buttons = [approve, deny]
        if self.offer_rest:
            rest = W.Button(
                description="Approve the rest of this cell",
                icon="check-double",
                layout=W.Layout(width="auto"),
            )
            rest.on_click(lambda _: self._approve_rest(answer))
            buttons.append(rest)
        row = W.VBox([label, W.HBox(buttons)]) if code is not None else W.HBox([label, *buttons])
        handle = self._surface.show_widget(row)

        def decided(future: Future) -> None:
            word = "approved" if future.result() else "denied"
            _close_all(row)
            handle.update(f"<div><code>{escape(tool.name)}</code>: {word}</div>", word)

        answer.add_done_callback(decided)
        approve.on_click(lambda _: _resolve(answer, True))
        deny.on_click(lambda _: _resolve(answer, False))

    def _approve_rest(self, answer: Future) -> None:
        """Approve this call and every later one of this cell (the pending ones too)."""
        with self._lock:
            self.approve_rest = True
            pending = list(self._pending)
        _resolve(answer, True)
        for other in pending:
            _resolve(other, True)

    def deny_all(self) -> None:
        """Answer every pending prompt "denied", and any asked from now on."""
        with self._lock:
            self._closed = True
            pending, self._pending = self._pending, []
        for answer in pending:
            _resolve(answer, False)
