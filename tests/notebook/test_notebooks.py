"""The tutorial notebooks run offline from top to bottom, and show their answers.

Every notebook in notebooks/ is executed afresh with nbclient in a kernel whose
environment has OR_JUPYTER_OFFLINE=1 and no OPENROUTER_API_KEY. The same content checks
run on those fresh outputs and on the copies saved in the repository (which visitors on
GitHub and Binder see before running anything), so both must contain the answers as plain
outputs: the arithmetic, the tool cards with their results, the folded reasoning pane, the
footer. Neither may contain an error output, an error box or an API key.

A notebook with a cassette, `notebooks/cassettes/NAME.jsonl` (recorded once with a key, see
notebooks/README.md), is executed replaying it (`OR_JUPYTER_REPLAY`): its answers are the
recorded ones, so it is checked for clean, plain outputs, not for the emulator's answers.
"""

from __future__ import annotations

import copy
import html
import os
import re
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import REPO
from helpers.lazy import lazy_module

NOTEBOOK_DIR = REPO / "notebooks"
CASSETTE_DIR = NOTEBOOK_DIR / "cassettes"
SOURCE_DIR = NOTEBOOK_DIR / "src"
sys.path.insert(0, str(NOTEBOOK_DIR))
build = lazy_module("build")  # notebooks/build.py, which builds the notebooks from their sources
jupytext = lazy_module("jupytext")
nbformat = lazy_module("nbformat")

from or_jupyter.kept.cassette import RECORD_ENV, REPLAY_ENV  # noqa: E402

pytestmark = [pytest.mark.kernel, pytest.mark.slow]

NAMES = sorted(path.stem for path in SOURCE_DIR.glob("*.py"))  # build.NOTEBOOKS, unloaded
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
FOLDED_REASONING = '<details class="orj-pane orj-reasoning">'


# -- reading outputs ---------------------------------------------------------------------


def cell(nb: nbformat.NotebookNode, start: str) -> nbformat.NotebookNode:
    """The one code cell whose source starts with `start`."""
    found = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(start)]
    assert len(found) == 1, f"{len(found)} code cells start with {start!r}"
    return found[0]


def html_of(c: nbformat.NotebookNode) -> str:
    """The HTML outputs of a cell, without the stylesheet each %%responses cell publishes."""
    pages = "\n".join(o.get("data", {}).get("text/html", "") for o in c.outputs)
    return re.sub(r"<style>.*?</style>", "", pages, flags=re.S)


def text_of(c: nbformat.NotebookNode) -> str:
    """Streams, plain text and (unescaped) HTML of a cell's outputs, for substring checks."""
    parts = []
    for o in c.outputs:
        if o.output_type == "stream":
            parts.append(o.text)
        else:
            data = o.get("data", {})
            parts += [data.get("text/plain", ""), html.unescape(data.get("text/html", ""))]
    return "\n".join(parts)


def footer(c: nbformat.NotebookNode) -> str:
    found = re.findall(r'<div class="orj-footer">(.*?)</div>', html_of(c))
    assert len(found) == 1, f"expected one footer, got {found}"
    return html.unescape(found[0])


def answer_html(c: nbformat.NotebookNode) -> str:
    """The answer's HTML: the cell's drawing without the styles, panes, notices and footer."""
    page = re.sub(r"<style>.*?</style>", "", html_of(c), flags=re.S)
    while True:  # innermost panes first: tool cards hold a folded traceback
        page, found = re.subn(r"<details[^>]*>(?:(?!<details).)*?</details>", "", page, flags=re.S)
        if not found:
            break
    page = re.sub(r'<div class="orj-error">.*?</div></div>', "", page, flags=re.S)
    return re.sub(r'<div class="orj-(footer|notice|column-head)">.*?</div>', "", page, flags=re.S)


def tool_cards(c: nbformat.NotebookNode) -> list[str]:
    return re.findall(r'<details class="orj-pane orj-tool".*?</pre></details>', html_of(c), re.S)


