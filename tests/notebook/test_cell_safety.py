"""What a `%%responses` cell must never do: send secrets, run stale tools, or wait after it ends."""

from __future__ import annotations

import json
import os

import pytest
from test_magics import magics_of, run

from or_jupyter.notebook import interpolate


def test_code_fences_and_code_spans_are_never_interpolated():
    ns = {"os": os, "city": "Lima"}
    prompt = (
        "Weather in {city}? Explain `{os.environ}` and\n"
        "```python\nprint({os.environ['PATH']}, {city})\n```\n"
        "~~~~\n{city}\n~~~~\nthen {city} again, ``{city}`` stays"
    )
    out = interpolate(prompt, ns)
    assert out.startswith("Weather in Lima? Explain `{os.environ}` and\n")
    assert "print({os.environ['PATH']}, {city})" in out
    assert "~~~~\n{city}\n~~~~" in out
    assert "then Lima again, ``{city}`` stays" in out
    assert os.environ["PATH"] not in out


def test_an_unclosed_fence_protects_everything_after_it():
    assert interpolate("{x} then\n```\n{x}\nmore {x}", {"x": 1}) == "1 then\n```\n{x}\nmore {x}"


def test_a_key_in_a_code_fence_does_not_reach_the_model_or_the_history(ip, monkeypatch):  # noqa: F811
    secret = "sk-or-v1-SECRET-IN-ENV"
    monkeypatch.setenv("OPENROUTER_API_KEY", secret)
    magics_of(ip).model = "emulator/echo"
    run(ip, "import os")
    run(ip, "%%responses --out r\nWhat does this print?\n```\nprint({os.environ})\n```")
    history = json.dumps(magics_of(ip).chats["default"].history)
    assert "print({os.environ})" in ip.user_ns["r"].output_text
    assert secret not in history and secret not in ip.publisher.html()


def test_a_redefined_tool_runs_its_new_definition_in_later_cells(ip):  # noqa: F811
    run(ip, "def probe(q: str) -> str:\n    '''Probe.'''\n    return 'old'")
    run(ip, "%%responses --tools probe --new --out r1\nprobe q=a")
    run(ip, "def probe(q: str) -> str:\n    '''Probe.'''\n    return 'new'")
    run(ip, "%%responses --out r2\nprobe q=b")
    outputs = [
        i["output"]
        for i in magics_of(ip).chats["default"].history
        if i["type"] == "function_call_output"
    ]
    assert outputs == ["old", "new"]


def test_tools_are_listed_and_a_withdrawn_tool_is_no_longer_offered(ip, capsys):  # noqa: F811
    run(ip, "def probe(q: str) -> str:\n    '''Probe.'''\n    return 'ran'")
    run(ip, "%%responses --tools probe --out r1\nprobe q=a")
    run(ip, "%responses tools")
    assert "probe" in ip.publisher.html() and "offered" in ip.publisher.html()
    run(ip, "%responses tools drop probe")
    assert "withdrawn" in ip.publisher.html()
    run(ip, "%%responses --out r2\nprobe q=b")
    calls = [i for i in magics_of(ip).chats["default"].history if i["type"] == "function_call"]
    assert len(calls) == 1  # the second cell could not call it
    assert ip.user_ns["r2"].function_calls == []


def test_dropping_a_tool_that_is_not_offered_is_one_line_of_help(ip, capsys):  # noqa: F811
    run(ip, "%responses tools drop nothing_here")
    err = capsys.readouterr().err
    assert "UsageError" in err and "not offered" in err and "Traceback" not in err


def test_the_footer_names_the_tools_offered(ip):  # noqa: F811
    run(ip, "def probe(q: str) -> str:\n    '''Probe.'''\n    return 'ran'")
    run(ip, "%%responses --tools probe\nhello")
    footer = [
        o["text/plain"] for o in ip.publisher.outputs() if "orj-footer" in o.get("text/html", "")
    ]
    assert footer and "tools: probe" in footer[-1]


@pytest.mark.parametrize("value", ["abc", "-"])
def test_tool_timeout_setting_rejects_bad_values(ip, capsys, value):  # noqa: F811
    run(ip, f"%responses config tool_timeout={value}")
    assert "tool_timeout" in capsys.readouterr().err


def test_tool_timeout_setting_reaches_the_conversation(ip):  # noqa: F811
    run(ip, "%responses config tool_timeout=7")
    run(ip, "%%responses\nhello")
    assert magics_of(ip).chats["default"].tool_timeout == 7.0


def test_a_key_pasted_with_a_space_inside_is_one_line_in_a_cell_and_never_shown(
    monkeypatch, capsys
):
    from helpers.magic_shell import magic_shell

    shell = magic_shell(monkeypatch, offline=False)
    pasted = "sk-or-v1-pasted-with a-space-0123456789"
    monkeypatch.setenv("OPENROUTER_API_KEY", pasted)
    shell.magics_manager.registry["Responses"].session.set_client(None)
    result = shell.run_cell("%%responses -m openai/gpt-5-mini\nhi")
    err = capsys.readouterr().err
    assert not result.success and "Traceback" not in err
    assert "UsageError" in err and "copy-paste" in err and "%responses key" in err
    assert "pasted-with" not in err + shell.publisher.html()
