"""What a scripted model decided to say: the plan that ``events`` turns into a stream."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Call:
    """One function call: the tool's name and its arguments as a JSON string."""

    name: str
    arguments: str


@dataclass
class Plan:
    """The output items of one response, in order: reasoning, message, function calls.

    ``fault`` makes the stream break the way real streams do:
    ``"midstream-error"`` (an ``error`` event halfway through the text),
    ``"failed"`` (``response.failed`` halfway), ``"truncated"`` (the connection
    closes in the middle of an event) or ``"stall"`` (nothing after the keep-alive).
    """

    text: str | None = None
    reasoning: str = ""
    summary: list[str] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    incomplete: bool = False
    fault: str | None = None

    @property
    def reasons(self) -> bool:
        """Whether the response starts with a reasoning item."""
        return bool(self.reasoning or self.summary)
