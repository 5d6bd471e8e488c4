"""orj.map and `%%responses --over` in a real kernel: the summary stays in the saved notebook."""

from __future__ import annotations

import pytest
from helpers.lazy import lazy_module

nbformat = lazy_module("nbformat")
nbclient = lazy_module("nbclient")

WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.mark.kernel
def test_the_saved_notebook_keeps_one_summary_line_per_run_and_no_stop_button(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import os; os.environ['OR_JUPYTER_OFFLINE'] = '1'\n"
            "import pandas as pd, or_jupyter as orj\n%load_ext or_jupyter\n"
            "df = pd.DataFrame({'q': ['1+1', '2+2', '3+3']})"
        ),
        nbformat.v4.new_code_cell("out = orj.map(df, 'What is {q}?')\nout.loc[2, 'output']"),
        nbformat.v4.new_code_cell("%%responses --over df --out res\n{q}"),
        nbformat.v4.new_code_cell("res['output'].tolist()"),
    ]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    path = tmp_path / "saved.ipynb"
    nbformat.write(nb, path)
    saved = nbformat.read(path, as_version=4)
    for cell in (saved.cells[1], saved.cells[2]):
        shown = [o for o in cell.outputs if o.output_type == "display_data"]
        texts = [o["data"].get("text/plain") for o in shown if WIDGET not in o["data"]]
        texts = [t for t in texts if t]  # the Stop button's output is left empty
        assert len(texts) == 1 and texts[0].startswith("orj.map: 3/3 done"), cell.outputs
        assert not any(WIDGET in o["data"] for o in shown)  # the Stop button is gone
    assert "**6**" in saved.cells[1].outputs[-1]["data"]["text/plain"]
    assert "**4**" in saved.cells[3].outputs[0]["data"]["text/plain"]
