"""One prompt to several models at once: `compare` and its awaitable twin `acompare`.

Both are one-shot: a fresh `Conversation` whose `compare` sends the prompt to
every model concurrently (one thread each, each with its own tool loop). For
branches that continue across calls, use `Conversation.compare` and `pick`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .client import Client
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
    client: Client | None = None,
    observer: ObserverChoice = None,
    instructions: str | None = None,
    tools: list[Any] | dict[str, Any] | None = None,
    reasoning: dict[str, Any] | str | None = None,
    **params: Any,
) -> Comparison:
    """`compare`, awaitable: the event loop stays free while the models answer.

    The tool loop is synchronous, so the comparison runs on a worker thread
    (its observers are called from threads, not from the event loop); `client`
    is a sync `Client`. Cancelling the awaiting task cancels every model's
    send, waits the fraction of a second they take to stop, and raises
    `CancelledError` (for what arrived, use `Conversation.compare` and `cancel`).
    """
    chat = _conversation(client, instructions, tools, reasoning, params)
    done = asyncio.get_running_loop().run_in_executor(
        None, lambda: chat.compare(input, models=models, observer=observer)
    )
    try:
        return await asyncio.shield(done)
    except asyncio.CancelledError:
        chat.cancel()
        await asyncio.wait([done])
        raise


def _conversation(
    client: Client | None,
    instructions: str | None,
    tools: list[Any] | dict[str, Any] | None,
    reasoning: dict[str, Any] | str | None,
    params: dict[str, Any],
) -> Conversation:
    if "model" in params:
        raise TypeError("compare() takes the models in `models=`, not `model=`")
    return Conversation(
        instructions=instructions, tools=tools, reasoning=reasoning, client=client, **params
    )
