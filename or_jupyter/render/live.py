"""The live view of one `Conversation.send` in a notebook.

`LiveView` turns the send's events into panes (reasoning, tool cards, the answer) and
draws them at a bounded rate when the runner calls `tick`. Every output it leaves is
plain HTML with a text fallback, so a saved notebook shows the answer, the folded
reasoning and the tool cards without any widget state.

Bounded by design, whatever the server sends: at most `interval` between redraws, at
most `max_bytes_per_second` published, and bytes published in proportion to the text
received (`CREDIT_PER_CHAR` per character, after a first `CREDIT_ALLOWANCE`): a redraw
waits while its budget is spent, so a slow stream with a long unfinished block redraws
less often instead of re-sending that block twenty times a second. The final drawing
always happens. At most `MAX_DRAWN_CHARS` of answer or reasoning is drawn per pane
(past it the pane says so; the `Response` keeps everything).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..protocol import PARTIAL_IMAGE, Event, Response, events, item_image
from ..protocol.citations import ANNOTATION_ADDED, citation, message_citations
from ..protocol.server_tools import SEARCH_STATUS_EVENTS
from .html import css, error_outputs, footer, notice
from .items import DRAWN_ELSEWHERE, search_count, searches_note
from .panes import AnswerPane, ImagePane, ItemCard, ReasoningPane, RefusalPane, ToolCard
from .surface import OutputHandle, Surface
from .view import OFFLINE_NOTICE, View, int_field, str_field

__all__ = ["LiveView", "OFFLINE_NOTICE"]

INTERVAL = 0.05  # at most 20 redraws per second
MAX_BYTES_PER_SECOND = 2_000_000  # published to the frontend, all outputs together
CREDIT_PER_CHAR = 3  # bytes a redraw may publish per character received
CREDIT_ALLOWANCE = 4_000  # bytes published freely at the start, so short answers flow
PUBLISH_OVERHEAD = 200  # bytes every publish costs besides its HTML (message framing)


class _MeteredSurface:
    """A surface that counts the bytes published through it, per one-second window."""

    def __init__(self, surface: Surface) -> None:
        self._surface = surface
        self.window_start = time.monotonic()
        self.sent = 0  # in this one-second window
        self.total = 0  # in all

    def count(self, size: int) -> None:
        self.sent += size
        self.total += size

    def show(self, html: str, text: str) -> OutputHandle:
        self.count(len(html) + PUBLISH_OVERHEAD)
        return _MeteredHandle(self, self._surface.show(html, text))

    def show_widget(self, widget: Any) -> OutputHandle:
        return self._surface.show_widget(widget)

    def tick(self) -> None:
        """Pass the view's clock on to a surface that keeps one (a canvas publishing later)."""
        tick = getattr(self._surface, "tick", None)
        if tick is not None:
            tick()

    def publish_now(self) -> None:
        """Have a surface that publishes later publish what it holds now."""
        publish = getattr(self._surface, "publish_now", None)
        if publish is not None:
            publish()

    def spent(self, budget: int) -> bool:
        """Whether this second's budget is used up (a new second starts afresh)."""
        now = time.monotonic()
        if now - self.window_start >= 1.0:
            self.window_start, self.sent = now, 0
        return self.sent >= budget


class _MeteredHandle:
    def __init__(self, meter: _MeteredSurface, handle: OutputHandle) -> None:
        self._meter, self._handle = meter, handle

    def update(self, html: str, text: str) -> None:
        self._meter.count(len(html) + PUBLISH_OVERHEAD)
        self._handle.update(html, text)


