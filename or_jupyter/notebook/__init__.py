"""The notebook surface: the only package that knows IPython and ipywidgets.

`%load_ext or_jupyter` registers the `%%responses` / `%responses` magics (`magics.py`,
light: the cell runs in `cell.py`, the subcommands in `commands/`, both on a `Session`);
`ChatForm` is the widget form (`chatform.py`). Both draw the views of `render/` as
`drawing.py` lays them out, on the surfaces in `surfaces.py`, through the runner in
`runner.py`, which runs the send on a worker thread so the cell's thread can draw and
hear Stop, Approve and Deny. Names load on first use, as in the package root.
"""

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

# Bound now: the function, not the submodule of the same name that a later import would bind.
from .interpolate import interpolate

__all__ = [
    "Approvals",
    "ChatForm",
    "DisplaySurface",
    "Responses",
    "WidgetSurface",
    "arun_send",
    "awaiting_cells",
    "interpolate",
    "load_ipython_extension",
    "run_send",
]

_EXPORTS = {
    "Approvals": ".approval",
    "ChatForm": ".chatform",
    "Responses": ".magics",
    "load_ipython_extension": ".magics",
    "arun_send": ".runner",
    "run_send": ".runner",
    "DisplaySurface": ".surfaces",
    "WidgetSurface": ".surfaces",
    "awaiting_cells": ".transformer",
}

if TYPE_CHECKING:  # what editors and type checkers see
    from .approval import Approvals
    from .chatform import ChatForm
    from .magics import Responses, load_ipython_extension
    from .runner import arun_send, run_send
    from .surfaces import DisplaySurface, WidgetSurface
    from .transformer import awaiting_cells


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
