"""The subcommands of the line magic `%responses`, by theme: `settings` (config, models,
key, offline), `history` (history, reset, tools, pick, restore), `help` (fix, explain)
`kept` (cache, record, replay) and `spending` (usage, credits, generation). Each takes the `Session` and the rest of the line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError

from ..session import Session
from . import help as failed
from . import history, kept, mcp, settings, spending

__all__ = ["COMMANDS", "LINE_USAGE", "run_line"]

LINE_USAGE = (
    "usage: %responses config [key=value ...] | models [FILTER] | history [CHAT] "
    "| reset [CHAT] | tools [drop NAME[,NAME] | clear] [CHAT] | pick MODEL [CHAT] | key "
    "| offline on|off | restore [NOTEBOOK] | fix [MODEL] | explain [MODEL] "
    "| cache on [PATH]|off|clear|stats | record FILE|off | replay FILE [--fast]|off "
    "| mcp add|list|tools|remove | usage [reset] | credits | generation ID"
)
COMMANDS: dict[str, Callable[[Session, str], Any]] = {
    "config": settings.config,
    "models": settings.models,
    "history": history.history,
    "reset": history.reset,
    "tools": history.tools,
    "pick": history.pick,
    "key": settings.key,
    "offline": settings.offline,
    "restore": history.restore,
    "fix": failed.fix,
    "explain": failed.explain,
    "cache": kept.cache,
    "record": kept.record,
    "replay": kept.replay,
    "mcp": mcp.mcp,
    "usage": spending.usage,
    "credits": spending.credits,
    "generation": spending.generation,
}


def run_line(session: Session, line: str) -> Any:
    """Run `%responses COMMAND REST` (a `UsageError` listing the commands otherwise)."""
    command, _, rest = line.strip().partition(" ")
    if command not in COMMANDS:
        raise UsageError(LINE_USAGE)
    return COMMANDS[command](session, rest.strip())