class LiveView(View):
    """Draws a send as it streams. All methods are called from one thread (the cell's)."""

    def __init__(
        self,
        surface: Surface,
        *,
        interval: float = INTERVAL,
        max_bytes_per_second: int = MAX_BYTES_PER_SECOND,
        styles: bool = True,
        allowance: int = CREDIT_ALLOWANCE,
    ) -> None:
        """`styles=False` leaves out the stylesheet, for a view drawn where it already is;
        `allowance` is the bytes it may publish before its credit follows the text."""
        super().__init__()
        self._meter = _MeteredSurface(surface)
        self.surface: Surface = self._meter
        self.interval = interval
        self.max_bytes_per_second = max_bytes_per_second
        self.styles = styles
        self.allowance = allowance
        self._received = 0  # characters of text, reasoning and arguments
        self._answers: dict[int, AnswerPane] = {}
        self._reasoning: dict[int, ReasoningPane] = {}
        self._cards: dict[int, ToolCard] = {}
        self._images: dict[int, ImagePane] = {}
        self._image_bytes = 0  # published freely: an image is not paid for by text credit
        self._cards_by_id: dict[str, ToolCard] = {}  # by output item id, as events name them
        self._cards_by_call: dict[str, ToolCard] = {}  # by call id, as tool results name them
        self._refusals: dict[int, RefusalPane] = {}
        self._items: dict[int, ItemCard] = {}  # server-tool and unknown items
        self._annotations: dict[int, list[Any]] = {}  # streamed, by output index
        self.searches = 0  # web searches over all turns, for the footer
        self._last_draw = 0.0
        self._events_in_turn = 0
        self._handlers: dict[str, Callable[[dict[str, Any]], None]] = {
            events.OUTPUT_ITEM_ADDED: self._item_added,
            events.OUTPUT_ITEM_DONE: self._item_done,
            events.OUTPUT_TEXT_DELTA: self._text_delta,
            events.REFUSAL_DELTA: self._refusal_delta,
            ANNOTATION_ADDED: self._annotation_added,
            **dict.fromkeys(SEARCH_STATUS_EVENTS, self._item_status),
            events.REASONING_TEXT_DELTA: self._reasoning_delta,
            events.REASONING_SUMMARY_TEXT_DELTA: self._reasoning_delta,
            events.REASONING_SUMMARY_PART_ADDED: self._summary_part,
            events.FUNCTION_CALL_ARGUMENTS_DELTA: self._arguments_delta,
            events.FUNCTION_CALL_ARGUMENTS_DONE: self._arguments_done,
            PARTIAL_IMAGE: self._partial_image,
        }

    # -- start and end -------------------------------------------------------------

    def draw_begin(self, offline: bool) -> None:
        """The stylesheet, and the offline notice if any."""
        header = (css() if self.styles else "") + (notice(OFFLINE_NOTICE) if offline else "")
        if header:
            self.surface.show(header, OFFLINE_NOTICE if offline else "")

    def draw_end(self, response: Response | None, error: BaseException | None) -> None:
        """Flush everything, then a notice if stopped, an error box if it failed, the footer."""
        for pane in self._answers.values():
            pane.close()
        self.flush()
        for pane in self._reasoning.values():
            if pane.ended is None:
                pane.fold()
        if response is not None and response.status == "cancelled":
            self.surface.show(
                notice("Stopped. The partial answer is kept in the conversation."), "[stopped]"
            )
        if error is not None:
            self.surface.show(*error_outputs(error))
        text = self.stats.footer_text() + searches_note(self.searches)
        self.surface.show(footer(self.stats, text), text)

    # -- the send's reports ------------------------------------------------------------

    def on_request(self, params: dict[str, Any]) -> None:
        super().on_request(params)
        self._events_in_turn = 0

    def on_event(self, event: Event) -> None:
        self._events_in_turn += 1
        data = event.data
        if event.type == events.OUTPUT_TEXT_DELTA:  # the hot path, thousands per answer
            self._text_delta(data)
            return
        handler = self._handlers.get(event.type)
        if handler is not None:
            handler(data)

    def on_response(self, response: Response) -> None:
        """A model turn ended: close its panes and count its usage."""
        if self._events_in_turn == 0:
            self._draw_whole(response)
        final = response.citations if len(self._answers) == 1 else []
        for index, pane in self._answers.items():
            pane.cite(_citations(self._annotations.get(index, [])) or final)
        self.flush()
        super().on_response(response)
        self.searches += search_count(response)
        usage = response.usage if isinstance(response.usage, dict) else {}
        details = usage.get("output_tokens_details")
        tokens = details.get("reasoning_tokens") if isinstance(details, dict) else None
        for pane in self._reasoning.values():
            pane.fold(tokens if type(tokens) is int else None)
        for pane in self._answers.values():
            pane.close()
        self._answers, self._reasoning, self._cards, self._images = {}, {}, {}, {}
        self._refusals, self._items, self._annotations = {}, {}, {}

    def on_tool_start(self, call: Any) -> None:
        card = self._cards_by_id.get(call.id or "") or self._new_card(call.name, call.id)
        self._cards_by_call[call.call_id] = card
        card.set_arguments(call.arguments)
        card.start()

    def on_tool_finish(self, result: Any) -> None:
        card = self._cards_by_call.pop(result.call_id, None) or self._new_card(result.name, None)
        card.finish(result)

    def on_notice(self, text: str) -> None:
        self.surface.show(notice(text), text)

    # -- drawing ---------------------------------------------------------------------

    def tick(self) -> None:
        """Draw what changed, at most once per `interval` and within the byte budgets."""
        self._meter.tick()
        if time.monotonic() - self._last_draw < self.interval:
            return
        meter = self._meter
        earned = self.allowance + CREDIT_PER_CHAR * self._received + self._image_bytes
        if meter.total < earned and not meter.spent(self.max_bytes_per_second):
            self.flush()

    def flush_now(self) -> None:
        """Draw everything pending and publish it now: the main thread is about to be busy
        (an agent's code step), and nothing is drawn until it is done."""
        self.flush()
        self._meter.publish_now()

    def flush(self) -> None:
        self._last_draw = time.monotonic()
        for pane in self._reasoning.values():
            pane.flush()
        for card in self._cards.values():
            card.flush()
        for item in self._items.values():
            item.flush()
        for image in self._images.values():
            image.flush()
        for pane in self._answers.values():
            pane.flush()
        for refusal in self._refusals.values():
            refusal.flush()

    # -- events ----------------------------------------------------------------------

    def _item_added(self, data: dict[str, Any]) -> None:
        item = data.get("item")
        item = item if isinstance(item, dict) else {}
        index = int_field(data, "output_index")
        kind = item.get("type")
        if kind == "reasoning":
            self._reasoning_pane(index)
        elif kind == "message":
            self._fold_reasoning()
            self._answer_pane(index)
        elif kind == "function_call":
            self._fold_reasoning()
            item_id = str_field(item, "id")
            self._cards[index] = self._new_card(str_field(item, "name") or "?", item_id)
        elif kind in ("image_generation_call", "openrouter:image_generation"):
            self._fold_reasoning()
            self._image_pane(index)
        elif str_field(item, "type") not in DRAWN_ELSEWHERE:
            self._item_card(index, item)

    def _item_done(self, data: dict[str, Any]) -> None:
        item = data.get("item")
        if not isinstance(item, dict):
            return
        index = int_field(data, "output_index")
        if item.get("type") == "reasoning":
            pane = self._reasoning_pane(index)
            texts = [
                str_field(part, "text")
                for key in ("content", "summary")
                for part in (item.get(key) if isinstance(item.get(key), list) else ())
                if isinstance(part, dict)
            ]
            pane.set_text("\n\n".join(t for t in texts if t))
            pane.hidden = bool(item.get("encrypted_content")) and not pane.text
            if pane.hidden:
                pane.fold()
        elif item.get("type") == "function_call" and index in self._cards:
            self._cards[index].set_arguments(str_field(item, "arguments"))
        elif item.get("type") in ("image_generation_call", "openrouter:image_generation"):
            image = item_image(item)
            self._image_bytes += len(image.data) * 4 // 3 if image else 0
            self._image_pane(index).set(image.data_url if image else item.get("result"))
        elif item.get("type") == "message":
            self._message_done(index, item)
        elif str_field(item, "type") not in DRAWN_ELSEWHERE:
            self._item_card(index, item)

    def _message_done(self, index: int, item: dict[str, Any]) -> None:
        """A message is final: its refusal text, and its citations drawn at their places."""
        parts = item.get("content") if isinstance(item.get("content"), list) else []
        refusal = "".join(
            str_field(p, "refusal")
            for p in parts
            if isinstance(p, dict) and p.get("type") == "refusal"
        )
        if refusal:
            self._refusal_pane(index).set_text(refusal)
        cited = message_citations(item) or _citations(self._annotations.get(index, []))
        if cited and index in self._answers:
            self._answers[index].cite(cited)

    def _item_card(self, index: int, item: dict[str, Any]) -> None:
        card = self._items.get(index)
        if card is None:
            self._fold_reasoning()
            self._items[index] = ItemCard(self.surface, item)
        else:
            card.update(item)

    def _item_status(self, data: dict[str, Any]) -> None:
        card = self._items.get(int_field(data, "output_index"))
        if card is not None:
            card.set_status(SEARCH_STATUS_EVENTS.get(str_field(data, "type"), "in_progress"))

    def _annotation_added(self, data: dict[str, Any]) -> None:
        annotation = data.get("annotation")
        if isinstance(annotation, dict):
            self._annotations.setdefault(int_field(data, "output_index"), []).append(annotation)

    def _refusal_delta(self, data: dict[str, Any]) -> None:
        self.first_token()
        delta = str_field(data, "delta")
        self._received += len(delta)
        self._refusal_pane(int_field(data, "output_index")).feed(delta)

    def _text_delta(self, data: dict[str, Any]) -> None:
        self.first_token()
        index = int_field(data, "output_index")
        pane = self._answers.get(index) or self._answer_pane(index)
        delta = str_field(data, "delta")
        self._received += len(delta)
        pane.feed(delta)

    def _reasoning_delta(self, data: dict[str, Any]) -> None:
        self.first_token()
        delta = str_field(data, "delta")
        self._received += len(delta)
        self._reasoning_pane(int_field(data, "output_index")).feed(delta)

    def _summary_part(self, data: dict[str, Any]) -> None:
        if int_field(data, "summary_index"):
            self._reasoning_pane(int_field(data, "output_index")).feed("\n\n")

    def _partial_image(self, data: dict[str, Any]) -> None:
        encoded = data.get("partial_image_b64")
        self._image_bytes += len(encoded) if isinstance(encoded, str) else 0
        number = int_field(data, "partial_image_index")
        self._image_pane(int_field(data, "output_index")).set(encoded, partial=number)

    def _arguments_delta(self, data: dict[str, Any]) -> None:
        card = self._cards.get(int_field(data, "output_index"))
        if card is not None:
            delta = str_field(data, "delta")
            self._received += len(delta)
            card.feed(delta)

    def _arguments_done(self, data: dict[str, Any]) -> None:
        card = self._cards.get(int_field(data, "output_index"))
        if card is not None:
            card.set_arguments(str_field(data, "arguments"))

    # -- helpers ---------------------------------------------------------------------

    def _answer_pane(self, index: int) -> AnswerPane:
        pane = self._answers.get(index)
        if pane is None:
            self._fold_reasoning()
            pane = self._answers[index] = AnswerPane(self.surface)
        return pane

    def _refusal_pane(self, index: int) -> RefusalPane:
        pane = self._refusals.get(index)
        if pane is None:
            self._fold_reasoning()
            pane = self._refusals[index] = RefusalPane(self.surface)
        return pane

    def _image_pane(self, index: int) -> ImagePane:
        pane = self._images.get(index)
        if pane is None:
            pane = self._images[index] = ImagePane(self.surface)
        return pane

    def _reasoning_pane(self, index: int) -> ReasoningPane:
        pane = self._reasoning.get(index)
        if pane is None:
            pane = self._reasoning[index] = ReasoningPane(self.surface)
        return pane

    def _new_card(self, name: str, item_id: str | None) -> ToolCard:
        card = ToolCard(self.surface, name, label=self.tool_label(name))
        if item_id:
            self._cards_by_id[item_id] = card
        return card

    def _fold_reasoning(self) -> None:
        for pane in self._reasoning.values():
            if pane.ended is None:
                pane.flush()
                pane.fold()

    def _draw_whole(self, response: Response) -> None:
        """A turn that arrived without events (not streamed): draw it at once."""
        if response.reasoning_text or response.reasoning_hidden:
            pane = self._reasoning_pane(0)
            pane.set_text(response.reasoning_text)
            pane.hidden = response.reasoning_hidden
        for index, item in enumerate(response.output):
            if str_field(item, "type") not in DRAWN_ELSEWHERE:
                self._item_card(index, item)
        for call in response.function_calls:
            self._new_card(call.name, call.id).set_arguments(call.arguments)
        if response.refusal:
            self._refusal_pane(len(response.output)).set_text(response.refusal)
        for index, image in enumerate(response.images):
            self._image_pane(-1 - index).set(image.data_url)
        if response.output_text:
            pane = self._answer_pane(len(response.output))
            pane.feed(response.output_text)
            pane.cite(response.citations)


def _citations(annotations: list[Any]) -> list[Any]:
    """The citations among streamed annotations (their indexes as they came)."""
    found = [citation(a) for a in annotations]
    return [c for c in found if c is not None]
