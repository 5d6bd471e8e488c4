"""Conversations that carry across cells, with the automatic tool loop.

`Conversation.send` streams a response, runs the function calls the model asked
for (concurrently), sends `function_call` + `function_call_output` items back,
and repeats until the model answers without calls. The history is the list of
input items the API expects, so it can be saved, loaded and sent as it is.

`Conversation.compare` sends one prompt to several models at once; each model
continues its own branch of the conversation until `pick` adopts one.

The loop itself is `chat.loop.ToolLoop` (no I/O); `ConversationBase` holds all that is
not I/O, so `Conversation` (threads, `Client`) and `AsyncConversation` (asyncio,
`AsyncClient`, in `chat/async_conversation.py`) differ only in how they wait.
"""

from __future__ import annotations

import contextvars
import copy
import json
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..client.clients import Client
from ..inputs.attachments import as_input
from ..protocol import FunctionCall, Response
from ..protocol.items import call_output, input_items, user_message
from ..tools import Tool, ToolResult, as_tools, run_calls
from .branches import (
    BranchError,
    Comparison,
    ObserverChoice,
    checked_models,
    failed_response,
    listed,
    observer_factory,
)
from .context_size import (
    LOOKUP_FLOOR,
    Measured,
    Size,
    context_length_of,
    drop_oldest,
    estimate_each,
    estimate_tokens,
    history_limit_value,
    json_bytes,
)
from .loop import DEFAULT_MAX_TURNS, DEFAULT_MODEL, DEFAULT_TOOL_TIMEOUT, ToolLoop
from .observer import Observer, SendObserver

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "BranchError",
    "Comparison",
    "Conversation",
    "ConversationBase",
    "ObserverChoice",
    "input_items",
    "output_item",
    "DEFAULT_MODEL",
]

CALIBRATION_FLOOR = 1_000  # estimated tokens a request needs before its usage calibrates
_SAVED_VERSION = 2  # 2 added "branches"; version 1 files load as having none
_LOADABLE_VERSIONS = (1, 2)

T = TypeVar("T")


@dataclass(frozen=True)
class RemoteCall:
    """A remote MCP server's call awaiting approval, shaped as `confirm(tool, call)` takes it."""

    name: str
    arguments: str
    call_id: str


def _ask_remote(item: dict[str, Any], observer: SendObserver) -> tuple[str, bool]:
    """Ask the user about a remote MCP call (`mcp_approval_request`): only True approves."""
    name = f"{item.get('server_label')}/{item.get('name')} (remote MCP)"
    call = RemoteCall(name, str(item.get("arguments") or "{}"), str(item.get("id")))
    try:
        answer = observer.confirm(call, call)  # type: ignore[arg-type]
    except Exception:
        answer = False
    return call.call_id, answer is True


def output_item(result: ToolResult) -> dict[str, Any]:
    """The `function_call_output` for a tool result, with the unique `id` OpenRouter requires."""
    return call_output(result.call_id, result.model_output)


