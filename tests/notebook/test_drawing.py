"""The layout the magic and `ChatForm` share (`drawing.py`): a comparison's columns split
one cell's allowance of free redraws, whoever draws them."""

from __future__ import annotations

from or_jupyter.notebook.canvas import Canvas
from or_jupyter.notebook.drawing import columns_view
from or_jupyter.render.live import CREDIT_ALLOWANCE


def test_compared_columns_share_one_cells_redraw_allowance(ip):
    for live in (True, False):  # the magic's live columns, the form's
        view, columns = columns_view(Canvas(), ["a/one", "b/two", "c/three"], live=live)
        allowances = [column.allowance for column in view.views.values()]
        assert allowances == [CREDIT_ALLOWANCE // 3] * 3
        assert list(columns) == ["a/one", "b/two", "c/three"]
