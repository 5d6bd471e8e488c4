"""`%responses config`, `models`, `key` and `offline`: the settings of the magics."""

from __future__ import annotations

import getpass
import os

from IPython.core.error import UsageError
from traitlets import TraitError

from ...chat.context_size import history_limit_value
from ...client import ledger
from ...client.offline_mode import offline as use_offline
from ...protocol import APIError
from ...render import error_box
from ..options import EFFORTS, SUMMARIES, TRUNCATIONS, choice, pairs
from ..request import provider, server_tools_of
from ..session import KEY_ENV, Session
from ..tables import MODEL_HEADER, model_rows, show, show_table
from .spending import set_budget

__all__ = ["SETTINGS", "config", "key", "models", "offline"]

SETTINGS = (
    "model",
    "reasoning",
    "summary",
    "max_output_tokens",
    "temperature",
    "instructions",
    "max_turns",
    "tool_timeout",
    "provider",
    "truncation",
    "history_limit",
    "server_tools",
    "budget",
    "agent",
)
_CONVERTERS = {"max_output_tokens": int, "temperature": float, "max_turns": int}
_FLOATS = {"tool_timeout": float}


def _checked_server_tools(text: str) -> str:
    """The `server_tools` setting, as given, once each entry reads (else a UsageError)."""
    server_tools_of(text, "server_tools")
    return text


_CHECKED = {
    "truncation": choice("truncation", TRUNCATIONS),
    "history_limit": history_limit_value,
    "server_tools": _checked_server_tools,
    "agent": choice("agent", ("ask", "auto")),
}


def config(session: Session, rest: str) -> None:
    """`%responses config [key=value ...]`: change settings, then show them all."""
    settings = session.settings
    for name, value in pairs(rest):
        if name not in SETTINGS:
            raise UsageError(f"unknown setting {name!r}; settings: {', '.join(SETTINGS)}")
        if name == "budget":  # the process's, not the magics': every client obeys it
            set_budget(value)
            continue
        if value and name == "reasoning":
            choice("reasoning", EFFORTS)(value)
        if value and name == "summary":
            choice("summary", SUMMARIES)(value)
        if value and name == "provider":
            provider(value, "provider")
        convert = _CONVERTERS.get(name) or _FLOATS.get(name) or _CHECKED.get(name) or str
        try:
            setattr(settings, name, None if value in ("", "None") else convert(value))
        except (ValueError, TypeError, TraitError) as exc:
            raise UsageError(f"{name}: {exc}") from None
    shown = {name: getattr(settings, name) for name in SETTINGS if name != "budget"}
    shown["budget"] = ledger.spend_line()
    shown["offline"] = session.client.offline
    shown["api key"] = "set" if session.api_key or os.environ.get(KEY_ENV) else "missing"
    show_table(["setting", "value"], [[k, "" if v is None else str(v)] for k, v in shown.items()])


def models(session: Session, rest: str) -> None:
    """`%responses models [FILTER]`: the model catalogue as a table."""
    try:
        found = session.client.models()
    except APIError as exc:
        show(error_box("Could not list models", str(exc), exc.hint), str(exc))
        return
    show_table(MODEL_HEADER, model_rows(found, rest))


def key(session: Session, rest: str) -> None:
    """`%responses key`: ask for the API key, kept in this kernel's memory only."""
    entered = getpass.getpass("OpenRouter API key (input hidden): ").strip()
    if not entered:
        raise UsageError("no key entered; nothing changed")
    session.api_key = entered  # not os.environ: `!env` and child processes would see it
    session.set_client(None)
    print("API key set for this kernel session (in memory only, not saved anywhere).")


def offline(session: Session, rest: str) -> None:
    """`%responses offline on|off`: the local emulator instead of OpenRouter."""
    if rest not in ("on", "off"):
        raise UsageError("usage: %responses offline on|off")
    session.settings.offline = rest == "on"
    use_offline(session.settings.offline)  # clients made in Python code follow the switch too
    session.set_client(None)
    print(
        "offline mode on: answers come from the local emulator, scripted, not a model"
        if session.settings.offline
        else "offline mode off: requests go to OpenRouter"
    )
