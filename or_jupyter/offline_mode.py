"""Offline mode: one switch for every client made from now on, and the magics."""

from __future__ import annotations

import os
from typing import Any

__all__ = ["offline"]


def offline(on: bool = True) -> Any:
    """Route clients created from now on to the in-process emulator (or back to OpenRouter).

    Sets `OR_JUPYTER_OFFLINE`, which `Client()` and the `%%responses` magic read.
    Returns the emulator's handle (`.base_url`, `.stop()`) when turning it on.
    """
    if not on:
        os.environ.pop("OR_JUPYTER_OFFLINE", None)
        return None
    from .emulator import shared

    os.environ["OR_JUPYTER_OFFLINE"] = "1"
    return shared()
