"""The tool loop, written once and without I/O: what to send next, which calls to run, and
what the history becomes. The sync and async conversations, the batch and the comparison
each drive it with their own client and their own way of running tools.

    loop = ToolLoop(history, prompt_items, params, max_turns=8)
    while (request := loop.next_request()) is not None:
        response = send(**request)              # the caller's I/O
        calls = loop.receive(response)
        if calls:
            loop.add_results(run(calls))        # [(call_id, output), ...] in call order
    history += loop.turn                        # loop.exhausted: max_turns ran out
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..protocol import FunctionCall, Response
from ..protocol.items import approval_response, call_output, input_items, unique_calls

__all__ = ["DEFAULT_MAX_TURNS", "DEFAULT_MODEL", "DEFAULT_TOOL_TIMEOUT", "ToolLoop", "is_forced"]

DEFAULT_MODEL = "openai/o4-mini"  # a conversation's, the magic's and a batch's model unless told

DEFAULT_MAX_TURNS = 8  # model turns of one send's tool loop
DEFAULT_TOOL_TIMEOUT = 300.0  # seconds a tool without a timeout of its own may run


def is_forced(choice: Any) -> bool:
    """Whether a `tool_choice` makes the model call a tool ("required" or a named function)."""
    return choice not in (None, "auto", "none")


@dataclass
class ToolLoop:
    """One send's tool loop. `turn` holds the items this send adds to `history`.

    A forced `tool_choice` applies to the first turn only: once the model has made the
    call, the next turns go back to "auto" so that it can answer. Call ids that repeat an
    earlier one in the conversation are made unique (see `unique_calls`). A cancelled
    response ends the loop keeping only its messages (a half-made call cannot be answered).
    """

    history: list[dict[str, Any]]
    turn: list[dict[str, Any]]
    params: dict[str, Any]
    max_turns: int = DEFAULT_MAX_TURNS
    turns: int = 0
    done: bool = False
    pending: list[FunctionCall] = field(default_factory=list)
    approvals: list[dict[str, Any]] = field(default_factory=list)  # remote MCP asks

    @property
    def exhausted(self) -> bool:
        """True when the loop stopped because `max_turns` ran out with calls answered."""
        return not self.done and self.turns >= self.max_turns

    def next_request(self) -> dict[str, Any] | None:
        """The parameters of the next request (`input` included), or None when the loop is over."""
        if self.done or self.pending or self.approvals or self.turns >= self.max_turns:
            return None
        return {**self.params, "input": self.history + self.turn}

    def receive(self, response: Response) -> list[FunctionCall]:
        """Take a turn's response; return the calls to run now (none: the loop is over)."""
        self.turns += 1
        items = input_items(response)
        if response.status == "cancelled":
            self.turn += [item for item in items if item["type"] == "message"]
            self.done = True
            return []
        self.pending = unique_calls(items, self.history + self.turn, response.id)
        self.approvals = [item for item in items if item["type"] == "mcp_approval_request"]
        self.turn += items
        self.done = not self.pending and not self.approvals
        return list(self.pending)

    def add_approvals(self, answers: list[tuple[str, bool]]) -> None:
        """The user's answers to `approvals`, as `(request id, approved)` pairs."""
        self.turn += [approval_response(request_id, approve) for request_id, approve in answers]
        self.approvals = []

    def add_results(self, outputs: list[tuple[str, Any]]) -> None:
        """The outputs of the calls `receive` returned, as `(call_id, output)` pairs."""
        self.turn += [call_output(call_id, output) for call_id, output in outputs]
        self.pending = []
        if is_forced(self.params.get("tool_choice")):
            self.params = {**self.params, "tool_choice": "auto"}

    def stop(self) -> None:
        """End the loop now (a cancel): no further request."""
        self.done = True
