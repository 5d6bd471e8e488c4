"""A real IPython shell with the magics loaded and reset, drawing as in a notebook."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .display_capture import shell_with_capture


def magic_shell(monkeypatch: Any, *, offline: bool = True) -> Any:
    """The shell (its publisher at `shell.publisher`): no key anywhere, no conversations,
    the scripted assistant as the default model; offline means the local emulator."""
    if offline:
        monkeypatch.setenv("OR_JUPYTER_OFFLINE", "1")
    else:
        monkeypatch.delenv("OR_JUPYTER_OFFLINE", raising=False)
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    shell, publisher = shell_with_capture()
    shell.run_line_magic("load_ext", "or_jupyter")
    magics = shell.magics_manager.registry["Responses"]
    magics.chats.clear()
    magics.offered.clear()
    magics.offline, magics.frontend, magics.model = offline, "notebook", "emulator/assistant"
    magics.provider = magics.truncation = magics.history_limit = None
    magics.session.set_client(None)
    publisher.reset()
    shell.publisher = publisher
    return shell


@contextmanager
def scripted_shell(monkeypatch: Any, base_url: str, key: str) -> Iterator[Any]:
    """A `magic_shell` whose magics talk to `base_url` (a scripted server) with `key`."""
    import or_jupyter as orj

    shell = magic_shell(monkeypatch, offline=False)
    magics = shell.magics_manager.registry["Responses"]
    magics.session.set_client(orj.Client(api_key=key, base_url=base_url, max_retries=0))
    yield shell
    magics.session.set_client(None)
    shell.publisher.reset()
