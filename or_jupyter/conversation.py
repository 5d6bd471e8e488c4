"""Conversations that carry across cells, with the automatic tool loop.

`Conversation.send` streams a response, runs the function calls the model asked
for (concurrently), sends `function_call` + `function_call_output` items back,
and repeats until the model answers without calls. The history is the list of
input items the API expects, so it can be saved, loaded and sent as it is.
"""

from __future__ import annotations

import copy
import json
import threading
import uuid
from pathlib import Path
from typing import Any

from .client import Client
from .observer import Observer, SendObserver
from .protocol import FunctionCall, Response
from .stream import ResponseStream
from .tools import Tool, ToolResult, as_tools, run_calls

__all__ = ["Conversation", "input_items", "DEFAULT_MODEL"]

DEFAULT_MODEL = "openai/o4-mini"
_SAVED_VERSION = 1


def user_message(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": text}


def input_items(response: Response) -> list[dict[str, Any]]:
    """A response's output as input items for the next request.

    Messages keep only what the API accepts back; reasoning items go back as
    received (providers need their `encrypted_content` or `signature`); calls keep
    their `id`. Items of server-side tools are left out.
    """
    items = []
    for item in response.output:
        kind = item.get("type")
        if kind == "message":
            items.append(_message_item(item, response.status))
        elif kind == "function_call":
            items.append(
                {
                    "type": "function_call",
                    "id": item.get("id") or item.get("call_id"),
                    "call_id": item.get("call_id") or item.get("id"),
                    "name": item.get("name"),
                    "arguments": item.get("arguments") or "",
                }
            )
        elif kind == "reasoning":
            reasoning = {k: v for k, v in item.items() if v is not None and k != "status"}
            reasoning.setdefault("summary", [])
            items.append(reasoning)
    return items


def _message_item(item: dict[str, Any], status: str) -> dict[str, Any]:
    content = [
        {"type": "output_text", "text": part.get("text") or "", "annotations": []}
        if part.get("type") == "output_text"
        else {"type": "refusal", "refusal": part.get("refusal") or ""}
        for part in item.get("content") or []
        if isinstance(part, dict) and part.get("type") in ("output_text", "refusal")
    ]
    message = {
        "type": "message",
        "role": "assistant",
        "id": item.get("id") or f"msg_{uuid.uuid4().hex[:24]}",
        "status": "completed" if status == "completed" else "incomplete",
        "content": content,
    }
    if item.get("phase"):
        message["phase"] = item["phase"]
    return message


def output_item(result: ToolResult) -> dict[str, Any]:
    """The `function_call_output` for a tool result, with the unique `id` OpenRouter requires."""
    return {
        "type": "function_call_output",
        "id": f"fco_{uuid.uuid4().hex[:24]}",
        "call_id": result.call_id,
        "output": result.output,
    }


class Conversation:
    """A conversation with a model that can call the notebook's functions.

    Observers: `send(prompt, observer=obj)` calls the hooks of `obj`, a
    `SendObserver` (subclass `orj.Observer` and override what you need): see
    `observer.py` for the hooks and their order.

    `tool_timeout` bounds, in seconds, each call of a tool without a `timeout`
    of its own (None: no limit).
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        instructions: str | None = None,
        tools: list[Any] | dict[str, Any] | None = None,
        reasoning: dict[str, Any] | str | None = None,
        client: Client | None = None,
        max_turns: int = 8,
        stream: bool = True,
        tool_timeout: float | None = 300.0,
        **params: Any,
    ) -> None:
        self.model = model
        self.instructions = instructions
        self.tools: dict[str, Tool] = as_tools(tools)
        self.reasoning = reasoning
        self.client = client
        self.max_turns = max_turns
        self.stream = stream
        self.tool_timeout = tool_timeout
        self.params = params
        self.history: list[dict[str, Any]] = []
        self.responses: list[Response] = []
        self._stream: ResponseStream | None = None
        self._cancelled = threading.Event()

    def __repr__(self) -> str:
        return (
            f"Conversation(model={self.model!r}, items={len(self.history)}, "
            f"tools={list(self.tools)})"
        )

    # -- the tool loop ------------------------------------------------------------

    def send(
        self,
        prompt: str | list[dict[str, Any]],
        *,
        observer: SendObserver | None = None,
        **overrides: Any,
    ) -> Response:
        """Send a prompt, run the tool loop, and return the final `Response`.

        `overrides` change request parameters for this call only (model,
        tool_choice, temperature, ...). A failed request leaves the history as it
        was and raises (`StreamError.response` holds what arrived); a cancelled
        one records the partial answer as an `incomplete` message.
        """
        observer = observer or Observer()
        self._cancelled.clear()
        self.responses = []
        turn = [user_message(prompt)] if isinstance(prompt, str) else list(prompt)
        tools = overrides.pop("tools", None)
        registry = as_tools(tools) if tools is not None else self.tools
        params = self._params(registry, overrides)
        for _ in range(self.max_turns):
            response = self._turn(params, self.history + turn, observer)
            self.responses.append(response)
            observer.on_response(response)
            if response.status == "cancelled":
                turn += [i for i in input_items(response) if i["type"] == "message"]
                break
            items = input_items(response)
            calls = _unique_calls(items, self.history + turn, response.id)
            turn += items
            if not calls:
                break
            results = run_calls(
                calls,
                registry,
                confirm=observer.confirm,
                on_start=observer.on_tool_start,
                on_finish=observer.on_tool_finish,
                timeout=self.tool_timeout,
                cancel=self._cancelled,
            )
            turn += [output_item(result) for result in results]
            if self._cancelled.is_set():
                break
            if _is_forced(params.get("tool_choice")):
                params["tool_choice"] = "auto"  # a forced call, made: let the model answer now
        else:
            observer.on_notice(
                f"Stopped after {self.max_turns} model turns without a final answer "
                "(max_turns); the history is complete, send again to continue.",
            )
        self.history += turn
        return response

    def cancel(self) -> None:
        """Stop the current `send` from any thread: the stream closes, no further turn starts.

        Tool calls still running end at once with a "cancelled" output (a plain
        function's thread cannot be stopped and is left behind), so the history
        stays valid and `send` returns within a fraction of a second.
        """
        self._cancelled.set()
        stream = self._stream
        if stream is not None:
            stream.cancel()

    def _turn(
        self, params: dict[str, Any], items: list[dict[str, Any]], observer: SendObserver
    ) -> Response:
        client = self.client or Client()
        self.client = client
        observer.on_request(params)
        if not self.stream:
            return client.create(input=items, **params)
        stream = client.stream(input=items, **params)
        self._stream = stream
        try:
            on_event = observer.on_event
            with stream:
                for event in stream:
                    on_event(event)
            return stream.response
        finally:
            self._stream = None

    def _params(self, tools: dict[str, Tool], overrides: dict[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": self.model,
            "instructions": self.instructions,
            "reasoning": self.reasoning,
            "tools": [t.schema for t in tools.values()] or None,
            **self.params,
            **overrides,
        }
        if not params.get("tools"):
            params.pop("tool_choice", None)
            params.pop("parallel_tool_calls", None)
        return params

    # -- history ------------------------------------------------------------------

    def reset(self) -> None:
        """Forget the history (settings and tools stay)."""
        self.history = []
        self.responses = []

    def fork(self) -> Conversation:
        """An independent copy: same settings, tools and client, a copied history."""
        twin = copy.copy(self)
        twin.history = copy.deepcopy(self.history)
        twin.params = dict(self.params)
        twin.responses = []
        twin._stream = None
        twin._cancelled = threading.Event()
        return twin

    def save(self, path: str | Path) -> None:
        """Write settings and history as JSON (tools are code: pass them again to `load`)."""
        data = {
            "version": _SAVED_VERSION,
            "model": self.model,
            "instructions": self.instructions,
            "reasoning": self.reasoning,
            "max_turns": self.max_turns,
            "stream": self.stream,
            "tool_timeout": self.tool_timeout,
            "params": self.params,
            "tools": list(self.tools),
            "history": self.history,
        }
        Path(path).write_text(json.dumps(data, indent=1, ensure_ascii=False))

    @classmethod
    def load(
        cls,
        path: str | Path,
        *,
        tools: list[Any] | dict[str, Any] | None = None,
        client: Client | None = None,
    ) -> Conversation:
        """A conversation from a file written by `save`."""
        data = json.loads(Path(path).read_text())
        if data.get("version") != _SAVED_VERSION:
            raise ValueError(
                f"{path}: not a saved or_jupyter conversation (version {data.get('version')!r})"
            )
        chat = cls(
            model=data["model"],
            instructions=data.get("instructions"),
            tools=tools,
            reasoning=data.get("reasoning"),
            client=client,
            max_turns=data.get("max_turns", 8),
            stream=data.get("stream", True),
            tool_timeout=data.get("tool_timeout", 300.0),
            **data.get("params", {}),
        )
        chat.history = data["history"]
        return chat


def _is_forced(choice: Any) -> bool:
    return choice not in (None, "auto", "none")


def _unique_calls(
    items: list[dict[str, Any]], earlier: list[dict[str, Any]], response_id: str | None
) -> list[FunctionCall]:
    """The function calls among `items`, with call ids made unique in the conversation.

    Some providers (Bedrock's Mantle) number calls `call_0`, `call_1`, ... afresh
    in every response; a repeated id would pair an output with the wrong call, so
    it is qualified with the response id (`resp_…:call_0`), as the provider accepts.
    """
    taken = {item.get("call_id") for item in earlier if item.get("type") == "function_call"}
    calls = []
    for item in items:
        if item["type"] != "function_call":
            continue
        if item["call_id"] in taken:
            item["call_id"] = f"{response_id}:{item['call_id']}"
        taken.add(item["call_id"])
        calls.append(FunctionCall(item["name"], item["call_id"], item["id"], item["arguments"]))
    return calls
