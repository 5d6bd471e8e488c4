"""The notebook surface: the only package that knows IPython and ipywidgets.

`%load_ext or_jupyter` registers the `%%responses` / `%responses` magics (`magics.py`);
`ChatForm` is the widget form (`chatform.py`). Both draw the views of `render/` on the
surfaces in `surfaces.py`, through the runner in `runner.py`, which runs the send on a
worker thread so the cell's thread can draw and hear Stop, Approve and Deny.
"""

from .approval import Approvals
from .chatform import ChatForm
from .interpolate import interpolate
from .magics import Responses, load_ipython_extension
from .runner import arun_send, run_send
from .surfaces import DisplaySurface, WidgetSurface
from .transformer import awaiting_cells

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
