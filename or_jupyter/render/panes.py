"""The live view's panes, one small class per thing shown: answer, reasoning, tool card.

Each pane takes deltas cheaply (`feed`) and draws only when `flush` is called,
which the view does at a bounded rate.
"""

from __future__ import annotations

import time
from typing import Any

from ..protocol import decode_image
from ..protocol.citations import Citation
from .citations import cited_html, sources_list, sources_text
from .html import ARGUMENTS_LIMIT, cap, generated_image, notice, reasoning_pane, tool_card
from .items import item_card
from .markdown import StreamingMarkdown
from .sanitize import escape
from .surface import Slot, Surface

__all__ = [
    "AnswerPane",
    "ImagePane",
    "ItemCard",
    "MAX_DRAWN_CHARS",
    "MAX_REASONING_CHARS",
    "ReasoningPane",
    "RefusalPane",
    "ToolCard",
]

MAX_DRAWN_CHARS = 1_000_000  # of one answer; the Response keeps the rest
MAX_REASONING_CHARS = 200_000  # of one reasoning pane, which is re-rendered whole
SEGMENT_CHARS = 2_000  # of finished HTML gathered in one output before the next one opens


def _too_long(kind: str, received: int) -> str:
    return (
        f"The {kind} is too long to draw here ({received:,} characters); only the start is "
        "shown. The whole text is in the response (`--out VAR`, or `Conversation.responses`)."
    )


class AnswerPane:
    """The answer as Markdown: finished blocks gather in an output until it holds
    `SEGMENT_CHARS`, which then no longer changes; only the unfinished tail is re-rendered,
    in the last output. (Every output has a cost of its own, and re-sending one costs its
    size: segments of a few KB balance the two.)"""

    def __init__(self, surface: Surface) -> None:
        self._surface = surface
        self._markdown = StreamingMarkdown()
        self._slot = Slot(surface)
        self._blocks: list[str] = []
        self._segments: list[tuple[Slot, int, int, str]] = []  # slot, first block, end, source
        self._frozen_end = 0  # where the frozen source ends in the text
        self._open = 0  # the first block of the segment still gathering (in the last output)
        self._open_start = 0  # where its source starts in the text
        self._pending: list[str] = []  # deltas not yet parsed: parsing once per draw is cheaper
        self._closed = False
        self._room = MAX_DRAWN_CHARS  # characters still to draw
        self._received = 0
        self._overflow: Slot | None = None
        self.dirty = False
        self.cited = False

    @property
    def text(self) -> str:
        """The text drawn (or about to be): everything that arrived, up to the limit."""
        return self._markdown.text + "".join(self._pending)

    def feed(self, delta: str) -> None:
        self._received += len(delta)
        self.dirty = True
        if self._room <= 0:
            return
        if len(delta) > self._room:
            delta = delta[: self._room]
        self._room -= len(delta)
        self._pending.append(delta)

    def flush(self) -> None:
        if not self.dirty:
            return
        self.dirty = False
        markdown = self._markdown
        if self._pending:
            markdown.feed("".join(self._pending))
            self._pending = []
        new = markdown.take_newly_frozen()
        if new:
            self._blocks += new
            self._frozen_end = len(markdown.text) - len(markdown.tail)
        self._revise(markdown.take_revisions())
        gathered = "".join(self._blocks[self._open :])
        if len(gathered) >= SEGMENT_CHARS or (self._closed and gathered):
            source = markdown.text[self._open_start : self._frozen_end]
            self._slot.publish(gathered, source)
            self._segments.append((self._slot, self._open, len(self._blocks), source))
            self._slot = Slot(self._surface)
            self._open, self._open_start, gathered = len(self._blocks), self._frozen_end, ""
        tail = markdown.tail_html()
        if gathered or tail:
            source = markdown.text[self._open_start :]
            self._slot.publish(gathered + tail, source)
        if self._room <= 0:
            self._overflow = self._overflow or Slot(self._surface)
            message = _too_long("answer", self._received)
            self._overflow.publish(notice(message), message)

    def close(self) -> None:
        """The answer is complete: freeze the tail too."""
        if self._closed:
            return
        self._markdown.feed("".join(self._pending))
        self._pending = []
        self._markdown.close()
        self._closed = True
        self.dirty = True
        self.flush()

    def cite(self, citations: list[Citation]) -> None:
        """Redraw the closed answer with numbered citation links, then the Sources list.

        The whole text is drawn again in the first output (the others are emptied), so
        markers land at their indexes whatever the streaming split was; see `citations`.
        Drawn once: later calls do nothing.
        """
        if not citations or self.cited:
            return
        self.close()
        self.cited = True
        text = self._markdown.text
        if self._received <= MAX_DRAWN_CHARS:
            slots = [slot for slot, *_ in self._segments] + [self._slot]
            slots[0].publish(cited_html(text, citations), text)
            for slot in slots[1:]:
                if slot.html:
                    slot.publish("", "")
        Slot(self._surface).publish(sources_list(citations), sources_text(citations))

    def _revise(self, revisions: dict[int, str]) -> None:
        """Re-draw earlier outputs whose blocks a late link definition changed."""
        if not revisions:
            return
        for index, html in revisions.items():
            self._blocks[index] = html
        for slot, first, end, source in self._segments:
            if any(first <= index < end for index in revisions):
                slot.publish("".join(self._blocks[first:end]), source)


