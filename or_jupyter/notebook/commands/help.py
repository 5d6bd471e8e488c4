"""`%responses fix [MODEL]` and `explain [MODEL]`: the last failing cell and its traceback,
to the model (in the conversation 'fix', afresh); `fix` puts the corrected cell below."""

from __future__ import annotations

from IPython.core.error import UsageError

from ..cell import run, run_to_end
from ..context import help_prompt, last_python_block
from ..session import Session

__all__ = ["ask", "explain", "fix"]


def fix(session: Session, rest: str) -> None:
    """`%responses fix [MODEL]`, blocking."""
    run_to_end(ask(session, "fix", rest, blocking=True))


def explain(session: Session, rest: str) -> None:
    """`%responses explain [MODEL]`, blocking."""
    run_to_end(ask(session, "explain", rest, blocking=True))


async def ask(session: Session, command: str, rest: str, *, blocking: bool = False) -> None:
    """`fix` or `explain`: awaiting as a kernel runs it (so Stop is heard), or `blocking`."""
    failure = session.failures.last if session.failures is not None else None
    if failure is None:
        raise UsageError("no cell has failed in this session: nothing to fix or explain")
    if len(rest.split()) > 1:
        raise UsageError(f"usage: %responses {command} [MODEL]")
    prompt = help_prompt(failure, fix=command == "fix", keys=session.keys())
    line = f"--chat fix --new{f' -m {rest}' if rest else ''}"
    await run(session, line, prompt, blocking=blocking)
    if command == "fix":
        _insert_fix(session)


def _insert_fix(session: Session) -> None:
    responses = session.chats["fix"].responses
    if not responses or responses[-1].status != "completed":
        return  # failed or stopped (the view said so)
    code = last_python_block(responses[-1].output_text)
    if code:
        session.shell.set_next_input(code, replace=False)
        print("The corrected cell is in a new cell below (check it before running it).")
    else:
        print("The answer has no ```python block to put in a cell.")