# -- what each notebook must show ----------------------------------------------------------


def check_quickstart(nb: nbformat.NotebookNode) -> None:
    assert "offline mode on" in text_of(nb.cells[1])
    first = cell(nb, "%%responses\nWhat is 12*7?")
    assert "Offline mode" in text_of(first)
    assert "<strong>84</strong>" in answer_html(first)
    assert re.fullmatch(
        r"openai/gpt-5-mini(?: · via Emulator)? · [\d,]+ in / [\d,]+ out tokens · "
        r"(?:conversation [\d,]+ tokens · )?\$[\d.]+ · "  # saved before the size was shown
        r"first token [\d.]+ s · total [\d.]+ s",
        footer(first),
    ), footer(first)
    assert "<li>" in answer_html(cell(nb, "%%responses --max-output-tokens"))
    assert "<strong>8760</strong>" in answer_html(cell(nb, "%%responses\nHow many hours"))
    assert "<strong>25</strong>" in answer_html(cell(nb, "%%responses --out answer"))
    printed = text_of(cell(nb, "print(answer.output_text)"))
    assert re.search(r"= \*\*25\*\*\ncompleted \d+ in, \d+ out\ncost: \$0\.\d+", printed), printed
    settings = text_of(cell(nb, "%responses config"))
    assert "openai/gpt-5-mini" in settings and re.search(r"offline\s+True", settings)
    assert "openai/o4-mini" in text_of(cell(nb, "%responses models openai"))


def check_reasoning(nb: nbformat.NotebookNode) -> None:
    for start in ("%%responses --reasoning low", "%%responses --reasoning high"):
        c = cell(nb, start)
        assert FOLDED_REASONING in html_of(c) and 'orj-reasoning" open' not in html_of(c)
        assert re.search(
            r"<summary>Thought for [\d.]+ s · \d+ reasoning tokens</summary>", html_of(c)
        )
        assert "<strong>391</strong>" in answer_html(c)
        assert re.search(r"\d+ reasoning", footer(c))
    low, high = (
        int(re.search(r"(\d+) reasoning", footer(cell(nb, s))).group(1))
        for s in ("%%responses --reasoning low", "%%responses --reasoning high")
    )
    assert high > low, "higher effort should think longer"
    summary = cell(nb, "%%responses --reasoning medium --summary detailed")
    assert FOLDED_REASONING in html_of(summary)
    assert html_of(summary).count("<p><strong>") >= 3  # three summary parts, each titled
    assert "<strong>23</strong>" in answer_html(summary)
    plain = cell(nb, "%%responses --reasoning none")
    assert "orj-reasoning" not in html_of(plain) and "<strong>391</strong>" in answer_html(plain)
    printed = text_of(cell(nb, "print(thought.reasoning_text)"))
    assert "The user asks" in printed and re.search(r"reasoning tokens: \d+", printed)


def check_tools(nb: nbformat.NotebookNode) -> None:
    assert "'required': ['location']" in text_of(cell(nb, "get_weather.schema"))
    weather = cell(nb, "%%responses --tools get_weather\n")
    [card] = tool_cards(weather)
    assert "get_weather" in card and "orj-status-done" in card
    assert '"location":"Lisbon"' in text_of(weather)
    assert "2 turns" in footer(weather)
    parallel = cell(nb, "%%responses --tools population,local_time")
    cards = tool_cards(parallel)
    assert len(cards) == 2 and all("orj-status-done" in c for c in cards)
    assert "709000" in text_of(parallel) and "14:05" in text_of(parallel)
    total = float(re.search(r"total ([\d.]+) s", footer(parallel)).group(1))
    each = [float(re.search(r" · ([\d.]+) s", c).group(1)) for c in cards]
    # One after the other, the turn would last at least as long as both tools together.
    assert total < sum(each), f"tools of {each} s took {total} s in all: not in parallel"
    forced = cell(nb, "%%responses --tools get_weather --tool-choice get_weather")
    assert len(tool_cards(forced)) == 1 and '"location":"Paris"' in text_of(forced)
    assert "orj-tool" not in html_of(cell(nb, "%%responses --tools get_weather --tool-choice none"))
    failing = cell(nb, "%%responses --tools stock_price")
    [card] = tool_cards(failing)
    assert "orj-status-error" in card and "traceback" in card
    assert "LookupError: no quote for ACME: the market is closed" in html.unescape(card)
    assert "no quote for ACME" in answer_html(failing)  # the model got the error text


