"""`%responses history`, `reset`, `tools`, `pick` and `restore`: the conversations."""

from __future__ import annotations

from IPython.core.error import UsageError

from ..request import names
from ..restore import restore as restore_notebook
from ..session import Offered, Session
from ..tables import describe_item, show_table

__all__ = ["history", "pick", "reset", "restore", "tools"]


def history(session: Session, rest: str) -> None:
    """`%responses history [CHAT]`: the items of a conversation as a table."""
    chat = session.chats.get(rest or "default")
    if chat is None or not chat.history:
        print(f"conversation {rest or 'default'!r} is empty")
        return
    rows = [[str(i), *describe_item(item)] for i, item in enumerate(chat.history)]
    show_table(["#", "item", "content"], rows)


def reset(session: Session, rest: str) -> None:
    """`%responses reset [CHAT]`: forget a conversation and its tools."""
    name = rest or "default"
    session.chats.pop(name, None)
    session.offered.pop(name, None)
    print(f"conversation {name!r} reset")


def tools(session: Session, rest: str) -> None:
    """`%responses tools [drop NAME[,NAME] | clear] [CHAT]`: list or withdraw tools."""
    words = rest.split()
    action = words.pop(0) if words and words[0] in ("drop", "clear") else "list"
    dropped = names(words.pop(0)) if action == "drop" and words else []
    if (action == "drop" and not dropped) or len(words) > 1:
        raise UsageError("usage: %responses tools [drop NAME[,NAME] | clear] [CHAT]")
    chat = words[0] if words else "default"
    offered = session.offered.setdefault(chat, Offered())
    if action != "list":
        for name in dropped if action == "drop" else list(offered.names):
            if name not in offered.names:
                raise UsageError(
                    f"tool {name!r} is not offered in conversation {chat!r}; offered: "
                    f"{', '.join(offered.names) or 'none'}"
                )
            offered.names.remove(name)
            if name in offered.last:
                offered.withdrawn[name] = offered.last.pop(name)
    rows = [[name, "offered"] for name in offered.names]
    rows += [[name, "withdrawn"] for name in offered.withdrawn]
    if not rows:
        print(f"conversation {chat!r} offers no tools")
        return
    show_table(["tool", f"conversation {chat!r}"], rows)


def pick(session: Session, rest: str) -> None:
    """`%responses pick MODEL [CHAT]`: continue a comparison with one model's answers."""
    words = rest.split()
    if len(words) not in (1, 2):
        raise UsageError("usage: %responses pick MODEL [CHAT]")
    name = words[1] if len(words) == 2 else "default"
    chat = session.chats.get(name)
    if chat is None or not chat.branches:
        raise UsageError(f"conversation {name!r} has no compared models to pick from")
    try:
        chat.pick(words[0])
    except ValueError as exc:
        raise UsageError(f"pick {words[0]}: {exc}") from None
    print(f"conversation {name!r} continues with {words[0]}'s answers")


def restore(session: Session, rest: str) -> None:
    """`%responses restore [NOTEBOOK]`: variables and conversations of a saved notebook."""
    restore_notebook(session, rest)
