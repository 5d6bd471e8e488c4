"""What every view of a send shares: the observer hooks, timing, and the figures for the footer.

A view is told `begin`, then the send's reports (`on_request`, `on_event`, `on_response`,
`on_tool_start`, `on_tool_finish`, `on_notice`), `tick` now and then so it may draw at
its own pace, and `finish` once. `View` owns the timing and the `SendStats`; the
subclasses (`LiveView`, `TerminalView`) only draw.

Events reach a view as the server sent them, so a view reads their fields through
`int_field` and `str_field`, which give a default for a field of the wrong type: no
event can make a view raise.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..chat.observer import Observer
from ..client import ledger
from ..protocol import Response

__all__ = ["OFFLINE_NOTICE", "SendStats", "View", "int_field", "str_field"]

OFFLINE_NOTICE = "Offline mode: these answers are scripted by the local emulator, not a model."


def int_field(data: dict[str, Any], key: str) -> int:
    """An index field (`output_index`, `summary_index`): 0 unless it is a real int."""
    value = data.get(key)
    return value if type(value) is int else 0


def str_field(data: dict[str, Any], key: str) -> str:
    """A text field (`delta`, `name`): "" unless it is a string."""
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _number(value: Any) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@dataclass
class SendStats:
    """The figures of one send, over all its model turns, as the footer shows them."""

    model: str | None = None
    turns: int = 0
    input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    cost: float | None = None
    ttft: float | None = None
    total: float | None = None
    status: str | None = None
    tools: list[str] = field(default_factory=list)  # the tools offered to the model
    provider: str | None = None  # who served the last turn, from OpenRouter's routing metadata
    attempts: int | None = None  # routing attempts of the last turn (fallbacks included)
    cached: int = 0  # turns answered from the response cache or a cassette (nothing spent)
    context_tokens: int | None = None  # the conversation's size: the last turn's input tokens
    cached_tokens: int = 0  # input tokens the provider read from its prompt cache
    spend: str | None = None  # the session's spend against its budget, when one is set
    notes: list[str] = field(default_factory=list)  # said last, e.g. how the agent's code ran

    @property
    def tokens_per_second(self) -> float | None:
        """Output tokens per second after the first token (None until known)."""
        if not self.output_tokens or self.total is None or self.ttft is None:
            return None
        streaming = self.total - self.ttft
        return self.output_tokens / streaming if streaming > 0 else None

    def add_usage(self, usage: Any) -> None:
        """Count one model turn and add its usage (fields of the wrong type are passed over)."""
        self.turns += 1
        if not isinstance(usage, dict):
            return
        for key in ("input_tokens", "output_tokens", "cost"):
            value = _number(usage.get(key))
            if value is not None:
                setattr(self, key, (getattr(self, key) or 0) + value)
        tokens = _number(usage.get("input_tokens"))
        self.context_tokens = int(tokens) if tokens is not None else self.context_tokens
        cached = usage.get("input_tokens_details")
        cached = _number(cached.get("cached_tokens")) if isinstance(cached, dict) else None
        self.cached_tokens += int(cached or 0)
        details = usage.get("output_tokens_details")
        reasoning = _number(details.get("reasoning_tokens")) if isinstance(details, dict) else None
        if reasoning:
            self.reasoning_tokens = (self.reasoning_tokens or 0) + int(reasoning)

    def footer_text(self) -> str:
        """One line: model (and who served it), tokens, reasoning tokens, the conversation's
        size, cost, time to first token, total, turns. The model is the one that served, a
        fallback included; the conversation's size is what its last turn sent, in tokens."""
        parts = [self.model or "?"]
        if self.provider:
            parts.append(f"via {self.provider}")
        if self.attempts and self.attempts > 1:
            parts.append(f"{self.attempts} attempts")
        if self.input_tokens is not None:
            parts.append(f"{self.input_tokens:,} in / {self.output_tokens or 0:,} out tokens")
        if self.cached_tokens:
            parts.append(f"{self.cached_tokens:,} cached")
        if self.reasoning_tokens:
            parts.append(f"{self.reasoning_tokens:,} reasoning")
        if self.context_tokens is not None:
            parts.append(f"conversation {self.context_tokens:,} tokens")
        if self.cached and self.cached >= self.turns:
            original = f"original cost ${self.cost:.6f} · " if self.cost is not None else ""
            parts.append(f"cached · {original}nothing spent")
        elif self.cost is not None:
            cached = f" ({self.cached} of {self.turns} turns cached)" if self.cached else ""
            parts.append(f"${self.cost:.6f}{cached}")
        if self.ttft is not None:
            parts.append(f"first token {self.ttft:.2f} s")
        if self.total is not None:
            parts.append(f"total {self.total:.2f} s")
        if self.turns > 1:
            parts.append(f"{self.turns} turns")
        if self.tools:
            parts.append(f"tools: {', '.join(self.tools)}")
        if self.status not in (None, "completed"):
            parts.append(self.status)
        if self.spend:
            parts.append(f"session {self.spend}")
        return " · ".join([*parts, *self.notes])