def check_conversations(nb: nbformat.NotebookNode) -> None:
    assert "<strong>750</strong>" in answer_html(cell(nb, "%%responses\nMy name is Ada"))
    history = text_of(_nth(nb, "%responses history", 0))
    assert "My name is Ada" in history and "What was my name" in history
    trip = cell(nb, "%%responses --chat trip --tools get_weather")
    assert len(tool_cards(trip)) == 1 and '"location":"Rome"' in text_of(trip)
    trip_history = text_of(_nth(nb, "%responses history trip", 0))
    assert "function_call_output" in trip_history and "Rome" in trip_history
    assert "Given that weather" in trip_history
    renewed = text_of(_nth(nb, "%responses history trip", 1))
    assert "What is 2+2?" in renewed and "Rome" not in renewed
    assert '"unit":"fahrenheit"' in text_of(cell(nb, "chat = orj.Conversation("))
    items = text_of(cell(nb, "for item in chat.history"))
    assert "function_call get_weather" in items and "function_call_output" in items
    assert "items=4" in text_of(cell(nb, 'chat.save("trip.json")'))
    forked = text_of(cell(nb, "branch = again.fork()"))
    assert "**81**" in forked and "4 items in the original, 6 in the branch" in forked


def check_widgets(nb: nbformat.NotebookNode) -> None:
    form = cell(nb, "form = orj.ChatForm(")
    [output] = [o for o in form.outputs if WIDGET_MIME in o.get("data", {})]
    assert "text/plain" in output.data
    assert any("application/javascript" in o.get("data", {}) for o in form.outputs)  # Shift+Enter
    driven = text_of(cell(nb, 'form.effort.value = "low"'))
    assert '"location":"Lisbon"' in driven and "get_weather" in driven
    assert "'effort': 'low'" in text_of(cell(nb, "form.overrides()"))
    history = text_of(cell(nb, "for item in form.conversation.history"))
    assert "function_call get_weather" in history and "message assistant" in history


def check_python_api(nb: nbformat.NotebookNode) -> None:
    assert "offline emulator" in text_of(nb.cells[1])
    first = text_of(cell(nb, "client = orj.Client()"))
    assert "offline" in first and "`6*7` = **42**" in first and "completed" in first
    assert "openai/gpt-5-mini" in text_of(cell(nb, 'ids = [m["id"] for m in client.models()]'))
    streamed = text_of(cell(nb, 'with client.stream(model=MODEL, input="What is 1234*5?"'))
    assert "`1234*5` = **6170**" in streamed and re.search(r"reasoning tokens: \d+", streamed)
    assert "'response.output_text.delta'" in text_of(cell(nb, "from collections import Counter"))
    by_hand = text_of(cell(nb, "first = client.create("))
    assert 'get_weather {"location": "Oslo"} -> {"location":"Oslo"' in by_hand
    assert '"location":"Oslo"' in text_of(cell(nb, "followup = ["))
    gathered = text_of(cell(nb, "import asyncio"))
    assert all(f"= **{n * n}**" in gathered for n in (3, 4, 5))
    assert re.search(
        r"\d+ deltas: `99\+1` = \*\*100\*\*",
        text_of(cell(nb, "async with orj.AsyncClient() as aclient, ")),
    )
    assert "InsufficientCreditsError 402" in text_of(
        cell(nb, "if OFFLINE:\n    try:\n        client")
    )
    assert "RateLimitError: retry after 1.0 s" in text_of(cell(nb, "if OFFLINE:\n    impatient"))
    flaky = text_of(cell(nb, "import time"))
    assert "`5+5` = **10**" in flaky and re.search(r"after [1-9]\.\d s, one retry", flaky)
    broken = text_of(cell(nb, "if OFFLINE:\n    try:\n        with client.stream"))
    assert "`8*8`\nResponseFailedError:" in broken and "kept so far: '`8*8`" in broken


