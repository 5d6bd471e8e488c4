"""The contract between `Conversation.send` and whoever watches it (views, runners, tests).

`send(prompt, observer=...)` calls these hooks, in this order for each model turn:
`on_request` before the request, `on_event` for every stream event (the hot path),
`on_response` with the turn's final `Response`, then for each function call
`on_tool_start` and `on_tool_finish`, with `confirm` first for `confirm=True` tools;
`on_notice` for messages such as "max_turns reached"; `execute(fn)` runs a `main_thread`
tool's call where cells run (the runner sends it to the kernel's main thread). `Observer` implements every
hook as doing nothing, so an observer overrides only what it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..protocol import Event, FunctionCall, Response
    from ..tools import Tool, ToolResult

__all__ = ["Observer", "SendObserver"]


class SendObserver(Protocol):
    def on_request(self, params: dict[str, Any]) -> None: ...

    def on_event(self, event: Event) -> None: ...

    def on_response(self, response: Response) -> None: ...

    def on_tool_start(self, call: FunctionCall) -> None: ...

    def on_tool_finish(self, result: ToolResult) -> None: ...

    def on_notice(self, text: str) -> None: ...

    def confirm(self, tool: Tool, call: FunctionCall) -> bool | None: ...

    def execute(self, fn: Callable[[], Any]) -> Any: ...


class Observer:
    """A `SendObserver` whose hooks do nothing; `confirm` answers None: nobody can be asked."""

    def on_request(self, params: dict[str, Any]) -> None:
        pass

    def on_event(self, event: Event) -> None:
        pass

    def on_response(self, response: Response) -> None:
        pass

    def on_tool_start(self, call: FunctionCall) -> None:
        pass

    def on_tool_finish(self, result: ToolResult) -> None:
        pass

    def on_notice(self, text: str) -> None:
        pass

    def confirm(self, tool: Tool, call: FunctionCall) -> bool | None:
        return None

    def execute(self, fn: Callable[[], Any]) -> Any:
        """Run a `main_thread` tool's call where the notebook's cells run: here, by default."""
        return fn()
