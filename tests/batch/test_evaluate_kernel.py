"""orj.evaluate in a real kernel: the leaderboard and its charts are images in the saved notebook."""

from __future__ import annotations

import base64

import pytest
from helpers.lazy import lazy_module

nbformat = lazy_module("nbformat")
nbclient = lazy_module("nbclient")

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.kernel
def test_the_board_and_its_charts_stay_in_the_saved_notebook_and_in_nbconvert(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import os; os.environ['OR_JUPYTER_OFFLINE'] = '1'\n"
            "import pandas as pd, or_jupyter as orj\n"
            "df = pd.DataFrame({'text': ['Great, works.', 'Broken.', 'Blue.', 'Love it.'],\n"
            "                   'label': ['positive', 'negative', 'neutral', 'positive']})"
        ),
        nbformat.v4.new_code_cell(
            "board = orj.evaluate(df, 'Sentiment: {text}', expected='label',\n"
            "    models=['emulator/grader-60pct', 'emulator/grader-90pct'])\nboard"
        ),
        nbformat.v4.new_code_cell("board.plot()"),
    ]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    path = tmp_path / "saved.ipynb"
    nbformat.write(nb, path)
    saved = nbformat.read(path, as_version=4)
    progress, board, chart = saved.cells[1].outputs[:-1], saved.cells[1].outputs[-1], saved.cells[2]
    assert any(
        o.get("data", {}).get("text/plain", "").startswith("orj.evaluate: 8/8 done")
        for o in progress
    )  # the summary line stays
    page = board["data"]["text/html"]
    assert '<div class="orj-board">' in page and "emulator/grader-90pct" in page
    embedded = page.split("data:image/png;base64,")[1].split('"')[0]
    assert base64.b64decode(embedded).startswith(PNG)
    (image,) = [o for o in chart.outputs if "image/png" in o.get("data", {})]
    assert base64.b64decode(image["data"]["image/png"]).startswith(PNG)

    from nbconvert import HTMLExporter

    html, _ = HTMLExporter().from_notebook_node(saved)
    assert html.count("data:image/png;base64,") >= 2  # the board's chart and board.plot()'s
