"""Offline mode: one switch for every client made from now on, and the magics.

The switch is the `OR_JUPYTER_OFFLINE` environment variable; this module is the
only one that reads it or knows where the emulator lives.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["OFFLINE_ENV", "emulator_endpoint", "offline", "offline_requested"]

OFFLINE_ENV = "OR_JUPYTER_OFFLINE"
OFFLINE_KEY = "offline"  # the emulator accepts any key; this one is no secret


def offline_requested() -> bool:
    """True when `OR_JUPYTER_OFFLINE` asks for the emulator (set by `orj.offline()` too)."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def emulator_endpoint() -> tuple[str, str]:
    """The in-process emulator's (base_url, key), starting it on first use."""
    from ..emulator import shared

    return shared().base_url, OFFLINE_KEY


def offline(on: bool = True) -> Any:
    """Route clients created from now on to the in-process emulator (or back to OpenRouter).

    Sets `OR_JUPYTER_OFFLINE`, which `Client()` and the `%%responses` magic read.
    Returns the emulator's handle (`.base_url`, `.stop()`) when turning it on.
    """
    if not on:
        os.environ.pop(OFFLINE_ENV, None)
        return None
    from ..emulator import shared

    os.environ[OFFLINE_ENV] = "1"
    return shared()
