"""`%%responses` and `%responses`: OpenRouter's Responses API from notebook cells.

Load with `%load_ext or_jupyter`. The cell magic sends the cell as a prompt and draws the
answer live (`cell.py`); the line magic manages settings and conversations (`commands/`).
Options that are wrong give one line of help (a `UsageError`), never a traceback.

This module holds only what registering needs: the settings (`%config Responses.x`), the
option declarations (`arguments.py`) and the `Session` the helpers receive; the client,
the views and the widgets load when the first cell or subcommand runs.

Tools: `--tools a,b` offers notebook functions to the model. The names are remembered
for the conversation, and at every cell they are looked up in the notebook again, so
the model sees and runs the current definition; `%responses tools` lists them and
`%responses tools drop NAME` withdraws one.
"""

from __future__ import annotations

from typing import Any

from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from traitlets import Bool, Float, Int, Unicode, Union

from .arguments import cell_options
from .options import DEFAULT_MODEL
from .session import Offered, Session
from .transformer import awaiting_cells

__all__ = ["Responses", "load_ipython_extension"]


@magics_class
class Responses(Magics):
    """OpenRouter Responses in notebooks. Defaults are settable with `%config Responses.x = ...`."""

    model = Unicode(DEFAULT_MODEL, help="Default model id.").tag(config=True)
    reasoning = Unicode(None, allow_none=True, help="Default reasoning effort.").tag(config=True)
    summary = Unicode(None, allow_none=True, help="Default reasoning summary.").tag(config=True)
    max_output_tokens = Int(None, allow_none=True, help="Default output token limit.").tag(
        config=True
    )
    temperature = Float(None, allow_none=True, help="Default temperature.").tag(config=True)
    instructions = Unicode(None, allow_none=True, help="Default system instructions.").tag(
        config=True
    )
    provider = Unicode(
        None, allow_none=True, help="Default provider routing, as --provider takes it."
    ).tag(config=True)
    offline = Bool(False, help="Use the local emulator instead of OpenRouter.").tag(config=True)
    truncation = Unicode(
        None,
        allow_none=True,
        help="The request's `truncation`: auto (the server drops the oldest items when the "
        "input exceeds the context) or disabled (it refuses the request).",
    ).tag(config=True)
    history_limit = Union(
        [Int(), Unicode()],
        default_value=None,
        allow_none=True,
        help="Drop the oldest whole turns of a conversation before sending past this many "
        "tokens; 'auto': 80% of the model's context. None keeps everything (and warns).",
    ).tag(config=True)
    server_tools = Unicode(
        None,
        allow_none=True,
        help="OpenRouter server tools every cell offers, TYPE[:JSON] separated by commas.",
    ).tag(config=True)
    max_turns = Int(8, help="Most model turns one cell may take in its tool loop.").tag(config=True)
    tool_timeout = Float(
        300.0, allow_none=True, help="Seconds a tool call may run (tools without a timeout)."
    ).tag(config=True)
    timeout = Float(120.0, help="Seconds to wait for the server before giving up.").tag(config=True)
    agent = Unicode(
        None, allow_none=True, help="What a bare --agent means: ask (the default) or auto."
    ).tag(config=True)
    frontend = Unicode(
        "auto",
        help="How answers are drawn: auto (notebook in a kernel, else terminal), notebook, terminal.",
    ).tag(config=True)

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell, **kwargs)
        self.session = Session(shell, self)

    @property
    def chats(self) -> dict[str, Any]:
        """The conversations of the magics, by name (`-c NAME`)."""
        return self.session.chats

    @property
    def offered(self) -> dict[str, Offered]:
        """The tools each conversation offers, by conversation name."""
        return self.session.offered

    @property
    def client(self) -> Any:
        """The client the magics use; offline when `offline` is on or `orj.offline()` was called."""
        return self.session.client

    @cell_magic("responses")
    @cell_options
    def responses_cell(self, line: str, cell: str) -> Any:
        """Send the cell to a model; the answer streams in below. See `%responses?` for settings."""
        from .cell import run_blocking

        return run_blocking(self.session, line, cell)

    async def responses_async(self, line: str, cell: str) -> Any:
        """The cell magic as a kernel runs it: awaiting, so Stop and Approve/Deny are heard."""
        from .cell import run

        return await run(self.session, line, cell)

    @line_magic("responses")
    def responses_line(self, line: str) -> Any:
        """%responses config [key=value ...] | models [FILTER] | history [CHAT] | reset [CHAT]
        | tools [drop NAME[,NAME] | clear] [CHAT] | pick MODEL [CHAT] | key | offline on|off
        | restore [NOTEBOOK] | fix [MODEL] | explain [MODEL]
        | cache on [PATH]|off|clear|stats | record FILE|off | replay FILE [--fast]|off
        | mcp add NAME -- COMMAND ... | mcp add NAME --url URL | mcp list|tools NAME|remove NAME
        | usage [reset] | credits | generation ID"""
        from .commands import run_line

        return run_line(self.session, line)

    async def help_async(self, command: str, rest: str) -> None:
        """`fix` / `explain` as a kernel runs them: awaiting, so Stop is heard."""
        from .commands.help import ask

        await ask(self.session, command, rest)


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext or_jupyter`: register the magics (and their `%config` settings)."""
    magics = Responses(ipython)
    ipython.register_magics(magics)
    if magics not in ipython.configurables:
        ipython.configurables.append(magics)
    kernel = getattr(ipython, "kernel", None)
    # ipykernel 7 hears widget messages while an async cell awaits; ipykernel 6 does not
    # (it has do_one_iteration, which jupyter-ui-poll drives from the synchronous magic).
    modern = kernel is not None and not hasattr(kernel, "do_one_iteration")
    if modern and awaiting_cells not in ipython.input_transformers_cleanup:
        ipython.input_transformers_cleanup.append(awaiting_cells)
    events = getattr(ipython, "events", None)
    if events is not None and _label_cell not in events.callbacks["pre_run_cell"]:
        events.register("pre_run_cell", _label_cell)


def _label_cell(info: Any = None) -> None:
    """Before each cell: the session ledger records what the cell spends under its number."""
    from IPython import get_ipython

    from .. import running  # light: the ledger (and httpx) load with the first request

    shell = get_ipython()
    number = getattr(shell, "execution_count", None)
    if number is not None and getattr(info, "store_history", False) and _COUNTS_FIRST:
        number -= 1  # IPython 9 counts the cell before `pre_run_cell`, IPython 8 after it
    running.cell = number


def _counts_first() -> bool:
    import IPython

    return IPython.version_info[0] >= 9


_COUNTS_FIRST = _counts_first()
