"""`%responses mcp add|list|tools|remove`: MCP servers kept running in the kernel.

    %responses mcp add time -- python -m mcp_server_time
    %responses mcp add docs --url http://127.0.0.1:8000/mcp --header Authorization='Bearer x'
    %responses mcp list | tools NAME | remove NAME

A cell offers a server's tools with `-t mcp:NAME` (all) or `-t mcp:NAME/TOOL` (one).
`--approve ask` (the default) makes each call wait for Approve / Deny; `auto` runs them.
Servers stop on `remove` and when the kernel shuts down.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from ..session import Session
from ..tables import show_table

if TYPE_CHECKING:
    from ...tools.mcp_servers import ServerHub

__all__ = ["MCP_USAGE", "mcp"]

MCP_USAGE = (
    "usage: %responses mcp add NAME [--approve ask|auto] -- COMMAND [ARG ...] "
    "| mcp add NAME --url URL [--header K=V ...] [--approve ask|auto] "
    "| mcp list | mcp tools NAME | mcp remove NAME"
)


def mcp(session: Session, rest: str) -> None:
    """`%responses mcp ...`: add, list, show the tools of, or remove MCP servers."""
    try:
        words = shlex.split(rest)
    except ValueError as exc:
        raise UsageError(f"cannot read {rest!r}: {exc}") from None
    if not words or words[0] not in ("add", "list", "tools", "remove"):
        raise UsageError(MCP_USAGE)
    action, words = words[0], words[1:]
    from ...tools.mcp_servers import DEFAULT_HUB, McpServerError

    try:
        if action == "add":
            _add(words)
        elif action == "list":
            _list(DEFAULT_HUB)
        elif len(words) != 1:
            raise UsageError(MCP_USAGE)
        elif action == "tools":
            _tools(DEFAULT_HUB, words[0])
        elif not DEFAULT_HUB.remove(words[0]):
            raise UsageError(f"no MCP server named {words[0]!r}")
        else:
            print(f"MCP server {words[0]!r} stopped")
    except McpServerError as exc:
        raise UsageError(str(exc)) from None


def _add(words: list[str]) -> None:
    from ...tools.mcp_servers import DEFAULT_HUB, ServerSpec

    if "--" in words:
        at = words.index("--")
        words, command = words[:at], words[at + 1 :]
        if not command:
            raise UsageError("mcp add: give the server's command after --")
    else:
        command = []
    if not words or words[0].startswith("-"):
        raise UsageError(MCP_USAGE)
    name, options = words[0], _options(words[1:])
    url = options.pop("url", None)
    if bool(command) == bool(url):
        raise UsageError("mcp add: give a command after -- or --url URL (one of them)")
    spec = ServerSpec(
        name,
        command=command[0] if command else None,
        args=tuple(command[1:]),
        url=url,
        headers=options.get("headers", {}),
        approve=options.get("approve", "ask"),
    )
    server = DEFAULT_HUB.add(spec)
    names = ", ".join(str(t.name) for t in server.tools) or "none"
    asks = "each call asks for approval" if spec.approve == "ask" else "calls run without asking"
    print(
        f"MCP server {name!r} started ({spec.where}): {len(server.tools)} tools: {names}. "
        f"Offer them with -t mcp:{name}; {asks}."
    )


def _options(words: list[str]) -> dict[str, Any]:
    """`--url URL`, `--header K=V` (repeatable), `--approve ask|auto`."""
    options: dict[str, Any] = {"headers": {}}
    while words:
        option = words.pop(0)
        if option not in ("--url", "--header", "--approve") or not words:
            raise UsageError(f"mcp add: unexpected {option!r}; {MCP_USAGE}")
        value = words.pop(0)
        if option == "--header":
            key, sep, text = value.partition("=")
            if not sep or not key:
                raise UsageError(f"mcp add: --header takes KEY=VALUE, got {value!r}")
            options["headers"][key] = text
        elif option == "--approve":
            if value not in ("ask", "auto"):
                raise UsageError(f"mcp add: --approve must be ask or auto (got {value!r})")
            options["approve"] = value
        else:
            options["url"] = value
    return options


def _list(hub: ServerHub) -> None:
    servers = hub.servers
    if not servers:
        print("no MCP servers; add one with %responses mcp add NAME -- COMMAND ...")
        return
    rows = [
        [
            name,
            s.spec.where,
            s.spec.approve,
            "running" if s.running else "stopped",
            ", ".join(str(t.name) for t in s.tools),
        ]
        for name, s in servers.items()
    ]
    show_table(["server", "command or URL", "approve", "state", "tools"], rows)


def _tools(hub: ServerHub, name: str) -> None:
    from ...tools.mcp_tools import server_tools

    tools = server_tools(hub, hub.get(name))
    rows = [[t.name, t.remote_name, t.description] for t in tools]
    show_table(["offered as", "tool", "description"], rows)