def check_compare(nb: nbformat.NotebookNode) -> None:
    three = cell(nb, "%%responses -m openai/gpt-5-mini,anthropic/claude-sonnet-4.5,google")
    [drawing] = [o for o in three.outputs if o.get("data", {}).get("text/html")]
    page = drawing.data["text/html"]
    assert page.count('<div class="orj-column">') == 3 and "3 of 3 completed" in page
    assert page.index("Offline mode") < page.index('<div class="orj-columns"')
    assert answer_html(three).count("<strong>391</strong>") == 3
    listed = text_of(cell(nb, "for model, response in answers.items()"))
    assert listed.count("completed") == 3 and listed.index("openai") < listed.index("google")
    assert (
        html_of(cell(nb, "%%responses -m openai/gpt-5-mini,anthropic/claude-sonnet-4.5\n")).count(
            '<div class="orj-column">'
        )
        == 2
    )
    assert "continues with anthropic/claude-sonnet-4.5" in text_of(cell(nb, "%responses pick"))
    history = text_of(cell(nb, "%responses history"))
    assert "What is 17*23?" in history and "plus 9" in history
    routed = footer(cell(nb, "%%responses -m openai/gpt-5-mini --fallback"))
    assert routed.startswith("openai/gpt-5-mini · via Emulator")
    python = text_of(cell(nb, "comparison = orj.compare("))
    assert "google/gemini-2.5-flash completed `12*12` = **144**" in python
    failing = text_of(cell(nb, "OFFLINE = orj.Client().offline"))
    assert "emulator/error-402 failed" in failing
    assert "failed: {'emulator/error-402': 'InsufficientCreditsError'}" in failing


def check_batch(nb: nbformat.NotebookNode) -> None:
    frame = text_of(cell(nb, "import pandas as pd"))
    assert "orj.map: 6/6 done" in frame and frame.count(" done ") >= 6  # the joined table
    assert "Arrived early" in frame and frame.index("r0") < frame.index("r5")
    assert "{'done': 6}" in text_of(cell(nb, "from typing import Literal"))
    sums = text_of(cell(nb, "sums = orj.map("))
    assert "0 done `12*12` = **144**" in sums and "3 done `6*7` = **42**" in sums
    stored = text_of(cell(nb, "import os\n\nSTORE"))
    assert "first run cached: 0 of 6" in stored and "second run cached: 6 of 6 · cost 0.0" in stored
    assert "6 from store or cache" in stored
    assert "refused: the estimated cost of 6 requests" in text_of(cell(nb, "try:\n    orj.map("))
    limited = text_of(cell(nb, "OFFLINE = orj.Client().offline"))
    assert "['done', 'done', 'done', 'done']" in limited
    assert "['failed', 'failed'] InsufficientCreditsError" in limited
    assert "orj.map: 6/6 done" in text_of(cell(nb, "%%responses --over reviews"))
    assert cell(nb, "results[").outputs[0].data["text/plain"].count(" done ") == 3