class ReasoningPane:
    """Raw reasoning or summaries, in a pane open while the model thinks, folded afterwards."""

    def __init__(self, surface: Surface) -> None:
        self._slot = Slot(surface)
        self._parts: list[str] = []
        self._size = 0
        self.started = time.monotonic()
        self.ended: float | None = None
        self.hidden = False
        self.dirty = False

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def feed(self, delta: str) -> None:
        if self.ended is None:
            self._size += len(delta)
            if self._size <= MAX_REASONING_CHARS:
                self._parts.append(delta)
            self.dirty = True

    def set_text(self, text: str) -> None:
        """The complete text (from a `.done` event), when it differs from the deltas."""
        if text and text != self.text:
            self._size = len(text)
            self._parts = [text[:MAX_REASONING_CHARS]]
            self.dirty = True

    def _shown(self) -> str:
        text = self.text
        if self._size > MAX_REASONING_CHARS:
            text += "\n\n*" + _too_long("reasoning", self._size) + "*"
        return text

    def flush(self) -> None:
        if self.dirty and self.ended is None:
            self.dirty = False
            text = self._shown()
            self._slot.publish(reasoning_pane(text, open=True, label="Thinking…"), text)

    def fold(self, reasoning_tokens: int | None = None) -> None:
        """Close the pane with a label saying how long the model thought (and how much)."""
        self.ended = self.ended or time.monotonic()
        label = f"Thought for {self.ended - self.started:.1f} s"
        if reasoning_tokens:
            label += f" · {reasoning_tokens:,} reasoning tokens"
        if self.hidden and not self.text:
            label += " · reasoning hidden by the provider"
        text = self._shown()
        self._slot.publish(reasoning_pane(text, open=False, label=label, hidden=self.hidden), text)
        self.dirty = False


