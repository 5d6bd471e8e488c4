"""`AsyncConversation`: `Conversation` for asyncio code, driving the same `ToolLoop`.

Everything that is not I/O (settings, history, branches, the size checks, save/load)
is `ConversationBase`'s; here are only the awaits: an `AsyncClient` for the model
turns, `tools.arun_calls` for the calls (`async def` tools on the running loop, plain
functions in threads), and `compare` as one asyncio task per model.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable, Generator
from typing import Any, TypeVar

from ..client.clients import AsyncClient, Client
from ..inputs.attachments import as_input
from ..protocol import Response
from ..tools import arun_calls
from .branches import Comparison, ObserverChoice, failed_response
from .context_size import Size, context_length_of
from .conversation import ConversationBase, _as_turn
from .observer import Observer, SendObserver

__all__ = ["AsyncConversation"]

T = TypeVar("T")


class AsyncConversation(ConversationBase):
    """The awaitable twin of `Conversation`: `await chat.send(...)`, `await chat.compare(...)`.

    The same settings, history, branches, `save`/`load`, observers and size checks;
    `client` is an `AsyncClient`. The observer's hooks run on the event loop. `cancel()`
    works from any thread or task; cancelling the task that awaits `send` stops it too,
    leaving the history as it was (as a failed request does).
    """

    client: AsyncClient | None

    async def send(
        self,
        prompt: Any,
        *,
        observer: SendObserver | None = None,
        **overrides: Any,
    ) -> Response:
        """Send a prompt, run the tool loop, and return the final `Response` (see
        `Conversation.send`)."""
        self._begin_send(overrides)
        return await self._send(prompt, observer, overrides)

    async def _send(
        self,
        prompt: str | list[dict[str, Any]],
        observer: SendObserver | None,
        overrides: dict[str, Any],
    ) -> Response:
        observer = observer or Observer()
        turn, registry, params = self._prepare(prompt, overrides)
        await _answered(self._fitting(turn, params, observer), self._context_length)
        loop = self._loop(turn, params)
        while (request := loop.next_request()) is not None:
            response = await self._turn(loop.params, request, observer)
            calls = self._received(loop, request, response, observer)
            if calls:
                results = await arun_calls(calls, registry, **self._call_hooks(observer))
                self._ran(loop, results)
        return self._finished(loop, observer)

    async def _turn(
        self, params: dict[str, Any], request: dict[str, Any], observer: SendObserver
    ) -> Response:
        client = self._client()
        observer.on_request(params)
        if not self.stream:
            return await client.create(**request)
        stream = client.stream(**request)
        self._stream = stream
        if self._cancelled.is_set():  # cancel() came before the stream was known
            stream.cancel()
        try:
            on_event = observer.on_event
            async with stream:
                async for event in stream:
                    on_event(event)
            return stream.response
        finally:
            self._stream = None

    def _client(self) -> AsyncClient:
        if isinstance(self.client, Client):
            raise TypeError(
                "AsyncConversation needs an AsyncClient, not a Client: "
                "pass client.to_async() (and close it with `await it.aclose()`)"
            )
        self.client = self.client or AsyncClient()  # kept: its catalogue is read only once
        return self.client

    async def compare(
        self,
        prompt: Any,
        *,
        models: list[str],
        observer: ObserverChoice = None,
        **overrides: Any,
    ) -> Comparison:
        """Send `prompt` to every model at once, one task each, each in its own branch;
        the answers in `models` order (see `Conversation.compare`).

        If the awaiting task is cancelled, every model is cancelled (`cancel()`), the
        comparison waits for them to stop, keeping what arrived in their branches, and
        `CancelledError` is raised again.
        """
        models, prompt, per_model, branches = self._compare_branches(
            models, prompt, observer, overrides
        )

        async def run(model: str) -> tuple[Response, BaseException | None]:
            try:
                turn = copy.deepcopy(prompt)
                return await branches[model]._send(turn, per_model(model), dict(overrides)), None
            except Exception as exc:  # one model's failure must not stop the others
                return failed_response(model, exc), exc

        tasks = {model: asyncio.ensure_future(run(model)) for model in branches}
        try:
            await asyncio.wait(tasks.values())
        except asyncio.CancelledError:
            self.cancel()
            await asyncio.wait(tasks.values())
            raise
        outcomes = {model: task.result() for model, task in tasks.items()}
        return self._comparison(models, branches, outcomes)

    async def size(self, prompt: Any = None, **overrides: Any) -> Size:
        """How large the next request would be (see `Conversation.size`)."""
        turn = [] if prompt is None else _as_turn(as_input(prompt))
        params = {"model": self.model, **self.params, **overrides}
        return await _answered(self._sizing(turn, params), self._context_length)

    async def _context_length(self, model: str) -> int | None:
        """`model`'s context window from the client's catalogue; None when unknown."""
        entry = getattr(self._client(), "model_entry", None)
        return context_length_of(await entry(model)) if entry is not None else None


async def _answered(
    steps: Generator[str, int | None, T], lookup: Callable[[str], Awaitable[int | None]]
) -> T:
    """Run `steps` to its end, answering each model id it yields with `await lookup(model)`."""
    answer = None
    try:
        while True:
            answer = await lookup(steps.send(answer))
    except StopIteration as end:
        return end.value
