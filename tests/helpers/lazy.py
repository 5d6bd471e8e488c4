"""Heavy libraries imported on first use, so that collecting a test module costs nothing.

`make test-fast` collects every module and runs none of their kernel tests; importing
nbformat there (jsonschema builds an IRI grammar: about 2 s in every pytest worker) was
a sixth of its time.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

__all__ = ["lazy_module"]


class _Deferred(ModuleType):
    """Stands for a module until one of its public names is used.

    Private names are never forwarded: pytest looks up `_mock_name` and `__wrapped__` on
    every name of a test module while it collects, which would load the module (and
    `importlib.util.LazyLoader`'s modules load on any attribute)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        value = getattr(importlib.import_module(self.__name__), name)
        setattr(self, name, value)
        return value


def lazy_module(name: str) -> ModuleType:
    """The module `name`, imported when one of its public attributes is first used."""
    return _Deferred(name)