def check_web_and_images(nb: nbformat.NotebookNode) -> None:
    web = html_of(cell(nb, "%%responses --web"))
    assert web.count('<span class="orj-cite"><a href="https://') == 3 and "orj-sources" in web
    assert "3 results" in text_of(cell(nb, "%%responses --web"))
    assert "Example Docs <https://docs.example.com/" in text_of(cell(nb, "for found in cited"))
    assert re.search(
        r"I see a \d+×\d+ PNG image", text_of(cell(nb, "%%responses --new\nWhat does"))
    )
    history = text_of(cell(nb, "%responses history"))
    assert "| region | q1 | q2 |" in history and "| 0 | north | 120 | 131 |" in history
    drawn = html_of(cell(nb, "%%responses -m google/gemini-2.5-flash-image"))
    assert '<img src="data:image/png;base64,' in drawn
    assert "image/png 1292 bytes (64, 48)" in text_of(cell(nb, "[image] = drawn.images"))


def check_reproducible(nb: nbformat.NotebookNode) -> None:
    first, second = [footer(c) for c in nb.cells if c.source == "%%responses --new\nWhat is 21*2?"]
    assert "cached" not in first and "cached · original cost $" in second
    assert "nothing spent" in second
    assert re.search(r"hits\s+1", text_of(cell(nb, "%responses cache stats")))
    assert "cached · original cost" in footer(cell(nb, "%%responses --new --out replayed"))
    replayed = text_of(cell(nb, "print(replayed"))
    assert replayed.startswith("True True\nReplayMissError ")
    assert 'input: recorded "What is 6*7?", asked "What is 6*8?"' in replayed
    quoted = text_of(cell(nb, "%%responses --new --context 2"))  # the emulator quotes the start
    assert "> Notebook context: the last 2 cells executed before this prompt." in quoted


def check_agent(nb: nbformat.NotebookNode) -> None:
    drawn = html_of(cell(nb, "%%responses --agent auto --out run"))
    assert drawn.count("orj-step-code") == 2 and '<img src="data:image/png;base64,' in drawn
    assert "inspect_variables" in drawn and "agent: code ran without asking" in drawn
    assert "North</strong> comes first with 405" in drawn and "In the figure of step 2" in drawn
    assert text_of(cell(nb, "for number, step in")) == "1 done ['display']\n2 done ['display']\n"
    assert "# Step 1\nsummary = sales.groupby('region')" in text_of(cell(nb, "print(run.code)"))
    redacted = html_of(cell(nb, "%%responses --agent auto\nRun this:"))
    assert "the password is [redacted]" in redacted and "hunter2" not in redacted
    assert text_of(cell(nb, "chat = orj.Conversation")).endswith("North\n")
    started = text_of(cell(nb, "import sys  # noqa"))
    assert (
        "MCP server 'time' started (python -m mcp_server_time" in started and "2 tools" in started
    )
    called = html_of(cell(nb, "%%responses -t mcp:time"))
    assert "time › get_current_time" in called and "Europe/Paris" in called
    dated = html_of(cell(nb, "%%responses --server-tool"))
    assert "openrouter:datetime" in dated and "23:30 on Thursday 12 March 2026" in dated
    assert "MCP server 'time' stopped" in text_of(cell(nb, "%responses mcp remove time"))


def check_evaluate(nb: nbformat.NotebookNode) -> None:
    board = cell(nb, 'STORE = "evaluate.sqlite"')
    shown = text_of(board)
    assert "orj.evaluate: 60/60 done" in shown
    assert "emulator/grader-90pct  0.900 [0.699, 0.972]  20  0" in shown  # 18 of 20, Wilson
    assert "exact McNemar p = " in shown and "intervals overlap" in shown
    assert '<img class="orj-board-chart"' in html_of(board)
    assert "exact" in text_of(cell(nb, "board.results.head(6)"))
    assert "expected" in text_of(cell(nb, "board.disagreements()"))
    assert any("image/png" in o.get("data", {}) for o in cell(nb, "board.plot()").outputs)
    judged = text_of(cell(nb, "judged = orj.evaluate("))
    assert "emulator/grader-90pct: judge 0.90, answers $0.0000, judge $0.0" in judged
    resumed = text_of(cell(nb, "more = MODELS"))
    assert "80/80 done · 60 from store or cache" in resumed
    assert re.search(r"emulator/grader-95pct\s+0\s+20", resumed)  # only the new model was sent
    assert "orj.evaluate: 40/40 done" in text_of(cell(nb, "%%responses --over reviews"))
    last = text_of(cell(nb, "import os\n\nos.remove(STORE)"))
    assert "('emulator/grader-90pct', 20, 0), ('emulator/grader-60pct', 20, 0)" in last  # -m TWO