class ToolCard:
    """One function call: arguments as they stream, then status, result and duration."""

    def __init__(self, surface: Surface, name: str, label: str | None = None) -> None:
        self._slot = Slot(surface)
        self.name = name
        self.label = label or name  # what it shows: an MCP tool's server and its own name
        self._arguments: list[str] = []
        self.status = "streaming"
        self.result: Any = None
        self.dirty = False

    @property
    def arguments(self) -> str:
        return "".join(self._arguments)

    def feed(self, delta: str) -> None:
        self._arguments.append(delta)
        self.dirty = True

    def set_arguments(self, arguments: str) -> None:
        if arguments and arguments != self.arguments:
            self._arguments = [arguments]
            self.dirty = True

    def start(self) -> None:
        self.status = "running"
        self.dirty = True
        self.flush()

    def finish(self, result: Any) -> None:
        self.status = result.status
        self.result = result
        self.dirty = True
        self.flush()

    def flush(self) -> None:
        if not self.dirty:
            return
        self.dirty = False
        result = self.result
        html = tool_card(
            self.name,
            self.arguments,
            label=self.label,
            status=self.status,
            output=None if result is None else result.output,
            duration=None if result is None else result.duration,
            traceback=None if result is None else result.traceback,
            body=None if result is None else getattr(result, "html", None),
        )
        text = f"[tool] {self.label}({cap(self.arguments, ARGUMENTS_LIMIT)}) {self.status}"
        if result is not None:
            text += f" -> {result.output[:200]}"
        self._slot.publish(html, text)


class RefusalPane:
    """The model declined: its refusal text in a box of its own, not as an answer."""

    def __init__(self, surface: Surface) -> None:
        self._slot = Slot(surface)
        self._parts: list[str] = []
        self.dirty = False

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def feed(self, delta: str) -> None:
        self._parts.append(delta)
        self.dirty = True

    def set_text(self, text: str) -> None:
        if text and text != self.text:
            self._parts = [text]
            self.dirty = True

    def flush(self) -> None:
        if not self.dirty:
            return
        self.dirty = False
        text = cap(self.text, MAX_REASONING_CHARS)
        html = (
            '<div class="orj-refusal"><strong>The model refused</strong>'
            f"<div>{escape(text)}</div></div>"
        )
        self._slot.publish(html, f"[refusal] {text}")


class ItemCard:
    """A server-side or hosted tool item (web search, fetch, ...), or one of a type not
    known here: type, status and a short summary (see `items`)."""

    def __init__(self, surface: Surface, item: dict[str, Any]) -> None:
        self._slot = Slot(surface)
        self.item = item
        self.status: str | None = None
        self.dirty = True

    def update(self, item: dict[str, Any]) -> None:
        self.item, self.status, self.dirty = item, None, True

    def set_status(self, status: str) -> None:
        self.status, self.dirty = status, True

    def flush(self) -> None:
        if self.dirty:
            self.dirty = False
            self._slot.publish(*item_card(self.item, self.status))


class ImagePane:
    """A generated image: a placeholder, then each partial image, then the final one.

    Only base64 that decodes to a PNG, JPEG, GIF or WebP is drawn (see `decode_image`);
    anything else leaves a notice, never an `<img>`."""

    def __init__(self, surface: Surface) -> None:
        self._slot = Slot(surface)
        self.drawn = 0  # images drawn (partial ones included)
        self.final = False
        self.dirty = True
        self._html = generated_image(None, label="Generating image…")
        self._text = "[generating image]"

    def set(self, encoded: object, *, partial: int | None = None) -> None:
        """Show `encoded` (base64 or a data URL): partial image number `partial`, or the final."""
        if self.final:
            return
        image = decode_image(encoded)
        self.final = partial is None
        if image is None:
            if self.final or not self.drawn:
                message = (
                    "An image arrived that is not a PNG, JPEG, GIF or WebP: not drawn."
                    if encoded
                    else "The image generation ended without an image."
                )
                self._html, self._text = notice(message), f"[{message}]"
                self.dirty = True
            return
        label = f"Generated image · {image.media_type}, {len(image.data):,} bytes"
        if partial is not None:
            label = f"Generating image… (partial image {partial + 1})"
        self._html, self._text = generated_image(image, label=label), f"[{label}]"
        self.drawn += 1
        self.dirty = True

    def flush(self) -> None:
        if self.dirty:
            self.dirty = False
            self._slot.publish(self._html, self._text)
