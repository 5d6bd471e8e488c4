"""`Response`: what a Responses API call produced, as plain data."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FunctionCall", "Response", "STATUSES"]

STATUSES = ("completed", "incomplete", "failed", "cancelled", "in_progress")


@dataclass(slots=True)
class FunctionCall:
    """A function call the model asked for. `arguments` is the JSON string as sent."""

    name: str
    call_id: str
    id: str | None
    arguments: str

    def parsed_arguments(self) -> Any:
        """The arguments decoded from JSON (an empty string means no arguments)."""
        return json.loads(self.arguments) if self.arguments.strip() else {}


@dataclass
class Response:
    """A response, final or accumulated so far.

    `output` holds the output items in `output_index` order, JSON-ready and fit to
    send back as input. Text, reasoning and calls are derived from it, never from
    the server's `output_text` field (which real traffic leaves empty at times).
    """

    id: str | None = None
    model: str | None = None
    status: str = "in_progress"
    output: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    incomplete_details: dict[str, Any] | None = None
    created_at: float | None = None

    @property
    def output_text(self) -> str:
        """The answer: the text of every output message, in order."""
        return self._message_parts("output_text", "text")

    @property
    def reasoning_text(self) -> str:
        """Raw reasoning text and reasoning summaries, paragraphs separated by a blank line."""
        texts = []
        for item in self.output:
            if item.get("type") != "reasoning":
                continue
            for key in ("content", "summary"):
                for part in item.get(key) or ():
                    if isinstance(part, dict) and part.get("text"):
                        texts.append(part["text"])
        return "\n\n".join(texts)

    @property
    def refusal(self) -> str:
        """Refusal text, when the model declined."""
        return self._message_parts("refusal", "refusal")

    @property
    def function_calls(self) -> list[FunctionCall]:
        """The function calls of this response, in output order."""
        return [
            FunctionCall(
                name=item.get("name") or "",
                call_id=item.get("call_id") or item.get("id") or "",
                id=item.get("id"),
                arguments=item.get("arguments") or "",
            )
            for item in self.output
            if item.get("type") == "function_call"
        ]

    @property
    def reasoning_hidden(self) -> bool:
        """True when the provider sent reasoning only as `encrypted_content` (nothing to show)."""
        items = [item for item in self.output if item.get("type") == "reasoning"]
        return (
            bool(items)
            and not self.reasoning_text
            and any(item.get("encrypted_content") for item in items)
        )

    @property
    def cost(self) -> float | None:
        """Cost in USD credits, as OpenRouter reports it in `usage.cost`."""
        return (self.usage or {}).get("cost")

    def _message_parts(self, part_type: str, key: str) -> str:
        return "".join(
            part.get(key) or ""
            for item in self.output
            if item.get("type") == "message"
            for part in item.get("content") or ()
            if isinstance(part, dict) and part.get("type") == part_type
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the response's fields."""
        return {
            "id": self.id,
            "model": self.model,
            "status": self.status,
            "output": self.output,
            "output_text": self.output_text,
            "usage": self.usage,
            "error": self.error,
            "incomplete_details": self.incomplete_details,
        }