def _nth(nb: nbformat.NotebookNode, source: str, n: int) -> nbformat.NotebookNode:
    return [c for c in nb.cells if c.cell_type == "code" and c.source == source][n]


CHECKS: dict[str, Callable[[nbformat.NotebookNode], None]] = {
    "01-quickstart": check_quickstart,
    "02-reasoning": check_reasoning,
    "03-tools": check_tools,
    "04-conversations": check_conversations,
    "05-widgets": check_widgets,
    "06-python-api": check_python_api,
    "07-compare": check_compare,
    "08-batch": check_batch,
    "09-web-and-images": check_web_and_images,
    "10-reproducible": check_reproducible,
    "11-agent": check_agent,
    "12-evaluate": check_evaluate,
}


def check_clean(nb: nbformat.NotebookNode) -> None:
    """No error outputs, nothing on stderr, no error boxes, every code cell ran."""
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        assert c.execution_count is not None, f"cell not executed: {c.source[:60]!r}"
        for o in c.outputs:
            assert o.output_type != "error", f"{c.source[:60]!r}: {o.ename}: {o.evalue}"
            assert not (o.output_type == "stream" and o.name == "stderr"), (
                f"{c.source[:60]!r} wrote to stderr: {o.text[:300]}"
            )
        assert 'class="orj-error"' not in html_of(c), f"error box in {c.source[:60]!r}"


def check_answers_are_plain(nb: nbformat.NotebookNode) -> None:
    """Every %%responses cell leaves its answer in plain outputs, not only in widgets."""
    for c in nb.cells:
        if c.cell_type == "code" and c.source.startswith("%%responses --over"):
            summaries = ("orj.map: ", "orj.evaluate: ")
            assert any(s in text_of(c) for s in summaries), "no summary line saved over rows"
        elif c.cell_type == "code" and c.source.startswith("%%responses"):
            assert answer_html(c) or tool_cards(c), f"no answer saved for {c.source[:60]!r}"
            compared = re.match(r"%%responses .*-m (\S+,\S+)", c.source)
            if compared:  # side by side: a footer per model
                found = re.findall(r'<div class="orj-footer">', html_of(c))
                assert len(found) == len(compared.group(1).split(",")), c.source[:60]
            else:
                footer(c)
        for o in getattr(c, "outputs", []):
            if WIDGET_MIME in o.get("data", {}):
                assert o.data.get("text/plain"), "a widget output without a text fallback"


# -- the tests -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """Futures of every saved notebook, outputs cleared, executed offline, two kernels at a time.

    All start at the first request, so the notebooks run in parallel with each other while
    the tests wait for them one by one; a notebook that fails fails only its own test.
    """

    def run(name: str) -> nbformat.NotebookNode:
        nb = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
        for c in nb.cells:
            if c.cell_type == "code":
                c.outputs, c.execution_count = [], None
        return execute(nb, tmp_path_factory.mktemp(name), cassette_of(name))

    with ThreadPoolExecutor(max_workers=2) as pool:
        yield {name: pool.submit(run, name) for name in NAMES}


def cassette_of(name: str) -> Path | None:
    """The notebook's cassette, if it has one."""
    path = CASSETTE_DIR / f"{name}.jsonl"
    return path if path.exists() else None