class ConversationBase:
    """What `Conversation` and `AsyncConversation` share: settings, history, branches, the
    size checks, save/load and the bookkeeping around the tool loop (`chat.loop.ToolLoop`).
    No I/O happens here: each subclass sends the requests and runs the tools its own way.

    Observers: `send(prompt, observer=obj)` calls the hooks of `obj`, a
    `SendObserver` (subclass `orj.Observer` and override what you need): see
    `observer.py` for the hooks and their order.

    `tool_timeout` bounds, in seconds, each call of a tool without a `timeout`
    of its own (None: no limit).

    Size: before each `send` the request is measured (`size()`). Past 80% of the
    model's context window (from `/models`, read once per client), or past 4 MB when
    the model is unknown, `send` warns (`on_notice`, with `size_advice`) and sends
    anyway. `history_limit` (a number of tokens, or "auto" for that 80%) drops the
    oldest whole turns instead, with a notice; `truncation="auto"` (a request
    parameter) asks the server to truncate instead.
    """

    size_advice = (
        "Start afresh with reset(), drop the oldest turns with history_limit= (tokens, or "
        "'auto'), or let the server truncate them with truncation='auto'."
    )

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        instructions: str | None = None,
        tools: list[Any] | dict[str, Any] | None = None,
        reasoning: dict[str, Any] | str | None = None,
        client: Any = None,
        max_turns: int = DEFAULT_MAX_TURNS,
        stream: bool = True,
        tool_timeout: float | None = DEFAULT_TOOL_TIMEOUT,
        history_limit: int | str | None = None,
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
        self.history_limit = history_limit_value(history_limit)
        self.params = params
        self.history: list[dict[str, Any]] = []
        self.responses: list[Response] = []
        self.branches: dict[str, Any] = {}
        self._stream: Any = None  # the stream being read, for cancel()
        self._cancelled = threading.Event()
        self._measured: Measured | None = None  # what the server counted of the last answer
        self._scale = 1.0  # measured tokens per estimated token, from the last answer

    def __repr__(self) -> str:
        branches = f", branches={list(self.branches)}" if self.branches else ""
        return (
            f"{type(self).__name__}(model={self.model!r}, items={len(self.history)}, "
            f"tools={list(self.tools)}{branches})"
        )

    # -- around the tool loop ---------------------------------------------------------

    def _prepare(
        self, prompt: Any, overrides: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], dict[str, Tool], dict[str, Any]]:
        """A send's first turn items, its tools and its request parameters."""
        self.responses = []
        turn = _as_turn(as_input(prompt))
        tools = overrides.pop("tools", None)
        registry = as_tools(tools) if tools is not None else self.tools
        return turn, registry, self._params(registry, overrides)

    def _loop(self, turn: list[dict[str, Any]], params: dict[str, Any]) -> ToolLoop:
        """The tool loop of a send, made once the size checks may have dropped history."""
        return ToolLoop(self.history, turn, params, max_turns=self.max_turns)

    def _received(
        self, loop: ToolLoop, request: dict[str, Any], response: Response, observer: SendObserver
    ) -> list[FunctionCall]:
        """Record a turn's response; the calls to run now (none: the loop is over)."""
        self.responses.append(response)
        observer.on_response(response)
        before = len(loop.turn)
        calls = loop.receive(response)
        if response.status != "cancelled":
            self._measure(response, request["input"], loop.turn[before:], request)
        if loop.approvals:
            loop.add_approvals([_ask_remote(item, observer) for item in loop.approvals])
        return calls

    def _call_hooks(self, observer: SendObserver) -> dict[str, Any]:
        """How calls run (`run_calls` / `arun_calls`): approval, reports, time limit, cancel."""
        return {
            "confirm": observer.confirm,
            "on_start": observer.on_tool_start,
            "on_finish": observer.on_tool_finish,
            "timeout": self.tool_timeout,
            "cancel": self._cancelled,
            "execute": getattr(observer, "execute", None),
        }

    def _ran(self, loop: ToolLoop, results: list[ToolResult]) -> None:
        """Hand the calls' results to the loop; after a cancel or an interrupted call (the
        user's Stop or kernel interrupt inside running code), no turn starts."""
        loop.add_results([(result.call_id, result.model_output) for result in results])
        if self._cancelled.is_set() or any(r.status == "interrupted" for r in results):
            loop.stop()

    def _finished(self, loop: ToolLoop, observer: SendObserver) -> Response:
        """Add the send's items to the history; the last response."""
        if loop.exhausted:
            observer.on_notice(
                f"Stopped after {self.max_turns} model turns without a final answer "
                "(max_turns); the history is complete, send again to continue.",
            )
        self.history += loop.turn
        return self.responses[-1]

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

    def cancel(self) -> None:
        """Stop the current `send` or `compare` from any thread: streams close, no turn starts.

        Tool calls still running end at once with a "cancelled" output (a plain
        function's thread cannot be stopped and is left behind), so the history
        stays valid and `send` returns within a fraction of a second. Every
        branch is cancelled too, and each keeps what arrived.
        """
        self._cancelled.set()
        stream = self._stream
        if stream is not None:
            stream.cancel()
        for branch in list(self.branches.values()):
            branch.cancel()

    # -- branches ---------------------------------------------------------------------

    def _compare_branches(
        self, models: Any, prompt: Any, observer: ObserverChoice, overrides: dict[str, Any]
    ) -> tuple[list[str], Any, Callable[[str], SendObserver], dict[str, Any]]:
        """For `compare`: the checked models, the prompt as input, each model's observer
        (a function of the model) and each model's branch. Checks come before any branch."""
        models = checked_models(models)
        prompt = as_input(prompt)  # once, not per model: a Figure is drawn a single time
        if "model" in overrides:
            raise TypeError("compare() takes the models in `models=`, not `model=`")
        per_model = observer_factory(observer)
        self._client()
        self._cancelled.clear()
        branches = {model: self._branch(model) for model in models}
        if self._cancelled.is_set():  # a cancel() while the branches were being made
            for branch in branches.values():
                branch.cancel()
        return models, prompt, per_model, branches

    def _client(self) -> Any:
        """The client, made (and kept) on first use."""
        raise NotImplementedError

    def pick(self, model: str) -> None:
        """Adopt `model`'s branch as the conversation going forward; the branches are cleared."""
        if model not in self.branches:
            raise BranchError(
                f"no branch for {model!r}; the branches are: {listed(self.branches)}"
                if self.branches
                else f"no branch for {model!r}: there are no branches (compare() makes them)"
            )
        branch = self.branches[model]
        self.history = branch.history
        self.responses = branch.responses
        self._measured, self._scale = branch._measured, branch._scale
        self.model = model
        self.branches = {}

    def _pick_for_send(self, model: str) -> None:
        if model not in self.branches:
            raise BranchError(
                f"this conversation has branches for {listed(self.branches)} after a compare, "
                f"none for {model!r}: pick one first with `Conversation.pick(model)` "
                "(or `%responses pick MODEL` in a notebook), or send with one of those models"
            )
        self.pick(model)

    def _begin_send(self, overrides: dict[str, Any]) -> None:
        """Before a send: continue the branch of its model, if there are branches."""
        if self.branches:
            self._pick_for_send(overrides.get("model", self.model))
        self._cancelled.clear()

    def _branch(self, model: str) -> Any:
        """`model`'s branch: this conversation's settings, the branch's own history.

        Made afresh at each compare, so settings changed here since reach every
        branch (as after `save`/`load`, which keep only the branches' histories);
        a model without a branch starts from a copy of this history.
        """
        old = self.branches.get(model)
        branch = self._twin(old.history if old else copy.deepcopy(self.history))
        branch.model = model
        self.branches[model] = branch
        return branch

    # -- size -----------------------------------------------------------------------

    def _sizing(
        self, turn: list[dict[str, Any]], params: dict[str, Any]
    ) -> Generator[str, int | None, Size]:
        """The size of the next request; yields a model id when its context length is
        needed and must be sent it (the catalogue read is the caller's I/O)."""
        model = str(params.get("model") or self.model)
        extra = [params.get("instructions"), params.get("tools")]
        measured = self._measured
        if measured is not None and measured.covers(self.history):
            rest = [*self.history[measured.count :], *turn]
            tokens = measured.tokens + (round(self._scale * estimate_tokens(rest)) if rest else 0)
        else:
            tokens = round(self._scale * estimate_tokens([self.history, turn, extra]))
        limit = self.history_limit if isinstance(self.history_limit, int) else None
        wanted = limit is None and tokens >= LOOKUP_FLOOR
        context = (yield model) if wanted else None
        nbytes = 0 if limit or context else json_bytes([self.history, turn, extra])
        return Size(tokens, nbytes, model, context_length=context, history_limit=limit)

    def _fitting(
        self, turn: list[dict[str, Any]], params: dict[str, Any], observer: Any
    ) -> Generator[str, int | None, None]:
        """Before sending: past the size limit, drop the oldest turns (with a
        `history_limit`) or warn; both through `observer.on_notice`. Yields as `_sizing`."""
        size = yield from self._sizing(turn, params)
        if not size.over:
            return
        if self.history_limit is not None and self.history:
            self._drop(size, observer)
            size = yield from self._sizing(turn, params)
            if not size.over:
                return
        if params.get("truncation") != "auto":  # else the server truncates: nothing to say
            observer.on_notice(
                f"This conversation is {size.describe()}: the model may refuse it. "
                f"{self.size_advice}"
            )

    def _measure(
        self,
        response: Response,
        sent: list[dict[str, Any]],
        output: list[dict[str, Any]],
        params: dict[str, Any],
    ) -> None:
        """Note the size the server counted (`usage`) for the items `sent` and the answer's
        `output` items, and calibrate the estimate against it. Only the items added since
        the last measure are estimated, so this costs the same however long the history."""
        usage = response.usage if isinstance(response.usage, dict) else {}
        used_in, used_out = usage.get("input_tokens"), usage.get("output_tokens")
        if not _counts(used_in):
            return
        details = usage.get("output_tokens_details")
        reasoning = details.get("reasoning_tokens") if isinstance(details, dict) else None
        answer = max(0, _count(used_out) - _count(reasoning))
        prior = self._measured
        known = (
            prior.estimate + estimate_each(sent[prior.count :])
            if prior is not None and prior.covers(sent)
            else estimate_each(sent)
        )
        estimate = known + estimate_tokens([params.get("instructions"), params.get("tools")])
        if estimate >= CALIBRATION_FLOOR:  # a small request's ratio says more of its JSON
            self._scale = min(max(used_in / estimate, 0.5), 2.0)
        last = output[-1] if output else sent[-1]
        count = len(sent) + len(output)
        self._measured = Measured(count, last, used_in + answer, known + estimate_each(output))

    def _drop(self, size: Size, observer: Any) -> None:
        """Drop the oldest whole turns until the history fits `size.limit`, and say so."""
        scale = self._scale

        def size_of(turn: list[dict[str, Any]]) -> float:
            return scale * estimate_tokens(turn) if size.unit == "tokens" else json_bytes(turn)

        kept, dropped = drop_oldest(self.history, size.value - size.limit, size_of)
        if not dropped:
            return
        items = sum(len(turn) for turn in dropped)
        shed = round(sum(scale * estimate_tokens(turn) for turn in dropped))
        self.history = kept
        self._measured = None
        turns = f"{len(dropped)} oldest turn{'s' if len(dropped) > 1 else ''}"
        observer.on_notice(
            f"Dropped the {turns} of the conversation ({items} items, about {shed:,} tokens) "
            f"to keep it under {size.limit:,} {size.unit} (history_limit={self.history_limit})."
        )

    # -- history ------------------------------------------------------------------

    def reset(self) -> None:
        """Forget the history and the branches (settings and tools stay)."""
        self.history = []
        self.responses = []
        self.branches = {}
        self._measured = None

    def fork(self) -> Self:
        """An independent copy: same settings, tools and client, a copied history and branches."""
        twin = self._twin(copy.deepcopy(self.history))
        twin.branches = {model: branch.fork() for model, branch in self.branches.items()}
        return twin

    def _twin(self, history: list[dict[str, Any]]) -> Self:
        """A copy of the settings with `history`, no branches and nothing running."""
        twin = copy.copy(self)
        twin.history = history
        twin.params = dict(self.params)
        twin.responses = []
        twin.branches = {}
        twin._stream = None
        twin._cancelled = threading.Event()
        return twin

    def save(self, path: str | Path) -> None:
        """Write settings, history and branches as JSON (tools are code: pass them to `load`).

        A branch differs from this conversation only by its model and history, so
        `branches` maps each model to its history.
        """
        data = {
            "version": _SAVED_VERSION,
            "model": self.model,
            "instructions": self.instructions,
            "reasoning": self.reasoning,
            "max_turns": self.max_turns,
            "stream": self.stream,
            "tool_timeout": self.tool_timeout,
            "history_limit": self.history_limit,
            "params": self.params,
            "tools": list(self.tools),
            "history": self.history,
            "branches": {model: b.history for model, b in self.branches.items()},
        }
        Path(path).write_text(json.dumps(data, indent=1, ensure_ascii=False))

    @classmethod
    def load(
        cls,
        path: str | Path,
        *,
        tools: list[Any] | dict[str, Any] | None = None,
        client: Any = None,
    ) -> Self:
        """A conversation from a file written by `save`."""
        data = json.loads(Path(path).read_text())
        if not isinstance(data, dict) or data.get("version") not in _LOADABLE_VERSIONS:
            raise ValueError(
                f"{path}: not a saved or_jupyter conversation (version {data.get('version')!r})"
            )
        chat = cls(
            model=data["model"],
            instructions=data.get("instructions"),
            tools=tools,
            reasoning=data.get("reasoning"),
            client=client,
            max_turns=data.get("max_turns", DEFAULT_MAX_TURNS),
            stream=data.get("stream", True),
            tool_timeout=data.get("tool_timeout", DEFAULT_TOOL_TIMEOUT),
            history_limit=data.get("history_limit"),
            **data.get("params", {}),
        )
        chat.history = data["history"]
        for model, history in (data.get("branches") or {}).items():
            chat._branch(model).history = history
        return chat

    def _comparison(
        self,
        models: list[str],
        branches: dict[str, Any],
        outcomes: dict[str, tuple[Response, BaseException | None]],
    ) -> Comparison:
        """The `Comparison` of the models' outcomes, in `models` order."""
        result = Comparison()
        for model in models:
            response, error = outcomes[model]
            result[model] = response
            turns = branches[model].responses
            result.turns[model] = turns if error is None else [*turns, response]
            if error is not None:
                result.errors[model] = error
        return result


