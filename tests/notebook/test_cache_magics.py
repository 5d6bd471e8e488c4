"""`%responses cache`, `record`, `replay` and `--no-cache` in a real IPython shell (offline)."""

from __future__ import annotations

import html
import re

import pytest

from or_jupyter.kept import cassette
from or_jupyter.kept.cache import Cache

PROMPT = "%%responses\nWhat is 12*7?"


@pytest.fixture
def shell(ip, monkeypatch, tmp_path):
    """The offline shell in a scratch folder, with no cache and no cassette before or after."""
    monkeypatch.chdir(tmp_path)
    magics = ip.magics_manager.registry["Responses"]
    cassette.stop_recording()
    cassette.stop_replay()
    magics.session.response_cache = None
    magics.session.set_client(None)
    yield ip
    cassette.stop_recording()
    cassette.stop_replay()
    if magics.session.response_cache is not None:
        magics.session.response_cache.close()
    magics.session.response_cache = None
    magics.session.set_client(None)


def footers(shell) -> list[str]:
    return [
        html.unescape(f) for f in re.findall(r'orj-footer">(.*?)</div>', shell.publisher.html())
    ]


def answers(shell) -> list[str]:
    return re.findall(r"<strong>(\d+)</strong>", shell.publisher.html())


def one_line_error(shell, capsys, source: str) -> str:
    result = shell.run_cell(source)
    err = capsys.readouterr().err
    assert not result.success and "Traceback" not in err
    lines = [row for row in err.strip().splitlines() if row.strip()]
    assert len(lines) <= 2, err
    return err


def test_a_cached_cell_says_so_and_spends_nothing(shell, capsys):
    shell.run_line_magic("responses", "cache on")
    assert "response cache on: .or_jupyter_cache.sqlite" in capsys.readouterr().out
    shell.run_cell(PROMPT)
    shell.run_cell("%%responses --new\nWhat is 12*7?")
    first, again = footers(shell)
    assert "cached" not in first
    assert re.search(r"cached · original cost \$[\d.]+ · nothing spent", again), again
    assert answers(shell) == ["84", "84"]
    stats = Cache(".or_jupyter_cache.sqlite").stats()
    assert (stats["entries"], stats["hits"]) == (1, 1)


def test_no_cache_asks_the_server_for_one_cell(shell):
    shell.run_line_magic("responses", "cache on here.sqlite")
    shell.run_cell(PROMPT)
    shell.run_cell("%%responses --new --no-cache\nWhat is 12*7?")
    shell.run_cell("%%responses --new\nWhat is 12*7?")
    assert ["cached" in f for f in footers(shell)] == [False, False, True]
    assert Cache("here.sqlite").stats()["hits"] == 1


def test_cache_stats_clear_and_off(shell, capsys):
    shell.run_line_magic("responses", "cache on c.sqlite")
    shell.run_cell(PROMPT)
    shell.run_cell("%%responses --new\nWhat is 12*7?")
    shell.publisher.reset()
    shell.run_line_magic("responses", "cache stats")
    table = html.unescape(shell.publisher.html())
    assert re.search(r"entries</td>\s*<td[^>]*>1<", table), table
    assert re.search(r"saved cost</td>\s*<td[^>]*>\$0\.\d+", table), table
    capsys.readouterr()
    shell.run_line_magic("responses", "cache clear")
    assert "1 entries removed" in capsys.readouterr().out
    shell.run_line_magic("responses", "cache off")
    shell.publisher.reset()
    shell.run_cell("%%responses --new\nWhat is 12*7?")
    assert "cached" not in footers(shell)[0]
    assert Cache("c.sqlite").stats()["entries"] == 0


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("cache", "usage: %responses cache on [PATH] | off | clear | stats"),
        ("cache maybe", "usage: %responses cache on [PATH]"),
        ("cache stats", "the response cache is off"),
        ("cache on .", "cannot use '.' as the response cache: a directory"),
        ("record", "usage: %responses record FILE | off"),
        ("record off", "nothing is being recorded"),
        ("record no/such/dir/t.jsonl", "cannot write it"),
        ("replay", "usage: %responses replay FILE [--fast] | off"),
        ("replay missing.jsonl", "cannot read cassette 'missing.jsonl'"),
    ],
)
def test_mistakes_are_one_line_of_help(shell, capsys, line, message):
    assert message in one_line_error(shell, capsys, f"%responses {line}")


def test_record_then_replay_shows_the_same_answer_marked_cached(shell, capsys):
    shell.run_line_magic("responses", "record session.jsonl")
    shell.run_cell(PROMPT)
    shell.run_line_magic("responses", "record off")
    assert "recording stopped: 1 exchange in session.jsonl" in capsys.readouterr().out
    shell.run_line_magic("responses", "replay session.jsonl --fast")
    assert "replaying 1 exchange recorded" in capsys.readouterr().out
    shell.run_cell("%%responses --new\nWhat is 12*7?")
    assert answers(shell) == ["84", "84"]
    assert "nothing spent" in footers(shell)[1]


def test_a_cell_not_in_the_cassette_shows_the_closest_request(shell, capsys):
    shell.run_line_magic("responses", "record session.jsonl")
    shell.run_cell(PROMPT)
    shell.run_line_magic("responses", "record off")
    shell.run_line_magic("responses", "replay session.jsonl --fast")
    shell.publisher.reset()
    shell.run_cell("%%responses --new\nWhat is 12*8?")
    shown = html.unescape(shell.publisher.html())
    assert "ReplayMissError" in shown
    assert "closest recorded request is POST /responses with input 'What is 12*7?'" in shown
    assert "input: recorded &quot;" not in shown  # escaped once, not twice
    shell.run_line_magic("responses", "replay off")
    shell.publisher.reset()
    shell.run_cell("%%responses --new\nWhat is 12*8?")
    assert answers(shell) == ["96"]


def test_a_cached_comparison_says_so_in_its_table_and_totals_nothing(shell):
    shell.run_line_magic("responses", "cache on")
    cell = "%%responses -m openai/gpt-5-mini,google/gemini-2.5-flash --new\nWhat is 12*7?"
    shell.run_cell(cell)
    shell.publisher.reset()
    shell.run_cell(cell)
    rows = re.findall(r"<tr>(.*?)</tr>|<tr class=\"orj-total\">(.*?)</tr>", shell.publisher.html())
    cells = [re.findall(r"<td>(.*?)</td>", a or b) for a, b in rows]
    models = [row for row in cells if row and row[0] != "total"]
    assert len(models) == 2 and all(row[-1].endswith("cached, nothing spent") for row in models)
    [total] = [row for row in cells if row and row[0] == "total"]
    assert total[-1] == "$0.000000"
