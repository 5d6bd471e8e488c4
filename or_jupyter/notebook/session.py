"""`Session`: what the magics of one kernel hold between cells, typed, for the helpers.

The `Responses` magics (`magics.py`) own the settings (`%config Responses.x`) and one
session; the cell (`cell.py`) and every subcommand (`commands/`) receive the session.
Light on purpose: `%load_ext` makes it, so the client and conversations load lazily.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from .failures import FailureLog
from .stylesheet import Stylesheet

if TYPE_CHECKING:
    from ..chat.conversation import Conversation
    from ..client.clients import Client
    from ..kept.cache import Cache
    from ..tools import Tool
    from .magics import Responses

__all__ = ["KEY_ENV", "SIZE_ADVICE", "Offered", "Session"]

KEY_ENV = "OPENROUTER_API_KEY"
SIZE_ADVICE = (
    "Start afresh with `%responses reset` (or `-n` on the cell), drop the oldest turns with "
    "`%responses config history_limit=auto`, or let the server truncate with "
    "`%responses config truncation=auto`."
)


@dataclass
class Offered:
    """The tools a conversation offers: names to look up at each cell, and withdrawn ones."""

    names: list[str] = field(default_factory=list)
    withdrawn: dict[str, Tool] = field(default_factory=dict)
    last: dict[str, Tool] = field(default_factory=dict)


@dataclass
class Session:
    """The shell, the settings, the conversations by name, the tools each offers, the
    client and its response cache, the key from `%responses key` and the failure log."""

    shell: Any
    settings: Responses
    chats: dict[str, Conversation] = field(default_factory=dict)
    offered: dict[str, Offered] = field(default_factory=dict)
    api_key: str | None = field(default=None, repr=False)  # in this kernel's memory only
    response_cache: Cache | None = None  # `%responses cache on`
    failures: FailureLog | None = None  # for `fix` and `explain`
    current_client: Client | None = None
    stylesheet: Stylesheet = field(default_factory=Stylesheet)  # the answers' <style>: once

    def __post_init__(self) -> None:
        if self.failures is None and self.shell is not None:
            self.failures = FailureLog(self.shell)

    @property
    def client(self) -> Client:
        """The client the magics use; offline when `offline` is on or `orj.offline()` was called."""
        from ..client.clients import Client
        from ..client.offline_mode import offline_requested

        wanted = self.settings.offline or offline_requested()
        if self.current_client is None or self.current_client.offline != wanted:
            try:
                client = Client(
                    api_key=self.api_key,
                    offline=wanted,
                    timeout=self.settings.timeout,
                    cache=self.response_cache,
                )
            except ValueError as exc:  # a key pasted with a space inside
                raise UsageError(
                    f"{exc}: enter it again with `%responses key`, or fix {KEY_ENV}"
                ) from None
            self.set_client(client)
        assert self.current_client is not None
        return self.current_client

    def set_client(self, client: Client | None) -> None:
        """Use `client` from now on (None: make one afresh at the next use)."""
        self.current_client = client
        for chat in self.chats.values():
            chat.client = client

    @property
    def in_kernel(self) -> bool:
        return getattr(self.shell, "kernel", None) is not None

    @property
    def draws_html(self) -> bool:
        """Whether answers are drawn as live HTML (a notebook) rather than text (a terminal)."""
        frontend = self.settings.frontend
        return frontend == "notebook" or (frontend == "auto" and self.in_kernel)

    def keys(self) -> list[str]:
        """The OpenRouter keys this kernel knows: redacted from whatever the model is sent."""
        client_key = getattr(self.current_client, "_secret", None)  # the key the client sends
        return [key for key in (self.api_key, os.environ.get(KEY_ENV), client_key) if key]

    def user_value(self, name: str, option: str) -> Any:
        """The notebook variable `name` that `option` names (a `UsageError` if there is none)."""
        from .request import lookup

        return lookup(self.shell.user_ns, name, option)

    def chat(self, name: str, *, new: bool, stream: bool) -> Conversation:
        """The conversation `name` (afresh with `new`), set up with the current settings."""
        from ..chat.context_size import history_limit_value
        from ..chat.conversation import Conversation

        settings = self.settings
        chat = self.chats.get(name)
        if chat is None or new:
            chat = self.chats[name] = Conversation(model=settings.model, client=self.client)
            if new:
                self.offered.pop(name, None)
        chat.client = self.client
        chat.stream = stream
        chat.max_turns = settings.max_turns
        chat.tool_timeout = settings.tool_timeout
        try:
            chat.history_limit = history_limit_value(settings.history_limit)
        except ValueError as exc:  # set with %config, which does not check it
            raise UsageError(str(exc)) from None
        chat.size_advice = SIZE_ADVICE
        return chat
