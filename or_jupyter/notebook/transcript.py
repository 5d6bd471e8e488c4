"""`ChatForm`'s transcript: finished turns in chapters of plain display outputs, the running one live.

Why: widget state is not saved with a notebook, so a transcript drawn only in widgets
vanishes on reopening and never shows in nbconvert or on GitHub; and a display update
re-sends its whole output, so one output for the whole transcript made every turn cost
more than the last (100 turns: 27 MB for a 443 KB transcript). So the finished turns sit
in *chapters*: display outputs of up to `CHAPTER_TURNS` turns, only the last of which is
updated. A turn's cost is its chapter's, whatever came before.

The form's outputs, in its cell: the chapters, the *live* output (the turn being drawn,
on a `Canvas`: plain HTML, or widgets if it grows or asks for approval; empty between
turns), the form's widgets, then the raw bundle shown under them (its script). When the
last chapter is full, each output moves one role down: the live output keeps the finished
turn and becomes the next chapter, the form's becomes the live one, the script's shows
the form, and only the script is shown again, below: the one output a page adds is
published in the cell that showed the form (a display from the Send button's thread
names that cell as its parent, so JupyterLab appends it there). Updates reach every
output from any thread by display id.

A cell's outputs are chapters + 3, and JupyterLab and Notebook 7 draw only a cell's first
50 (`maxNumberOutputs`): the form would vanish after about 140 turns. So once a page
would take the cell past `MAX_OUTPUTS`, its outputs are cleared and drawn again with every
finished turn in one chapter (the whole transcript sent once, every hundred turns or so;
anything else that cell showed goes with them).
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from IPython import get_ipython
from IPython.display import clear_output, display, update_display

from ..render.html import css
from .canvas import Canvas

__all__ = ["CHAPTER_BYTES", "CHAPTER_TURNS", "MAX_OUTPUTS", "Transcript"]

CHAPTER_TURNS = 3  # turns in one chapter output
CHAPTER_BYTES = 64_000  # or fewer, past this much HTML
MAX_OUTPUTS = 40  # a cell's outputs at most (frontends draw the first 50)
_EMPTY = {"text/html": "", "text/plain": ""}


def _new_id() -> str:
    return f"orj-transcript-{uuid.uuid4().hex}"


class _Chapter:
    """Finished turns shown in one display output."""

    def __init__(self, display_id: str, turns: list[tuple[str, str]] | None = None) -> None:
        self.display_id = display_id
        self.turns: list[tuple[str, str]] = turns or []  # (html, text) of each

    def full(self) -> bool:
        size = sum(len(html) for html, _ in self.turns)
        return len(self.turns) >= CHAPTER_TURNS or size >= CHAPTER_BYTES

    def bundle(self, first: bool = False) -> dict[str, str]:
        """Its turns; the first chapter, while empty, holds the stylesheet for the live turn."""
        if first and not self.turns:
            return {"text/html": css(), "text/plain": ""}
        return _bundle(self.turns)


def _bundle(turns: list[tuple[str, str]]) -> dict[str, str]:
    return {
        "text/html": "".join(html for html, _ in turns),
        "text/plain": "\n\n".join(text for _, text in turns if text),
    }


class _Output:
    """The transcript's live output, by display id: what a turn's `Canvas` draws in."""

    def __init__(self, transcript: Transcript, display_id: str) -> None:
        self._transcript, self.display_id = transcript, display_id

    def update(self, obj: Any, *, raw: bool = False, metadata: Any = None) -> None:
        if self._transcript.shown:
            update_display(obj, raw=raw, metadata=metadata or {}, display_id=self.display_id)


def _parent() -> dict[str, Any] | None:
    """The message the running cell answers (a kernel's), to publish in that cell later."""
    publisher = getattr(get_ipython(), "display_pub", None)
    header = getattr(publisher, "parent_header", None)
    return dict(header) if header and hasattr(publisher, "set_thread_parent") else None


@contextlib.contextmanager
def _in_cell(parent: dict[str, Any] | None) -> Iterator[None]:
    """Displays in this block land in the cell `parent` names (this thread only)."""
    publisher = getattr(get_ipython(), "display_pub", None)
    if parent is None or not hasattr(publisher, "set_thread_parent"):
        yield
        return
    token = publisher.set_thread_parent(parent)
    try:
        yield
    finally:
        publisher.reset_thread_parent(token)


class Transcript:
    """Finished turns in chapters (`display`), the running turn on `canvas`."""

    def __init__(self) -> None:
        self.chapters = [_Chapter(_new_id())]
        self.shown = False
        self.canvas: Canvas | None = None  # the running turn's drawing
        self._current = 0  # the chapter that takes the next turn
        self._live_id = _new_id()
        self._form_id = _new_id()
        self._form: Any = None  # the widget shown under the transcript
        self._after: dict[str, str] | None = None  # a raw bundle shown right under the form
        self._after_id = _new_id()
        self._cells: list[dict[str, Any] | None] = []  # where it is shown (kernel parents)
        self._lock = threading.RLock()

    @property
    def turns(self) -> list[tuple[str, str]]:
        return [turn for chapter in self.chapters for turn in chapter.turns]

    def bundle(self) -> dict[str, str]:
        """All the finished turns as one `text/html` + `text/plain` bundle."""
        return _bundle(self.turns)

    def display(self, form: Any, after: dict[str, str] | None = None) -> None:
        """Show the chapters, the live output and `form` here (again, if shown before:
        every copy is updated, and each gets the chapters to come), then the raw bundle
        `after`, which stays right under the form when it moves."""
        with self._lock:
            self.shown = True
            self._form, self._after = form, after
            self._cells.append(_parent())
            self._show()

    def _show(self) -> None:
        """Display the chapters, the live output, the form and the bundle under it."""
        for chapter in self.chapters:
            display(
                chapter.bundle(chapter is self.chapters[0]), raw=True, display_id=chapter.display_id
            )
        display(_EMPTY, raw=True, display_id=self._live_id)
        display(self._form, display_id=self._form_id)
        if self._after is not None:
            display(self._after, raw=True, display_id=self._after_id)

    def begin(self) -> Canvas:
        """A canvas for a new turn, drawing in the live output."""
        with self._lock:
            self.canvas = Canvas(_Output(self, self._live_id))
            return self.canvas

    def seal(self) -> None:
        """The running turn is over: move its drawing into the chapters."""
        with self._lock:
            canvas, self.canvas = self.canvas, None
            if canvas is None:
                return
            bundle = canvas.bundle()
            if not any(bundle.values()):
                self._drop(canvas)
                return
            turn = (css() + bundle["text/html"], bundle["text/plain"])  # each turn styled alone
            chapter = self.chapters[self._current]
            if chapter.full() and self._current + 1 < len(self.chapters):
                self._current += 1  # an emptied chapter (after Clear) takes turns again
                chapter = self.chapters[self._current]
            if not chapter.full():
                chapter.turns.append(turn)
                self._publish(chapter)
                self._drop(canvas)
            elif self.shown:
                self._turn_page(canvas, turn)
            else:
                self.chapters.append(_Chapter(_new_id(), [turn]))
                self._current += 1
                canvas.close()

    def clear(self) -> None:
        """Forget every turn, finished or running (the chapters' outputs are emptied)."""
        with self._lock:
            self.abandon()
            for chapter in self.chapters:
                if chapter.turns:
                    chapter.turns = []
                    self._publish(chapter)
            self._current = 0

    def abandon(self) -> None:
        """The running turn never started: forget its drawing."""
        with self._lock:
            if self.canvas is not None:
                self._drop(self.canvas)
                self.canvas = None

    def _drop(self, canvas: Canvas) -> None:
        """Close a turn's canvas and empty the live output if it drew anything."""
        canvas.close()
        if canvas.published and self.shown:
            update_display(_EMPTY, raw=True, display_id=self._live_id)

    def _turn_page(self, canvas: Canvas, turn: tuple[str, str]) -> None:
        """The last chapter is full: the live output becomes the next chapter, holding
        `turn`; the form's output becomes the live one, the script's shows the form; the
        script is shown again below. Past `MAX_OUTPUTS`, the cell is drawn again instead."""
        canvas.close()
        if len(self.chapters) + 4 > MAX_OUTPUTS:
            self._redraw(turn)
            return
        chapter = _Chapter(self._live_id, [turn])
        self.chapters.append(chapter)
        self._publish(chapter)
        self._current = len(self.chapters) - 1
        update_display(_EMPTY, raw=True, display_id=self._form_id)
        if self._after is None:
            self._live_id, self._form_id = self._form_id, _new_id()
            self._in_each_cell(lambda: display(self._form, display_id=self._form_id))
            return
        update_display(self._form, display_id=self._after_id)
        self._live_id, self._form_id, self._after_id = self._form_id, self._after_id, _new_id()
        self._in_each_cell(lambda: display(self._after, raw=True, display_id=self._after_id))

    def _redraw(self, turn: tuple[str, str]) -> None:
        """Clear each cell showing the form and draw it again: every finished turn (and
        `turn`) in one chapter, then the live output, the form and its script."""
        self.chapters, self._current = [_Chapter(_new_id(), [*self.turns, turn])], 0
        self._live_id, self._form_id, self._after_id = _new_id(), _new_id(), _new_id()

        def again() -> None:
            clear_output(wait=True)  # cleared when the first chapter arrives: no flicker
            self._show()

        self._in_each_cell(again)

    def _in_each_cell(self, show: Callable[[], None]) -> None:
        for cell in self._cells:
            with _in_cell(cell):
                show()

    def _publish(self, chapter: _Chapter) -> None:
        if self.shown:  # never shown: nothing to update (displaying it later shows all)
            bundle = chapter.bundle(chapter is self.chapters[0])
            update_display(bundle, raw=True, display_id=chapter.display_id)
