"""The live view of one `Conversation.send` in a notebook.

`LiveView` is an observer of the tool loop: it turns events into panes
(reasoning, tool cards, the answer) and draws them at a bounded rate when the
driver calls `tick`. Every output it leaves is plain HTML with a text fallback,
so a saved notebook shows the answer, the folded reasoning and the tool cards
without any widget state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..protocol import APIError, Event, Response
from .html import add_usage, css, error_box, footer, footer_text, notice
from .panes import AnswerPane, ReasoningPane, ToolCard
from .surface import DisplaySurface, Surface

__all__ = ["LiveView", "OFFLINE_NOTICE"]

OFFLINE_NOTICE = "Offline mode: these answers are scripted by the local emulator, not a model."
INTERVAL = 0.05  # at most 20 redraws per second


class LiveView:
    """Draws a send as it streams. All methods are called from the kernel's main thread."""

    def __init__(self, surface: Surface | None = None, *, interval: float = INTERVAL) -> None:
        self.surface = surface or DisplaySurface()
        self.interval = interval
        self._answers: dict[int, AnswerPane] = {}
        self._reasoning: dict[int, ReasoningPane] = {}
        self._cards: dict[int, ToolCard] = {}
        self._cards_by_id: dict[str, ToolCard] = {}  # by output item id, as events name them
        self._cards_by_call: dict[str, ToolCard] = {}  # by call id, as tool results name them
        self._stop: Any = None
        self._last_draw = 0.0
        self._started = time.monotonic()
        self._first_token: float | None = None
        self._events_in_round = 0
        self.stats: dict[str, Any] = {"turns": 0}
        self._handlers: dict[str, Callable[[dict[str, Any]], None]] = {
            "response.output_item.added": self._item_added,
            "response.output_item.done": self._item_done,
            "response.output_text.delta": self._text_delta,
            "response.refusal.delta": self._text_delta,
            "response.reasoning_text.delta": self._reasoning_delta,
            "response.reasoning_summary_text.delta": self._reasoning_delta,
            "response.reasoning_summary_part.added": self._summary_part,
            "response.function_call_arguments.delta": self._arguments_delta,
            "response.function_call_arguments.done": self._arguments_done,
        }

    # -- start and end -------------------------------------------------------------

    def begin(
        self, *, model: str, offline: bool = False, cancel: Callable[[], None] | None = None
    ) -> None:
        """Publish the stylesheet, the offline notice if any, and a Stop button."""
        self.stats["model"] = model
        self._started = time.monotonic()
        header = css() + (notice(OFFLINE_NOTICE) if offline else "")
        self.surface.show(header, OFFLINE_NOTICE if offline else "")
        if cancel is not None:
            self._stop = _stop_button(self.surface, cancel)

    def finish(self, response: Response | None = None, error: BaseException | None = None) -> None:
        """Final drawing: flush everything, the footer, an error box if it failed."""
        for pane in self._answers.values():
            pane.close()
        self.flush()
        for pane in self._reasoning.values():
            if pane.ended is None:
                pane.fold()
        if self._stop is not None:
            self._stop.update("", "")
        if response is not None and response.status == "cancelled":
            self.surface.show(
                notice("Stopped. The partial answer is kept in the conversation."), "[stopped]"
            )
        if error is not None:
            self.surface.show(*_error_outputs(error))
        self.stats["total"] = time.monotonic() - self._started
        if self._first_token is not None:
            self.stats["ttft"] = self._first_token - self._started
        if response is not None:
            self.stats["status"] = response.status
        elif error is not None:
            self.stats["status"] = "failed"
        self.surface.show(footer(self.stats), footer_text(self.stats))

    # -- observer interface of Conversation.send ---------------------------------------

    def on_request(self, params: dict[str, Any]) -> None:
        self.stats["model"] = params.get("model") or self.stats.get("model")
        self._events_in_round = 0

    def on_event(self, event: Event) -> None:
        self._events_in_round += 1
        if event.type == "response.output_text.delta":  # the hot path, thousands per answer
            self._text_delta(event.data)
            return
        handler = self._handlers.get(event.type)
        if handler is not None:
            handler(event.data)

    def on_response(self, response: Response) -> None:
        """A round ended: close its panes and count its usage."""
        if self._events_in_round == 0:
            self._draw_whole(response)
        self.flush()
        usage = response.usage or {}
        reasoning_tokens = (usage.get("output_tokens_details") or {}).get("reasoning_tokens")
        for pane in self._reasoning.values():
            pane.fold(reasoning_tokens)
        for pane in self._answers.values():
            pane.close()
        add_usage(self.stats, usage)
        self.stats["model"] = response.model or self.stats.get("model")
        self._answers, self._reasoning, self._cards = {}, {}, {}

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
        """Draw what changed, at most once per `interval`."""
        now = time.monotonic()
        if now - self._last_draw >= self.interval:
            self.flush()

    def flush(self) -> None:
        self._last_draw = time.monotonic()
        for pane in self._reasoning.values():
            pane.flush()
        for card in self._cards.values():
            card.flush()
        for pane in self._answers.values():
            pane.flush()

    # -- events ----------------------------------------------------------------------

    def _item_added(self, data: dict[str, Any]) -> None:
        item = data.get("item") or {}
        index = data.get("output_index", 0)
        kind = item.get("type")
        if kind == "reasoning":
            self._reasoning_pane(index)
        elif kind == "message":
            self._fold_reasoning()
            self._answer_pane(index)
        elif kind == "function_call":
            self._fold_reasoning()
            self._cards[index] = self._new_card(item.get("name") or "?", item.get("id"))

    def _item_done(self, data: dict[str, Any]) -> None:
        item = data.get("item") or {}
        index = data.get("output_index", 0)
        if item.get("type") == "reasoning":
            pane = self._reasoning_pane(index)
            texts = [
                p.get("text") or "" for key in ("content", "summary") for p in item.get(key) or []
            ]
            pane.set_text("\n\n".join(t for t in texts if t))
            pane.hidden = bool(item.get("encrypted_content")) and not pane.text
            if pane.hidden:
                pane.fold()
        elif item.get("type") == "function_call" and index in self._cards:
            self._cards[index].set_arguments(item.get("arguments") or "")

    def _text_delta(self, data: dict[str, Any]) -> None:
        if self._first_token is None:
            self._token()
        pane = self._answers.get(data.get("output_index", 0)) or self._answer_pane(
            data.get("output_index", 0)
        )
        pane.feed(data.get("delta") or "")

    def _reasoning_delta(self, data: dict[str, Any]) -> None:
        self._token()
        self._reasoning_pane(data.get("output_index", 0)).feed(data.get("delta") or "")

    def _summary_part(self, data: dict[str, Any]) -> None:
        if data.get("summary_index"):
            self._reasoning_pane(data.get("output_index", 0)).feed("\n\n")

    def _arguments_delta(self, data: dict[str, Any]) -> None:
        card = self._cards.get(data.get("output_index", 0))
        if card is not None:
            card.feed(data.get("delta") or "")

    def _arguments_done(self, data: dict[str, Any]) -> None:
        card = self._cards.get(data.get("output_index", 0))
        if card is not None:
            card.set_arguments(data.get("arguments") or "")

    # -- helpers ---------------------------------------------------------------------

    def _token(self) -> None:
        if self._first_token is None:
            self._first_token = time.monotonic()

    def _answer_pane(self, index: int) -> AnswerPane:
        pane = self._answers.get(index)
        if pane is None:
            self._fold_reasoning()
            pane = self._answers[index] = AnswerPane(self.surface)
        return pane

    def _reasoning_pane(self, index: int) -> ReasoningPane:
        pane = self._reasoning.get(index)
        if pane is None:
            pane = self._reasoning[index] = ReasoningPane(self.surface)
        return pane

    def _new_card(self, name: str, item_id: str | None) -> ToolCard:
        card = ToolCard(self.surface, name)
        if item_id:
            self._cards_by_id[item_id] = card
        return card

    def _fold_reasoning(self) -> None:
        for pane in self._reasoning.values():
            if pane.ended is None:
                pane.flush()
                pane.fold()

    def _draw_whole(self, response: Response) -> None:
        """A round that arrived without events (not streamed): draw it at once."""
        if response.reasoning_text or response.reasoning_hidden:
            pane = self._reasoning_pane(0)
            pane.set_text(response.reasoning_text)
            pane.hidden = response.reasoning_hidden
        for call in response.function_calls:
            self._new_card(call.name, call.id).set_arguments(call.arguments)
        if response.output_text:
            self._answer_pane(len(response.output)).feed(response.output_text)


def _error_outputs(error: BaseException) -> tuple[str, str]:
    if isinstance(error, APIError):
        status = f" {error.status_code}" if error.status_code and error.status_code != 200 else ""
        title = f"{type(error).__name__}{status}"
        message, hint = str(error), error.hint
        if hint is None and type(error).__name__ == "StreamError":
            hint = "the stream broke; what arrived is kept above. Try again."
    else:
        title, message, hint = type(error).__name__, str(error), None
    return error_box(title, message, hint), f"{title}: {message}" + (f" ({hint})" if hint else "")


def _stop_button(surface: Surface, cancel: Callable[[], None]) -> Any:
    """A Stop button (needs ipywidgets); its output is emptied when the send ends."""
    try:
        import ipywidgets
    except ImportError:  # pragma: no cover - ipywidgets is a dependency
        return None
    button = ipywidgets.Button(
        description="Stop",
        icon="stop",
        button_style="warning",
        layout=ipywidgets.Layout(width="auto"),
    )

    def clicked(_: Any) -> None:
        button.disabled = True
        button.description = "Stopping…"
        cancel()

    button.on_click(clicked)
    return surface.show_widget(button)
