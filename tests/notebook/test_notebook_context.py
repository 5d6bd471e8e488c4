"""`%responses fix|explain` and `--context N`: what the model is sent, read off the wire."""

from __future__ import annotations

import pytest
from helpers.magic_shell import magic_shell
from helpers.scripted_server import completed_reply
from IPython.core.error import UsageError

import or_jupyter as orj
from or_jupyter.emulator.images import png

KEY = "sk-or-v1-test-context-key-0123456789"
PNG = png(1)  # a small real PNG
TOKEN = "tok-the-service-secret-42"
FAILING = f"""\
import os
key = "{KEY}"
def connect(service):
    print("\\033[31mconnecting\\033[0m", service)
    raise ValueError("bad token " + os.environ["MY_SERVICE_TOKEN"])
connect("db")
"""
FIX_ANSWER = (
    "The token is refused.\n\n```python\nprint('first try')\n```\n\nThe whole cell:\n\n"
    "```python\nimport os\nconnect('db', token=os.environ['NEW_TOKEN'])\n```\n"
)


def answer(text):
    return completed_reply(text)


@pytest.fixture
def shell(monkeypatch, server):
    """A shell whose magics talk to the scripted server; a secret and the key in the env."""
    shell = magic_shell(monkeypatch, offline=False)
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    monkeypatch.setenv("MY_SERVICE_TOKEN", TOKEN)
    monkeypatch.setenv("SHORT_KEY", "abc")  # too short to be a secret: "abc" stays
    magics = shell.magics_manager.registry["Responses"]
    magics.session.set_client(orj.Client(api_key=KEY, base_url=server.base_url, max_retries=0))
    magics.session.failures.last = None
    shell.rl_next_input = None
    yield shell
    magics.session.set_client(None)
    shell.publisher.reset()


def sent_text(server):
    (seen,) = [s for s in server.seen if s.method == "POST"]
    raw = seen.body.decode()
    (message,) = seen.json()["input"]
    return raw, message["content"]


def test_fix_sends_source_and_traceback_without_ansi_key_or_secrets_and_inserts_the_fix(
    shell, server
):
    assert not shell.run_cell(FAILING, store_history=True).success
    server.queue(answer(FIX_ANSWER))
    shell.run_line_magic("responses", "fix")
    raw, prompt = sent_text(server)
    assert "whole corrected cell" in prompt
    assert "def connect(service):" in prompt and 'connect("db")' in prompt  # the source
    assert "ValueError" in prompt and "bad token [redacted MY_SERVICE_TOKEN]" in prompt
    assert "Traceback" in prompt and "----> 6 connect" in prompt
    assert 'key = "[redacted OPENROUTER_API_KEY]"' in prompt
    assert KEY not in raw and TOKEN not in raw
    assert "\x1b" not in prompt and "\\u001b" not in raw
    assert shell.rl_next_input == "import os\nconnect('db', token=os.environ['NEW_TOKEN'])\n"


def test_explain_asks_for_no_fix_and_inserts_nothing(shell, server):
    shell.user_ns["a"] = "interpolated"
    assert not shell.run_cell('print(f"{a}")\n1 / 0', store_history=True).success
    server.queue(answer("Division by zero.\n\n```python\n1 / 1\n```"))
    shell.run_line_magic("responses", "explain")
    _, prompt = sent_text(server)
    assert "Do not rewrite the cell" in prompt and "ZeroDivisionError" in prompt
    assert 'print(f"{a}")\n1 / 0' in prompt  # the source as typed, braces not interpolated
    assert shell.rl_next_input is None


def test_fix_with_no_failed_cell_is_a_one_line_error(shell, server):
    shell.run_cell("x = 1", store_history=True)
    with pytest.raises(UsageError, match="no cell has failed"):
        shell.run_line_magic("responses", "fix")
    assert server.seen == []


def test_context_adds_the_last_cells_and_their_short_outputs_marked_as_context(shell, server):
    first = shell.execution_count
    shell.run_cell("a = 41", store_history=True)
    shell.run_cell("a + 1", store_history=True)
    server.queue(answer("It is 41."))
    assert shell.run_cell("%%responses --context 2\nWhat is a?", store_history=True).success
    _, prompt = sent_text(server)
    assert prompt.startswith("Notebook context: the last 2 cells executed before this prompt.")
    assert f"In [{first}]:\n```python\na = 41\n```" in prompt
    assert (
        f"In [{first + 1}]:\n```python\na + 1\n```\nOut[{first + 1}]:\n```text\n42\n```" in prompt
    )
    assert prompt.endswith("End of notebook context.\n\nWhat is a?")
    assert "--context" not in prompt  # the magic's own cell is left out


def test_context_is_bounded_and_says_what_it_left_out(shell, server):
    shell.run_cell("small = 1", store_history=True)
    shell.run_cell("big = '" + "x" * 30_000 + "'", store_history=True)
    server.queue(answer("ok"))
    assert shell.run_cell("%%responses --context 2\nsummarise", store_history=True).success
    _, prompt = sent_text(server)
    assert len(prompt) < 21_000
    assert "characters cut" in prompt and "1 older cells left out" in prompt
    assert "small = 1" not in prompt


@pytest.mark.parametrize("value", ["0", "-1", "x"])
def test_context_takes_a_positive_number(shell, server, value):
    with pytest.raises(UsageError, match="--context takes a positive number"):
        shell.run_cell_magic("responses", f"--context {value}", "hi")
    assert server.seen == []


def test_redaction_covers_secret_names_of_8_characters_or_more_and_the_given_keys():
    from or_jupyter.notebook.context import redact

    environ = {"DB_PASSWORD": "hunter2hunter2", "SHORT_TOKEN": "1234567", "HOME": "/home/me12"}
    text = "hunter2hunter2 1234567 /home/me12 sk-or-v1-abcdefghijkl"
    assert redact(text, environ, keys=["sk-or-v1-abcdefghijkl"]) == (
        "[redacted DB_PASSWORD] 1234567 /home/me12 [redacted OpenRouter API key]"
    )


def test_the_fix_is_the_last_python_or_untagged_fenced_block():
    from or_jupyter.notebook.context import last_python_block

    answer = "```python\nfirst()\n```\n~~~\nsecond()\n~~~\n```text\nnot code\n```\n"
    assert last_python_block(answer) == "second()\n"
    assert last_python_block("no code here") is None


def test_context_comes_before_a_prompt_that_holds_an_image(shell, server):
    shell.run_cell("a = 41", store_history=True)
    shell.user_ns["png"] = PNG
    server.queue(answer("A dot."))
    assert shell.run_cell(
        "%%responses --context 1\nWhat is this? {png}", store_history=True
    ).success
    [message] = server.seen[-1].json()["input"]
    kinds = [part["type"] for part in message["content"]]
    assert kinds[0] == "input_text" and "input_image" in kinds
    assert message["content"][0]["text"].startswith("Notebook context: the last 1 cells")
    assert "a = 41" in message["content"][0]["text"]
