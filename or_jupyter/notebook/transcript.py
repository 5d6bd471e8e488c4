"""`ChatForm`'s transcript: finished turns in one plain display output, the running one live.

Why: widget state is not saved with a notebook, so a transcript drawn only in widgets
vanishes on reopening and never shows in nbconvert or on GitHub. The form's turn being
streamed is drawn in an ipywidgets box (`LiveBox`, a `Surface` that also keeps each
output's HTML and text); when the turn ends, `Transcript.seal` appends that drawing to
the finished turns and publishes them all as one `text/html` output, updated by display
id, and empties the box. A display update reaches the output from any thread, the one a
Send click starts included, and JupyterLab routes it by display id to the cell that
showed the form.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import ipywidgets as W
from IPython.display import display, update_display

__all__ = ["LiveBox", "Transcript"]


class _Entry:
    """One output of a live box: its current HTML and text, and the widget showing it."""

    __slots__ = ("html", "text", "widget")

    def __init__(self, html: str, text: str, widget: Any) -> None:
        self.html, self.text, self.widget = html, text, widget


class _Handle:
    def __init__(self, box: LiveBox, entry: _Entry) -> None:
        self._box, self._entry = box, entry

    def update(self, html: str, text: str) -> None:
        self._box.update(self._entry, html, text)


class LiveBox:
    """A `Surface` drawing into `box` (an `ipywidgets.Box`) that remembers what it drew."""

    def __init__(self, box: W.Box | None = None) -> None:
        self.box = box if box is not None else W.VBox(layout=W.Layout(min_width="0"))
        self._entries: list[_Entry] = []
        self._lock = threading.RLock()

    def show(self, html: str, text: str) -> _Handle:
        return self._add(html, text, W.HTML(html))

    def show_widget(self, widget: Any) -> _Handle:
        return self._add("", "", widget)

    def update(self, entry: _Entry, html: str, text: str) -> None:
        """Set an output's HTML (a widget that is not `HTML`, a button row, becomes one)."""
        with self._lock:
            entry.html, entry.text = html, text
            if isinstance(entry.widget, W.HTML):
                entry.widget.value = html
                return
            old, entry.widget = entry.widget, W.HTML(html)
            if entry in self._entries:
                self.box.children = tuple(
                    entry.widget if child is old else child for child in self.box.children
                )
        old.close()

    def _add(self, html: str, text: str, widget: Any) -> _Handle:
        entry = _Entry(html, text, widget)
        with self._lock:
            self._entries.append(entry)
            self.box.children = (*self.box.children, widget)
        return _Handle(self, entry)

    def html(self) -> str:
        return "".join(entry.html for entry in self._entries)

    def text(self) -> str:
        return "\n".join(entry.text for entry in self._entries if entry.text)

    def clear(self) -> None:
        """Remove (and close) every output."""
        with self._lock:
            entries, self._entries = self._entries, []
            self.box.children = ()
        for entry in entries:
            entry.widget.close()


class Transcript:
    """Finished turns as one display output (`display`), the running turn in `live`."""

    def __init__(self) -> None:
        self.display_id = f"orj-transcript-{uuid.uuid4().hex}"
        self.live = LiveBox()
        self.turns: list[tuple[str, str]] = []  # (html, text) of each finished turn
        self._shown = False
        self._lock = threading.Lock()

    def bundle(self) -> dict[str, str]:
        """The finished turns as a `text/html` + `text/plain` bundle."""
        return {
            "text/html": "".join(html for html, _ in self.turns),
            "text/plain": "\n\n".join(text for _, text in self.turns if text),
        }

    def display(self) -> None:
        """Show the finished turns here (again, if shown before: every copy is updated)."""
        with self._lock:
            self._shown = True
            display(self.bundle(), raw=True, display_id=self.display_id)

    def seal(self) -> None:
        """The running turn is over: move its drawing into the saved output."""
        with self._lock:
            html, text = self.live.html(), self.live.text()
            if html or text:
                self.turns.append((html, text))
            self._publish()
        self.live.clear()

    def clear(self) -> None:
        """Forget every turn, finished or running."""
        with self._lock:
            self.turns = []
            self._publish()
        self.live.clear()

    def _publish(self) -> None:
        if self._shown:  # never shown: nothing to update (displaying it later shows all)
            update_display(self.bundle(), raw=True, display_id=self.display_id)