def execute(nb: nbformat.NotebookNode, cwd: Path, cassette: Path | None) -> nbformat.NotebookNode:
    """Execute offline (`build.execute`), or, with a cassette, replaying it at once."""
    if cassette is None:
        return build.execute(nb, cwd)
    from nbclient import NotebookClient

    env = {k: v for k, v in build.offline_env().items() if k != "OR_JUPYTER_OFFLINE"}
    env.update({REPLAY_ENV: str(cassette), "OR_JUPYTER_REPLAY_FAST": "1"})  # keyless, online
    client = NotebookClient(nb, timeout=build.TIMEOUT, kernel_name="python3", coalesce_streams=True)
    client.execute(env=env, cwd=str(cwd))
    return nb


def saved(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)


def test_every_notebook_is_built_and_checked():
    on_disk = sorted(p.stem for p in NOTEBOOK_DIR.glob("*.ipynb"))
    sources = sorted(p.stem for p in SOURCE_DIR.glob("*.py"))
    assert on_disk == sources == sorted(NAMES) == sorted(CHECKS)


def source(name: str) -> nbformat.NotebookNode:
    return jupytext.read(SOURCE_DIR / f"{name}.py", fmt="py:percent")


@pytest.mark.parametrize("name", NAMES)
def test_saved_notebook_matches_its_source(name):
    """notebooks/src/NAME.py is the source: the saved cells are its cells, in its order, with
    the shared setup cell in place of the source's one `# %% setup={...}` placeholder."""
    placeholders = [c for c in source(name).cells if "setup" in c.metadata]
    assert len(placeholders) == 1 and placeholders[0].source == ""
    expected = [
        ("code", build.setup_cell(**c.metadata["setup"]).source)
        if "setup" in c.metadata
        else (c.cell_type, c.source)
        for c in source(name).cells
    ]
    assert [(c.cell_type, c.source) for c in saved(name).cells] == expected


@pytest.mark.parametrize("name", NAMES)
def test_saved_notebook_keeps_no_source_format_metadata(name):
    """The .ipynb reads as if written by hand: no jupytext metadata in it, cells or notebook."""
    nb = saved(name)
    widgets = {"widgets"} if name in build.WIDGET_NOTEBOOKS else set()
    assert set(nb.metadata) == {"kernelspec", "language_info"} | widgets
    assert nb.metadata.kernelspec == build.KERNELSPEC
    for c in nb.cells:
        assert set(c.metadata) <= {"execution"}, f"{c.source[:60]!r}: {dict(c.metadata)}"


@pytest.mark.parametrize("name", NAMES)
def test_first_cell_picks_the_backend(name):
    setup = saved(name).cells[1]
    assert setup.cell_type == "code" and "OPENROUTER_API_KEY" in setup.source
    assert "orj.offline()" in setup.source or "%responses offline on" in setup.source
    assert "OpenRouter" in setup.source  # it says which backend is in use
    assert "emulator/" not in "".join(
        c.source for c in saved(name).cells if c.cell_type == "code" and "OFFLINE" not in c.source
    )


@pytest.mark.parametrize("name", NAMES)
def test_saved_notebook_shows_answers(name):
    nb = saved(name)
    check_clean(nb)
    check_answers_are_plain(nb)
    CHECKS[name](nb)


@pytest.mark.parametrize("name", NAMES)
def test_saved_notebook_holds_no_key(name):
    raw = (NOTEBOOK_DIR / f"{name}.ipynb").read_text()
    assert not re.search(r"sk-or-[\w-]{8,}", raw)
    key = os.environ.get("OPENROUTER_API_KEY")
    assert not key or key not in raw
    assert "api key            set" not in raw


@pytest.mark.parametrize("name", NAMES)
def test_notebook_executes_offline(fresh, name):
    nb = copy.deepcopy(fresh[name].result())
    check_clean(nb)
    check_answers_are_plain(nb)
    if cassette_of(name) is None:
        CHECKS[name](nb)