class Conversation(ConversationBase):
    """A conversation with a model that can call the notebook's functions.

    `send` streams each model turn with a `Client` and runs the turn's calls with
    `tools.run_calls` (concurrently, the observer's hooks in the caller's thread);
    `AsyncConversation` is its awaitable twin. See `ConversationBase` for observers,
    `tool_timeout` and the size checks.
    """

    client: Client | None

    def send(
        self,
        prompt: Any,
        *,
        observer: SendObserver | None = None,
        **overrides: Any,
    ) -> Response:
        """Send a prompt, run the tool loop, and return the final `Response`.

        `prompt` is a string, a list of input items, or what `attachments.as_input` takes:
        an image or file (matplotlib Figure, PIL Image, Path, bytes), a DataFrame, or a list
        mixing them with strings, sent as one user message with the parts in order.

        `overrides` change request parameters for this call only (model,
        tool_choice, temperature, ...). A failed request leaves the history as it
        was and raises (`StreamError.response` holds what arrived); a cancelled
        one records the partial answer as an `incomplete` message.

        After a `compare`, a send whose model (override or `self.model`) has a
        branch picks that branch and continues it; any other model raises
        `BranchError`.
        """
        self._begin_send(overrides)
        return self._send(prompt, observer, overrides)

    def _send(
        self,
        prompt: str | list[dict[str, Any]],
        observer: SendObserver | None,
        overrides: dict[str, Any],
    ) -> Response:
        observer = observer or Observer()
        turn, registry, params = self._prepare(prompt, overrides)
        self._fit(turn, params, observer)
        loop = self._loop(turn, params)
        while (request := loop.next_request()) is not None:
            response = self._turn(loop.params, request, observer)
            calls = self._received(loop, request, response, observer)
            if calls:
                results = run_calls(calls, registry, **self._call_hooks(observer))
                self._ran(loop, results)
        return self._finished(loop, observer)

    def _turn(
        self, params: dict[str, Any], request: dict[str, Any], observer: SendObserver
    ) -> Response:
        client = self._client()
        observer.on_request(params)
        if not self.stream:
            return client.create(**request)
        stream = client.stream(**request)
        self._stream = stream
        if self._cancelled.is_set():  # cancel() came before the stream was known
            stream.cancel()
        try:
            on_event = observer.on_event
            with stream:
                for event in stream:
                    on_event(event)
            return stream.response
        finally:
            self._stream = None

    def _client(self) -> Client:
        self.client = self.client or Client()  # kept: its catalogue is read only once
        return self.client

    # -- many models at once ------------------------------------------------------

    def compare(
        self,
        prompt: Any,
        *,
        models: list[str],
        observer: ObserverChoice = None,
        **overrides: Any,
    ) -> Comparison:
        """Send `prompt` to every model at once and return their answers, in `models` order.

        Each model runs its own tool loop on its own thread, in its own branch
        (`self.branches[model]`, a `fork`): the history up to its first compare,
        then its own turns. A later compare continues existing branches; a new
        model forks from this conversation's history. `pick(model)` adopts one.

        A failing model (HTTP error, broken stream, unknown model, anything
        raised in its thread) does not stop the others: see `Comparison`.

        `observer` is either one `SendObserver` for all models (anything with an
        `on_event` attribute), whose hooks are called under a lock, one model at
        a time (`confirm` under a lock of its own, so a pending approval does not
        stall the other models' streams), or a callable `model -> SendObserver |
        None`, called on each model's thread, giving each model its own observer.
        `cancel()` from any thread stops every model; a KeyboardInterrupt while
        waiting cancels them all, waits for them to stop, and is raised again.
        """
        models, prompt, per_model, branches = self._compare_branches(
            models, prompt, observer, overrides
        )
        outcomes = _send_all(branches, prompt, per_model, overrides, cancel=self.cancel)
        return self._comparison(models, branches, outcomes)

    # -- size -----------------------------------------------------------------------

    def size(self, prompt: Any = None, **overrides: Any) -> Size:
        """How large the next request would be (the history, plus `prompt` if given), and
        the limit it is held to; see `context_size.Size`.

        The model's context length comes from the client's catalogue (`/models`, read
        once per client), and only once the conversation is large enough to matter.
        """
        turn = [] if prompt is None else _as_turn(as_input(prompt))
        return self._size(turn, {"model": self.model, **self.params, **overrides})

    def _size(self, turn: list[dict[str, Any]], params: dict[str, Any]) -> Size:
        return _answered(self._sizing(turn, params), self._context_length)

    def _fit(self, turn: list[dict[str, Any]], params: dict[str, Any], observer: Any) -> None:
        _answered(self._fitting(turn, params, observer), self._context_length)

    def _context_length(self, model: str) -> int | None:
        """`model`'s context window from the client's catalogue; None when unknown."""
        entry = getattr(self._client(), "model_entry", None)
        return context_length_of(entry(model)) if entry is not None else None


