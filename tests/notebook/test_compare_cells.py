"""`%%responses -m a,b,c`: several models side by side in one cell output, in a real shell.

The emulator answers over real HTTP; the display capture applies updates by display id
as a frontend does, so `outputs()` is what a saved notebook holds.
"""

from __future__ import annotations

import re
import time

import pytest

from or_jupyter import Comparison, Response


def drawn(shell) -> list[dict]:
    """The cell's outputs as saved: the Stop slot (emptied) and the sealed drawing."""
    return [o for o in shell.publisher.outputs() if o.get("text/html")]


def columns_of(html: str) -> list[str]:
    return re.findall(
        r'<div class="orj-column">(.*?)</div>(?=<div class="orj-column">|</div>)', html, re.S
    )


def test_three_models_answer_in_three_columns_of_one_static_output_with_a_comparison(ip):
    result = ip.run_cell(
        "%%responses -m emulator/assistant,emulator/echo,emulator/long --max-output-tokens 200"
        " --out answers\nWhat is 6*7?"
    )
    assert result.success, result.error_in_exec
    outputs = drawn(ip)
    assert len(outputs) == 1  # everything in one output, however long the answers
    html = outputs[0]["text/html"]
    assert html.count('<div class="orj-column">') == 3
    heads = re.findall(r'<div class="orj-column-head">(.*?)</div>', html)
    assert heads == ["emulator/assistant", "emulator/echo", "emulator/long"]
    assert "What is 6*7?" in html  # the echo model's column
    assert html.count('class="orj-footer"') == 3
    assert '<table class="orj-compare">' in html and "3 of 3 completed" in html
    answers = ip.user_ns["answers"]
    assert isinstance(answers, Comparison)
    assert list(answers) == ["emulator/assistant", "emulator/echo", "emulator/long"]
    assert all(isinstance(r, Response) and r.status == "completed" for r in answers.values())
    assert answers["emulator/echo"].output_text.strip() == "What is 6*7?"


def test_the_live_drawing_is_widgets_and_every_widget_is_closed_when_the_cell_ends(ip):
    ip.run_cell("%%responses -m emulator/assistant,emulator/echo\nhello")
    comms = ip.publisher.comms
    opened = {m.data.get("state", {}).get("_model_name") for m in comms if m.kind == "comm_open"}
    assert {"GridBoxModel", "VBoxModel", "HTMLModel"} <= opened
    opens = sum(m.kind == "comm_open" for m in comms)
    closes = sum(m.kind == "comm_close" for m in comms)
    assert closes == opens  # the Stop button too: nothing is left for the saved notebook


def test_a_failing_model_shows_its_error_in_its_column_and_the_others_answer(ip):
    result = ip.run_cell(
        "%%responses -m emulator/assistant,emulator/error-402,emulator/echo --out answers\nhi"
    )
    assert result.success
    html = drawn(ip)[0]["text/html"]
    assert html.count('<div class="orj-column">') == 3
    assert html.count('class="orj-error"') == 1
    assert "2 of 3 completed" in html
    answers = ip.user_ns["answers"]
    assert answers["emulator/error-402"].status == "failed"
    assert answers.errors["emulator/error-402"].status_code == 402
    assert answers["emulator/echo"].output_text.strip() == "hi"


def test_a_later_compare_continues_each_branch_and_pick_adopts_one(ip):
    ip.run_cell("%%responses -m emulator/echo,emulator/assistant\nfirst")
    ip.run_cell("%%responses -m emulator/echo,emulator/assistant --out second\nsecond")
    chat = ip.magics_manager.registry["Responses"].chats["default"]
    echo_branch = chat.branches["emulator/echo"].history
    texts = [str(item.get("content")) for item in echo_branch]
    assert sum("first" in t for t in texts) >= 2  # the prompt and echo's own answer to it
    assert ip.user_ns["second"]["emulator/echo"].output_text.strip() == "second"
    ip.run_line_magic("responses", "pick emulator/echo")
    assert not chat.branches and chat.model == "emulator/echo"
    assert chat.history == echo_branch


def test_one_model_after_a_compare_must_be_a_branch_or_a_pick(ip, capsys):
    ip.run_cell("%%responses -m emulator/echo,emulator/assistant\nfirst")
    result = ip.run_cell("%%responses -m emulator/long\nnext")
    err = capsys.readouterr().err
    assert not result.success and "pick" in err and "Traceback" not in err
    result = ip.run_cell("%%responses -m emulator/echo --out one\nnext")
    assert result.success
    assert ip.user_ns["one"].output_text.strip() == "next"
    chat = ip.magics_manager.registry["Responses"].chats["default"]
    assert not chat.branches and chat.model == "emulator/echo"


def test_pick_option_and_line_magic_errors_are_one_line(ip, capsys):
    ip.run_cell("%%responses -m emulator/echo,emulator/assistant\nfirst")
    result = ip.run_cell("%%responses --pick emulator/nope\nnext")
    err = capsys.readouterr().err
    assert not result.success and "emulator/nope" in err and "Traceback" not in err
    ip.run_cell("%responses pick")
    assert "usage: %responses pick MODEL [CHAT]" in capsys.readouterr().err
    result = ip.run_cell("%%responses --pick emulator/assistant\nnext")
    assert result.success


def test_a_model_named_twice_is_a_usage_error(ip, capsys):
    result = ip.run_cell("%%responses -m emulator/echo,emulator/echo\nhi")
    assert not result.success and "named twice" in capsys.readouterr().err


def test_compare_in_a_terminal_prints_each_answer_whole_then_the_comparison(ip, capsys):
    ip.magics_manager.registry["Responses"].frontend = "terminal"
    ip.run_cell("%%responses -m emulator/echo,emulator/assistant\nsay this")
    out = capsys.readouterr().out
    assert out.index("== emulator/echo ==") < out.index("== emulator/assistant ==")
    assert "say this" in out and "2 of 2 completed" in out


@pytest.mark.kernel
def test_a_kernel_interrupt_stops_every_column_and_each_keeps_what_arrived():
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        client.execute_interactive(
            "import os; os.environ['OR_JUPYTER_EMULATOR_TPS'] = '300'\n"
            "%load_ext or_jupyter\n%responses offline on",
            timeout=60,
        )
        msg_id = client.execute(
            "%%responses -m emulator/long,emulator/assistant --max-output-tokens 8000 "
            "--out answers\nwrite a lot"
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # interrupt once the long answer is streaming
            content = client.get_iopub_msg(timeout=30)["content"]
            state = content.get("data", {}).get("state", {})
            if "<h1>" in (state.get("value", "") if isinstance(state, dict) else ""):
                break
        time.sleep(0.3)
        manager.interrupt_kernel()
        reply = client.get_shell_msg(timeout=30)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = client.get_shell_msg(timeout=30)
        assert reply["content"]["status"] == "ok", "\n".join(reply["content"].get("traceback", []))
        outputs = []
        client.execute_interactive(
            "print(answers['emulator/long'].status, len(answers['emulator/long'].output_text),"
            " answers['emulator/assistant'].status)",
            timeout=30,
            output_hook=lambda m: outputs.append(m["content"].get("text", "")),
        )
        long_status, length, other = "".join(outputs).split()
        assert long_status == "cancelled" and int(length) > 0
        assert other in ("completed", "cancelled")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