def test_a_notebook_with_a_cassette_replays_it_with_no_key_and_no_request(server, tmp_path):
    """Recorded once against a counting server with a key; replayed offline, keyless: the
    recorded answer is shown, marked cached, and the server hears nothing more."""
    from helpers.scripted_server import Reply, sse

    key = "sk-or-v1-notebook-cassette-secret-0123"
    text = "Recorded answer: **forty-two**"
    done = {"id": "r", "model": "openai/gpt-5-mini", "status": "completed", "usage": {"cost": 0.01}}
    done["output"] = [
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}]}
    ]
    server.queue(
        Reply(
            body=sse(
                {"type": "response.output_text.delta", "output_index": 0, "delta": text},
                {"type": "response.completed", "response": done},
            )
        )
    )
    cells = ["%load_ext or_jupyter", "%%responses -m openai/gpt-5-mini\nWhat is six times seven?"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    tape = tmp_path / "tape.jsonl"
    recording = {**os.environ, "OPENROUTER_API_KEY": key, "OPENROUTER_BASE_URL": server.base_url}
    recording.update({RECORD_ENV: str(tape), "OR_JUPYTER_OFFLINE": "0"})
    from nbclient import NotebookClient

    NotebookClient(copy.deepcopy(nb), timeout=build.TIMEOUT, kernel_name="python3").execute(
        env=recording, cwd=str(tmp_path)
    )
    assert len(server.seen) == 1 and key.encode() not in tape.read_bytes()
    replayed = execute(nb, tmp_path, tape)
    check_clean(replayed)
    check_answers_are_plain(replayed)
    answer = replayed.cells[1]
    assert "<strong>forty-two</strong>" in answer_html(answer)
    assert "nothing spent" in footer(answer) and "$0.010000" in footer(answer)
    assert len(server.seen) == 1


@pytest.mark.parametrize("name", ["07-compare", "08-batch"])
def test_a_tutorial_recorded_with_a_key_replays_keyless_with_the_same_answers(name, tmp_path):
    """The Binder workflow end to end: record a tutorial against a server standing in for
    OpenRouter (the emulator, with a key), then replay the cassette with no key and no
    offline mode: it runs clean, says its answers are recorded, and shows the same text."""
    from nbclient import NotebookClient

    from or_jupyter import emulator

    nb = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    tape = tmp_path / f"{name}.jsonl"
    with emulator.start() as upstream:
        env = {k: v for k, v in build.offline_env().items() if k != "OR_JUPYTER_OFFLINE"}
        env.update({"OPENROUTER_API_KEY": "sk-or-v1-recording-key-0123456789"})
        env.update({"OPENROUTER_BASE_URL": upstream.base_url, RECORD_ENV: str(tape)})
        recorded = copy.deepcopy(nb)
        NotebookClient(recorded, timeout=build.TIMEOUT, kernel_name="python3").execute(
            env=env, cwd=str(tmp_path)
        )
    assert b"recording-key" not in tape.read_bytes()
    replayed = execute(copy.deepcopy(nb), tmp_path, tape)  # the emulator is gone now
    check_clean(replayed)
    check_answers_are_plain(replayed)
    assert "Backend: answers recorded from OpenRouter" in text_of(replayed.cells[1])
    for before, after in zip(recorded.cells, replayed.cells, strict=True):
        if before.cell_type == "code" and before.source.startswith("%%responses --over"):
            assert re.search(r"6/6 done · 6 from store or cache · \$0\.0000", text_of(after))
        elif before.cell_type == "code" and before.source.startswith("%%responses"):
            assert "Offline mode" not in text_of(after)
            assert untimed(answer_html(after)) == untimed(answer_html(before)), before.source[:60]


def untimed(page: str) -> str:
    """An answer's HTML without the comparison table (its timings differ run to run)."""
    return re.sub(r"<table.*?</table>", "", page, flags=re.S)