class View(Observer):
    """The base of every view: hooks that do nothing, timing and stats owned here once."""

    def __init__(self) -> None:
        self.stats = SendStats()
        self._started = time.monotonic()
        self._first_token: float | None = None
        self.tool_labels: dict[str, str] = {}  # name -> what its cards show (`label_tools`)

    def label_tools(self, labels: dict[str, str]) -> None:
        """Show these tools under their labels (an MCP tool as `server › tool`) rather than
        the names the model calls them by."""
        self.tool_labels = dict(labels)

    def tool_label(self, name: str) -> str:
        return self.tool_labels.get(name, name)

    # -- start and end -----------------------------------------------------------------

    def begin(self, *, model: str, offline: bool = False) -> None:
        """The send starts: note the model and the time, draw the header."""
        self.stats.model = model
        self._started = time.monotonic()
        self.draw_begin(offline)

    def finish(self, response: Response | None = None, error: BaseException | None = None) -> None:
        """The send ended (with its last `Response`, or the error it raised): draw the end."""
        stats = self.stats
        stats.total = time.monotonic() - self._started
        if self._first_token is not None:
            stats.ttft = self._first_token - self._started
        stats.status = response.status if response is not None and error is None else "failed"
        stats.spend = ledger.spend_line()
        self.draw_end(response, error)

    @property
    def finished(self) -> bool:
        """Whether `finish` has run (and so the view drew any error)."""
        return self.stats.total is not None

    def draw_begin(self, offline: bool) -> None:
        """Subclasses: draw what comes before the answer."""

    def draw_end(self, response: Response | None, error: BaseException | None) -> None:
        """Subclasses: draw the end (stats are final by now)."""

    def tick(self) -> None:
        """Called often while the send runs: draw what changed, at the view's own pace."""

    def first_token(self) -> None:
        """Note the time of the first token (reasoning or answer)."""
        if self._first_token is None:
            self._first_token = time.monotonic()

    # -- the send's reports (the observer hooks of Conversation.send) ------------------

    def on_request(self, params: dict[str, Any]) -> None:
        model = params.get("model")
        self.stats.model = model if isinstance(model, str) else self.stats.model
        tools = params.get("tools") or ()
        names = (
            getattr(t, "name", None) or (t.get("name") if isinstance(t, dict) else None)
            for t in tools
        )
        self.stats.tools = [name for name in names if isinstance(name, str)]

    def on_response(self, response: Response) -> None:
        self.stats.add_usage(response.usage)
        self.stats.cached += bool(getattr(response, "cached", False))
        if isinstance(response.model, str) and response.model:
            self.stats.model = response.model
        self.stats.provider = response.provider or self.stats.provider
        self.stats.attempts = response.attempts or self.stats.attempts
