"""A long conversation in cells: its size in the footer, a warning before it overflows, the
context error's advice, `truncation` and `history_limit`. Through the magics in a real
IPython shell, offline: the in-process emulator over HTTP on 127.0.0.1, whose
`emulator/small-context` has a 4,096-token window."""

from __future__ import annotations

import html
import re

SMALL = "emulator/small-context"
ADVICE = ("`%responses reset`", "`-n`", "`%responses config truncation=auto`")


def magics_of(shell):
    return shell.magics_manager.registry["Responses"]


def words(count: int, word: str = "lorem") -> str:
    """About `count` tokens for the emulator's counting (one per word)."""
    return " ".join([word] * count)


def texts(shell, css_class: str) -> list[str]:
    """The text of every `<div class=css_class>` drawn since the last reset, in order."""
    found = re.findall(rf'<div class="{css_class}">(.*?)</div>', shell.publisher.html(), re.S)
    return [html.unescape(text) for text in found]


def test_the_footer_shows_the_conversation_size_from_the_last_turn(ip):
    ip.run_cell("def add(a: int, b: int) -> int:\n    '''Add.'''\n    return a + b")
    ip.run_cell("%%responses --out first\nhello there")
    size = ip.user_ns["first"].usage["input_tokens"]
    assert f"conversation {size:,} tokens" in texts(ip, "orj-footer")[-1]
    ip.run_cell("%%responses --tools add --out second\nadd a=2 b=3")
    turns = magics_of(ip).chats["default"].responses
    assert len(turns) == 2  # the call, then the answer
    last = turns[-1].usage["input_tokens"]
    footer = texts(ip, "orj-footer")[-1]
    assert f"conversation {last:,} tokens" in footer  # the last turn's input, not the sum
    both = sum(turn.usage["input_tokens"] for turn in turns)
    assert f"{both:,} in /" in footer and last > size


def test_a_cell_warns_before_sending_once_the_conversation_nears_the_context(ip):
    ip.run_cell(f"%%responses -m {SMALL}\n{words(1600)}")
    assert not [t for t in texts(ip, "orj-notice") if "may refuse" in t]
    ip.publisher.reset()
    ip.run_cell(f"%%responses -m {SMALL} --out r\n{words(1600)}")
    warnings = [t for t in texts(ip, "orj-notice") if "may refuse" in t]
    assert len(warnings) == 1
    warning = warnings[0]
    assert (
        "\n" not in warning
        and "past 80% of emulator/small-context's 4,096-token context" in warning
    )
    for words_ in ADVICE:
        assert words_ in warning
    drawn = ip.publisher.html()
    assert drawn.index('class="orj-notice"') < drawn.index("Offline answer")  # before sending
    assert ip.user_ns["r"].status == "completed"  # warned, and sent all the same


def test_a_context_error_names_reset_new_and_truncation(ip):
    result = ip.run_cell(f"%%responses -m {SMALL}\n{words(5000)}")
    assert result.success  # drawn, not raised
    shown = html.unescape(ip.publisher.html())
    assert "BadRequestError 400" in shown and "maximum context length is 4096 tokens" in shown
    for words_ in ADVICE:
        assert words_ in shown
    assert "shorten the input" in shown


def test_truncation_is_checked_in_one_line(ip, capsys):
    result = ip.run_cell("%responses config truncation=sometimes")
    err = capsys.readouterr().err
    assert not result.success and "truncation must be one of auto, disabled" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert magics_of(ip).truncation is None


def test_truncation_auto_lets_the_server_trim_what_overflows(ip):
    ip.run_cell("%responses config truncation=auto")
    assert magics_of(ip).truncation == "auto"
    for _ in range(5):  # about 5,500 tokens in all: more than the window
        ip.run_cell(f"%%responses -m {SMALL} --out r\n{words(1000)}")
        assert ip.user_ns["r"].status == "completed"
    assert ip.user_ns["r"].usage["input_tokens"] <= 4096
    assert not [t for t in texts(ip, "orj-notice") if "may refuse" in t]
    assert 'class="orj-error"' not in ip.publisher.html()
    ip.run_cell("%responses config truncation=")
    assert magics_of(ip).truncation is None


def test_history_limit_auto_drops_the_oldest_turns_with_a_visible_note(ip, capsys):
    result = ip.run_cell("%responses config history_limit=lots")
    assert not result.success and "history_limit must be" in capsys.readouterr().err
    ip.run_cell("%responses config history_limit=auto")
    assert magics_of(ip).history_limit == "auto"
    for _ in range(5):
        ip.run_cell(f"%%responses -m {SMALL} --out r\n{words(1000)}")
        assert ip.user_ns["r"].status == "completed"
    notes = [t for t in texts(ip, "orj-notice") if t.startswith("Dropped the")]
    assert notes and "oldest turn" in notes[0] and "history_limit=auto" in notes[0]
    assert 'class="orj-error"' not in ip.publisher.html()
    history = magics_of(ip).chats["default"].history
    assert history[0]["role"] == "user" and len(history) < 10