def _answered(steps: Generator[str, int | None, T], lookup: Callable[[str], int | None]) -> T:
    """Run `steps` to its end, answering each model id it yields with `lookup(model)`."""
    answer = None
    try:
        while True:
            answer = lookup(steps.send(answer))
    except StopIteration as end:
        return end.value


def _send_all(
    branches: dict[str, Conversation],
    prompt: str | list[dict[str, Any]],
    per_model: Callable[[str], SendObserver],
    overrides: dict[str, Any],
    cancel: Callable[[], None],
) -> dict[str, tuple[Response, BaseException | None]]:
    """Each branch's `(response, error)` for `prompt`, all sent at once, one thread each.

    If the wait is interrupted (KeyboardInterrupt), `cancel()` stops the branches;
    once they have stopped, the interrupt is raised again. Completion is signalled
    by events, not `Thread.join`: an interrupted join can report a live thread as
    finished.
    """
    outcomes: dict[str, tuple[Response, BaseException | None]] = {}
    finished = {model: threading.Event() for model in branches}

    def run(model: str) -> None:
        try:
            turn = copy.deepcopy(prompt)
            response = branches[model]._send(turn, per_model(model), dict(overrides))
            outcomes[model] = (response, None)
        except BaseException as exc:  # one model's failure must not stop the others
            outcomes[model] = (failed_response(model, exc), exc)
        finally:
            finished[model].set()

    for model in branches:
        name = f"or-jupyter-compare:{model}"
        context = contextvars.copy_context()  # e.g. the ledger's source: the form's, a cell's
        threading.Thread(target=context.run, args=(run, model), name=name, daemon=True).start()
    try:
        for done in finished.values():
            while not done.wait(0.1):  # a timed wait lets a kernel interrupt through
                pass
    except BaseException:
        cancel()
        for done in finished.values():
            done.wait()
        raise
    return outcomes


def _as_turn(prompt: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [user_message(prompt)] if isinstance(prompt, str) else list(prompt)


def _counts(value: Any) -> bool:
    """Whether `value` is a token count (an int, not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _count(value: Any) -> int:
    return value if _counts(value) else 0
