"""Branches of a conversation, one a model (`compare`): their answers as a `Comparison`,
the checks on the models asked, and each model's observer. No I/O: `Conversation` and
`AsyncConversation` both use these.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..protocol import FunctionCall, Response
from .observer import Observer, SendObserver

if TYPE_CHECKING:
    from ..tools import Tool, ToolResult

__all__ = [
    "BranchError",
    "Comparison",
    "ObserverChoice",
    "Serialised",
    "checked_models",
    "failed_response",
    "listed",
    "observer_factory",
]

ObserverChoice = SendObserver | Callable[[str], SendObserver | None] | None


class BranchError(ValueError):
    """A send or pick that does not fit the conversation's branches (see `Conversation.compare`)."""


class Comparison(dict[str, Response]):
    """The answers of `compare`: `{model: Response}` in the order the models were given.

    A model that failed has its partial `Response` (or an empty one) with status
    `failed`, and its exception in `errors[model]`. `turns[model]` lists every
    response of that model's tool loop (the dict holds the last one).
    """

    def __init__(
        self,
        responses: dict[str, Response] | None = None,
        errors: dict[str, BaseException] | None = None,
        turns: dict[str, list[Response]] | None = None,
    ) -> None:
        super().__init__(responses or {})
        self.errors: dict[str, BaseException] = dict(errors or {})
        self.turns: dict[str, list[Response]] = dict(turns or {})

    def __repr__(self) -> str:
        answers = ", ".join(f"{model!r}: {r.status}" for model, r in self.items())
        failed = f", errors={list(self.errors)}" if self.errors else ""
        return f"Comparison({{{answers}}}{failed})"


def checked_models(models: Any) -> list[str]:
    if isinstance(models, str) or not all(isinstance(m, str) for m in models):
        raise TypeError(f"models must be a list of model ids, not {models!r}")
    models = list(models)
    if not models:
        raise ValueError("compare() needs at least one model in `models`")
    repeated = sorted({m for m in models if models.count(m) > 1})
    if repeated:
        raise ValueError(f"models must differ; given more than once: {', '.join(repeated)}")
    return models


def listed(branches: dict[str, Any]) -> str:
    return ", ".join(repr(model) for model in branches)


def failed_response(model: str, exc: BaseException) -> Response:
    """What arrived before `exc` (a `StreamError` carries it), else an empty response; failed."""
    response = getattr(exc, "response", None)
    if not isinstance(response, Response):
        response = Response(model=model)
    response.status = "failed"
    return response


def observer_factory(observer: ObserverChoice) -> Callable[[str], SendObserver]:
    """`compare`'s `observer=` as a function giving each model its observer."""
    if observer is None:
        return lambda model: Observer()
    if isinstance(observer, type):
        raise TypeError(
            f"observer= takes an observer or a function of the model, not the class "
            f"{observer.__name__}: pass an instance"
        )
    if hasattr(observer, "on_event"):
        shared = Serialised(observer)
        return lambda model: shared
    if callable(observer):
        return lambda model: observer(model) or Observer()
    raise TypeError(
        f"observer= takes a SendObserver or a function model -> SendObserver, not {observer!r}"
    )


class Serialised:
    """A `SendObserver` that forwards to another one, one thread at a time.

    Reports share one lock; `confirm` has its own, so approvals are asked one at
    a time while the other models' reports go on.
    """

    def __init__(self, observer: SendObserver) -> None:
        self.observer = observer
        self._lock = threading.Lock()
        self._confirm_lock = threading.Lock()

    def on_request(self, params: dict[str, Any]) -> None:
        with self._lock:
            self.observer.on_request(params)

    def on_event(self, event: Any) -> None:
        with self._lock:
            self.observer.on_event(event)

    def on_response(self, response: Response) -> None:
        with self._lock:
            self.observer.on_response(response)

    def on_tool_start(self, call: FunctionCall) -> None:
        with self._lock:
            self.observer.on_tool_start(call)

    def on_tool_finish(self, result: ToolResult) -> None:
        with self._lock:
            self.observer.on_tool_finish(result)

    def on_notice(self, text: str) -> None:
        with self._lock:
            self.observer.on_notice(text)

    def confirm(self, tool: Tool, call: FunctionCall) -> bool | None:
        with self._confirm_lock:
            return self.observer.confirm(tool, call)
