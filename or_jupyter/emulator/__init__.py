"""A local OpenRouter-compatible server for offline mode, tests and demos.

Start one in-process with ``start()`` (or share one per process with
``shared()``), or from a shell with ``python -m or_jupyter.emulator``. Its answers
are scripted, not a model's; see README.md in this folder for what each
``emulator/*`` model does.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path

from .catalogue import EMULATOR_MODELS
from .server import MAX_BODY, EmulatorServer, pace

__all__ = ["EMULATOR_MODELS", "EmulatorHandle", "shared", "start"]

TPS_ENV = "OR_JUPYTER_EMULATOR_TPS"


class EmulatorHandle:
    """A running emulator: its ``base_url`` (ending in ``/api/v1``), ``stop()``, ``replay()``."""

    def __init__(self, server: EmulatorServer):
        self.server = server
        host, port = server.server_address[:2]
        self.host, self.port = str(host), int(port)
        self.base_url = f"http://{self.host}:{self.port}/api/v1"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"or-jupyter-emulator:{self.port}",
            daemon=True,
        )
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self.server.stopping.is_set()

    def replay(self, *paths: str | Path) -> None:
        """Queue recorded bodies (``.sse`` or ``.json``) to serve, one per request, in order."""
        self.server.add_replay(paths)

    def stop(self) -> None:
        """Stop serving and release the port; streams in flight end at their next token."""
        if self.server.stopping.is_set():
            return
        self.server.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> EmulatorHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<emulator {self.base_url} {'running' if self.running else 'stopped'}>"


def start(
    host: str = "127.0.0.1",
    port: int = 0,
    tps: float | None = None,
    replay: Iterable[str | Path] | None = None,
    max_body: int = MAX_BODY,
    log: bool = False,
    fast: bool = False,
) -> EmulatorHandle:
    """Start an emulator on a background thread and return its handle.

    ``port=0`` picks a free port. ``tps`` paces streamed tokens per second;
    None or 0 streams as fast as the socket allows (the default, for tests).
    ``replay`` queues recorded bodies served byte for byte before scripted answers; a
    cassette among them answers every request it holds (at its recorded pace unless
    ``fast``), and a request it does not hold gets a 404 naming the closest one.
    """
    server = EmulatorServer(
        (host, port), tps=tps or 0, replay=replay or (), max_body=max_body, log=log, fast=fast
    )
    return EmulatorHandle(server)


_shared: EmulatorHandle | None = None
_shared_lock = threading.Lock()


def shared() -> EmulatorHandle:
    """The process-wide emulator for offline mode, started on first use (thread-safe).

    It streams unpaced unless ``OR_JUPYTER_EMULATOR_TPS`` sets tokens per second.
    """
    global _shared
    with _shared_lock:
        if _shared is None or not _shared.running:
            _shared = start(tps=_env_tps())
        return _shared


def _env_tps() -> float:
    """``OR_JUPYTER_EMULATOR_TPS``, or 0 (unpaced) when it is unset or not a pace."""
    try:
        return pace(os.environ.get(TPS_ENV) or 0, TPS_ENV)
    except ValueError:
        return 0.0
