"""One `%%responses` cell, written once: a coroutine, and a thin wrapper that runs it
without an event loop.

In a kernel the cell is awaited (`Responses.responses_async`, see `transformer.py`), so
Stop, Approve and Deny are heard while the answer streams; elsewhere (a terminal, a kernel
that cannot, `%%responses` typed as such) `run_blocking` drives the same coroutine with
blocking sends, which never suspend it.
"""

from __future__ import annotations

from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from IPython.core.error import UsageError

from ..chat.structured import parse_structured
from ..client import ledger
from ..protocol import APIError, BudgetExceededError
from .agent.mode import agent_cell, next_cell
from .context import cells_context
from .drawing import Drawing, cell_drawing, tool_labels
from .offered_tools import tool_overrides
from .over import over, wants_over
from .request import CellDefaults, CellRequest, read_cell
from .runner import arun_compare, arun_send, run_compare, run_send
from .saved import cell_record
from .session import Session

__all__ = ["Send", "prepare", "run", "run_blocking", "run_to_end"]


@dataclass
class Send:
    """A cell ready to send: its request, the conversation, and the full settings."""

    request: CellRequest
    chat: Any  # the Conversation
    prompt: str | list[dict[str, Any]]
    overrides: dict[str, Any]
    agent: Any = None  # the AgentCell of an `--agent` cell


async def run(session: Session, line: str, cell: str, *, blocking: bool = False) -> Any:
    """Send the cell and draw the answer; `--out` keeps it. With `blocking` nothing is
    awaited (see `run_blocking`)."""
    if wants_over(line):
        return await over(session, line, cell, blocking=blocking)
    send = prepare(session, line, cell)
    request = send.request
    drawing = cell_drawing(
        send.overrides.get("model"),
        request.models,
        offline=send.chat.client.offline,
        html=session.draws_html,
        ask=session.in_kernel,
        cancel=send.chat.cancel,
        styles=session.draws_html and session.stylesheet.wanted(session.shell),
    )
    drawing.view.label_tools(
        tool_labels(send.chat.tools.values(), send.overrides.get("tools") or [])
    )
    if send.agent is not None:
        _agent_drawing(send.agent, drawing)
    try:
        result = await _send(send, drawing, blocking=blocking, poll_ui=session.in_kernel)
        drawing.metadata = cell_record(
            result,
            send.chat,
            name=request.chat,
            prompt=send.prompt,
            out=request.out,
            new=request.new,
            schema=request.schema_name,
        )
    except APIError:
        return None  # drawn by the view, with what had arrived above it
    finally:
        drawing.close()
        if send.agent is not None:
            _offer_code(session, send.agent)
    _store(session, request, send.agent.response(result) if send.agent else result)
    return None


def run_blocking(session: Session, line: str, cell: str) -> Any:
    """The cell, blocking until it is done (the cell magic as IPython calls it)."""
    return run_to_end(run(session, line, cell, blocking=True))


def run_to_end(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine that never suspends to its end, and return its value."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("a blocking cell awaited something")


def prepare(session: Session, line: str, cell: str) -> Send:
    """Read the cell, and resolve what it names: conversation, context, picks and tools."""
    request = read_cell(line, cell, CellDefaults.of(session.settings), session.shell.user_ns)
    prompt = request.prompt
    if request.context:
        notebook = cells_context(session.shell, request.context, keys=session.keys())
        prompt = _with_context(notebook, prompt) if notebook else prompt
    chat = session.chat(request.chat, new=request.new, stream=request.stream)
    if request.no_cache and chat.client.cache is not None:
        chat.client = chat.client.with_options(cache=None)  # same connections, no cache
    _within_budget(chat.client)
    if request.pick:
        try:
            chat.pick(request.pick)
        except ValueError as exc:
            raise UsageError(f"--pick {request.pick}: {exc}") from None
    if not request.models:
        _check_branch(chat, request.overrides["model"], request.chat)
    overrides = {**request.overrides, **tool_overrides(session, request.chat, request.tools, chat)}
    agent = None
    if request.agent is not None:
        if request.models:
            raise UsageError("--agent works with one model at a time, not with -m a,b")
        agent = agent_cell(session, request.agent, session.settings.agent)
        overrides = agent.offer(overrides)
    return Send(request, chat, prompt, overrides, agent)


def _agent_drawing(agent: Any, drawing: Drawing) -> None:
    """An agent cell's drawing: "approve the rest" offered, the mode said in the footer."""
    approvals = drawing.approvals.get("")
    if approvals is not None:
        approvals.offer_rest = True
    stats = getattr(drawing.view, "stats", None)
    if stats is not None:
        stats.notes.append(agent.note)
    if drawing.stop is not None:  # no redraw while a step runs: Stop must be there before
        drawing.stop.show_now()


def _offer_code(session: Session, agent: Any) -> None:
    """The code of the steps that ran, offered as a new cell below this one."""
    code = next_cell(agent.steps)
    if code is not None:
        session.shell.set_next_input(code, replace=False)


async def _send(send: Send, drawing: Drawing, *, blocking: bool, poll_ui: bool) -> Any:
    leading = (send.chat, send.prompt, drawing.view)
    if send.request.models:
        options = {"approvals": drawing.approvals, **send.overrides}
        if blocking:
            return run_compare(*leading, poll_ui=poll_ui, **options)
        return await arun_compare(*leading, **options)
    options = {"approvals": drawing.approvals.get(""), **send.overrides}
    if blocking:
        return run_send(*leading, poll_ui=poll_ui, **options)
    return await arun_send(*leading, **options)


def _store(session: Session, request: CellRequest, result: Any) -> None:
    """`--out`: the response (a dict of them when comparing), or with `--schema` the
    parsed structured answer."""
    if not request.out:
        return
    user_ns = session.shell.user_ns
    if request.schema is None:
        user_ns[request.out] = result
        return
    answers = result if request.models else {"": result}
    values = {}
    for model, response in answers.items():
        try:
            values[model] = parse_structured(response.output_text, request.schema)
        except ValueError as exc:
            label = f"{model}'s answer" if model else "the answer"
            raise UsageError(f"{label} is not valid JSON for --schema: {exc}") from None
    user_ns[request.out] = values if request.models else values[""]


def _with_context(notebook: str, prompt: str | list[dict[str, Any]]) -> Any:
    """The prompt with the notebook's cells before it (a text, or a message with parts)."""
    if isinstance(prompt, str):
        return f"{notebook}\n\n{prompt}"
    [message] = prompt
    lead = {"type": "input_text", "text": f"{notebook}\n\n"}
    return [{**message, "content": [lead, *message["content"]]}]


def _within_budget(client: Any) -> None:
    """Refuse the cell in one line, before anything is drawn or sent, once the session's
    spend has reached its budget. A cassette's replay costs nothing: it always goes; so
    does an answer the cache holds, and the client itself refuses the rest."""
    if client.kept.active_player() is not None or client.cache is not None:
        return
    try:
        ledger.check()
    except BudgetExceededError as exc:
        raise UsageError(str(exc)) from None


def _check_branch(chat: Any, model: str, name: str) -> None:
    """One model after a comparison: fine if it is one of the compared (its branch goes on)."""
    branches = getattr(chat, "branches", None) or {}
    if branches and model not in branches:
        choices = ", ".join(branches)
        raise UsageError(
            f"conversation {name!r} has compared answers from {choices}: continue one with "
            f"-m MODEL, or choose with %responses pick MODEL (or --pick MODEL)"
        )
