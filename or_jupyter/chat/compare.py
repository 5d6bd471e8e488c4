"""One prompt to several models at once: `compare` and its awaitable twin `acompare`.

Both are one-shot: a fresh `Conversation` (`AsyncConversation` for `acompare`) whose
`compare` sends the prompt to every model concurrently (one thread, or one task, each,
each with its own tool loop). For branches that continue across calls, use
`Conversation.compare` and `pick`.
"""

from __future__ import annotations

from typing import Any

from ..client.clients import AsyncClient, Client
from .async_conversation import AsyncConversation
from .conversation import BranchError, Comparison, Conversation, ObserverChoice

__all__ = ["BranchError", "Comparison", "acompare", "compare"]


def compare(
    input: str | list[dict[str, Any]],
    *,
    models: list[str],
    client: Client | None = None,
    observer: ObserverChoice = None,
    instructions: str | None = None,
    tools: list[Any] | dict[str, Any] | None = None,
    reasoning: dict[str, Any] | str | None = None,
    **params: Any,
) -> Comparison:
    """Send `input` to every model at once; `{model: Response}` in `models` order.

    `params` are request parameters (temperature, max_output_tokens, ...) and
    `Conversation` settings (max_turns, tool_timeout, stream). `observer` is as
    for `Conversation.compare`: one observer for all (called one thread at a
    time) or a function `model -> SendObserver`. A model that fails leaves the
    others intact: its error is in `result.errors[model]`.
    """
    chat = _conversation(client, instructions, tools, reasoning, params)
    return chat.compare(input, models=models, observer=observer)


async def acompare(
    input: str | list[dict[str, Any]],
    *,
    models: list[str],
    client: AsyncClient | Client | None = None,
    observer: ObserverChoice = None,
    instructions: str | None = None,
    tools: list[Any] | dict[str, Any] | None = None,
    reasoning: dict[str, Any] | str | None = None,
    **params: Any,
) -> Comparison:
    """`compare`, awaitable: an `AsyncConversation` whose models answer as asyncio tasks.

    The observers are called on the event loop. `client` is an `AsyncClient`; a sync
    `Client` is turned into one (`Client.to_async`) for this call and closed after it.
    Cancelling the awaiting task cancels every model's send, waits the fraction of a
    second they take to stop, and raises `CancelledError` (for what arrived, use
    `AsyncConversation.compare` and `cancel`).
    """
    _no_model(params)
    converted = client.to_async() if isinstance(client, Client) else None
    chat = AsyncConversation(
        instructions=instructions,
        tools=tools,
        reasoning=reasoning,
        client=converted or client,
        **params,
    )
    try:
        return await chat.compare(input, models=models, observer=observer)
    finally:
        if converted is not None:
            await converted.aclose()


def _conversation(
    client: Client | None,
    instructions: str | None,
    tools: list[Any] | dict[str, Any] | None,
    reasoning: dict[str, Any] | str | None,
    params: dict[str, Any],
) -> Conversation:
    _no_model(params)
    return Conversation(
        instructions=instructions, tools=tools, reasoning=reasoning, client=client, **params
    )


def _no_model(params: dict[str, Any]) -> None:
    if "model" in params:
        raise TypeError("compare() takes the models in `models=`, not `model=`")
