"""The %%responses and %responses magics in a real IPython shell, and in a real kernel."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest
from helpers.lazy import lazy_module
from pydantic import BaseModel

from or_jupyter.notebook import interpolate
from or_jupyter.render.terminal import TerminalView

nbformat = lazy_module("nbformat")
nbclient = lazy_module("nbclient")


def run(shell, source):
    """Run a cell as the user would; returns (result, captured stdout+stderr)."""
    return shell.run_cell(source)


def magics_of(shell):
    return shell.magics_manager.registry["Responses"]


def test_interpolation_fills_names_and_leaves_code_braces_alone():
    ns = {"city": "Paris", "n": 3.14159, "obj": type("O", (), {"attr": "deep"})()}
    assert interpolate("Weather in {city}?", ns) == "Weather in Paris?"
    assert interpolate("{n:.2f} and {obj.attr}", ns) == "3.14 and deep"
    assert interpolate("{{city}} is literal", ns) == "{city} is literal"
    assert interpolate('d = {"a": 1}; f"{x}"; {unknown}', ns) == 'd = {"a": 1}; f"{x}"; {unknown}'
    assert interpolate("set() {} and {city.nope}", ns) == "set() {} and {city.nope}"
    assert interpolate("{n:bad-spec}", ns) == "{n:bad-spec}"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("--reasoning bogus", "--reasoning must be one of"),
        ("--summary loud", "--summary must be one of"),
        ("--tools not_defined", "no variable 'not_defined'"),
        ("--tools x_number", "'x_number' is a int, not a function"),
        ("--max-output-tokens lots", "invalid int value"),
        ("--schema nothing_here", "no variable 'nothing_here'"),
        ("--frobnicate", "unrecognized arguments"),
    ],
)
def test_bad_options_give_one_line_of_help(ip, capsys, line, message):
    ip.user_ns["x_number"] = 5
    result = run(ip, f"%%responses {line}\nhello")
    err = capsys.readouterr().err
    assert not result.success
    assert message in err
    assert "Traceback" not in err
    assert len([row for row in err.strip().splitlines() if row.strip()]) <= 2


def test_empty_cell_is_a_usage_error(ip, capsys):
    run(ip, "%%responses\n   \n")
    assert "the cell is empty" in capsys.readouterr().err


def test_responses_cells_become_awaiting_cells_in_a_kernel():
    from or_jupyter.notebook import awaiting_cells

    lines = ["%%responses -m x --out r\n", "Hi {name}\n", "there\n"]
    [code] = awaiting_cells(lines)
    assert code.startswith("await get_ipython().magics_manager.registry['Responses']")
    assert "responses_async(' -m x --out r', 'Hi {name}\\nthere\\n')" in code
    for untouched in (["%%responses?\n"], ["%%responsesX\n", "a"], ["print(1)\n"], []):
        assert awaiting_cells(untouched) == untouched


def test_help_is_available(ip):
    doc = magics_of(ip).responses_cell.__doc__ or ""
    assert "--reasoning" in magics_of(ip).responses_cell.parser.format_help()
    assert "Send the cell" in doc


def test_cell_result_is_nothing_and_out_stores_the_response(ip):
    result = run(ip, "%%responses --out r\nWhat is 10*5?")
    assert result.success and result.result is None
    response = ip.user_ns["r"]
    assert "50" in response.output_text and response.status == "completed"
    assert "<strong>50</strong>" in ip.publisher.html()


def test_the_default_conversation_continues_and_chat_names_keep_separate_ones(ip):
    run(ip, "%%responses\n1+1")
    run(ip, "%%responses\n2+2")
    run(ip, "%%responses --chat other\n3+3")
    chats = magics_of(ip).chats
    assert [i.get("role") for i in chats["default"].history if i["type"] == "message"] == [
        "user",
        "assistant",
        "user",
        "assistant",
    ]
    assert len([i for i in chats["other"].history if i["type"] == "message"]) == 2
    run(ip, "%%responses --new\n4+4")
    assert len([i for i in chats["default"].history if i["type"] == "message"]) == 2


def test_tools_from_the_notebook_are_called(ip):
    run(
        ip,
        "def get_weather(city: str) -> dict:\n    '''Weather.'''\n    return {'city': city, 'sky': 'clear'}",
    )
    run(ip, "%%responses --tools get_weather --out r\nget_weather city=Lima")
    history = magics_of(ip).chats["default"].history
    output = next(i for i in history if i["type"] == "function_call_output")
    assert json.loads(output["output"]) == {"city": "Lima", "sky": "clear"}
    assert "clear" in ip.user_ns["r"].output_text


def test_tool_choice_none_skips_the_tools(ip):
    run(ip, "def lookup(q: str) -> str:\n    '''Look up.'''\n    return 'x'")
    run(ip, "%%responses --tools lookup --tool-choice none --out r\nlookup q=a")
    assert ip.user_ns["r"].function_calls == []


def test_schema_parses_structured_output_into_out(ip):
    class Answer(BaseModel):
        a: int
        b: str

    ip.user_ns["Answer"] = Answer
    run(ip, '%%responses -m emulator/echo --schema Answer --out parsed\n{"a": 7, "b": "seven"}')
    assert ip.user_ns["parsed"] == Answer(a=7, b="seven")
    ip.user_ns["plain"] = {"type": "object", "properties": {"a": {"type": "integer"}}}
    run(ip, '%%responses -m emulator/echo --schema plain --out data\n{"a": 8}')
    assert ip.user_ns["data"] == {"a": 8}


def test_api_errors_are_drawn_not_raised(ip, capsys):
    result = run(ip, "%%responses -m emulator/error-402\nhi")
    assert result.success
    assert "InsufficientCreditsError 402" in ip.publisher.html()
    assert "Traceback" not in capsys.readouterr().err


def test_config_shows_and_sets_defaults(ip):
    run(
        ip,
        "%responses config temperature=0.25 instructions='Be brief, please' max_output_tokens=300",
    )
    magics = magics_of(ip)
    assert (magics.temperature, magics.instructions, magics.max_output_tokens) == (
        0.25,
        "Be brief, please",
        300,
    )
    assert "Be brief, please" in ip.publisher.html()
    run(ip, "%config Responses.model = 'emulator/echo'")
    assert magics.model == "emulator/echo"


def test_config_clears_a_setting_with_an_empty_value(ip):
    run(ip, "%responses config reasoning=high summary=auto")
    assert magics_of(ip).reasoning == "high"
    run(ip, "%responses config reasoning= summary=")
    assert (magics_of(ip).reasoning, magics_of(ip).summary) == (None, None)


def test_offline_switch_also_routes_python_clients(ip, monkeypatch):
    import or_jupyter as orj

    monkeypatch.delenv("OR_JUPYTER_OFFLINE")
    magics_of(ip).offline = False
    assert not orj.Client(api_key="k").offline
    run(ip, "%responses offline on")
    assert orj.Client().offline
    run(ip, "%responses offline off")
    orj.offline()  # the Python switch reaches the magic too
    assert magics_of(ip).client.offline


def test_config_rejects_unknown_settings(ip, capsys):
    run(ip, "%responses config colour=blue")
    assert "unknown setting 'colour'" in capsys.readouterr().err


def test_models_lists_a_table_and_filters(ip):
    run(ip, "%responses models gpt")
    html = ip.publisher.html()
    assert "openai/gpt-5-mini" in html and "anthropic" not in html
    assert "$/M in" in html


def test_history_and_reset(ip, capsys):
    run(ip, "%%responses\n6*7")
    run(ip, "%responses history")
    assert "6*7" in ip.publisher.html()
    run(ip, "%responses reset")
    assert "default" not in magics_of(ip).chats


def test_key_is_read_with_getpass_kept_in_memory_only_and_never_shown(ip, monkeypatch, capsys):
    secret = "sk-or-v1-TOPSECRET-123"
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": secret)
    run(ip, "%responses key")
    run(ip, "%responses config")
    shown = capsys.readouterr().out + ip.publisher.html() + repr(magics_of(ip).client)
    assert secret not in shown
    assert "api key" in shown and "set" in shown
    assert secret not in os.environ.values()  # `!env` and child processes must not see it
    child = subprocess.run(["env"], capture_output=True, text=True, check=True).stdout
    assert secret not in child


def test_offline_switch(ip, capsys):
    run(ip, "%responses offline off")
    assert magics_of(ip).offline is False
    run(ip, "%responses offline maybe")
    assert "usage: %responses offline on|off" in capsys.readouterr().err
    run(ip, "%responses offline on")
    assert magics_of(ip).client.offline


def test_terminal_mode_streams_plain_text(ip, capsys):
    magics_of(ip).frontend = "terminal"
    run(ip, "%%responses --reasoning low\n10*5")
    out = capsys.readouterr().out
    assert "**50**" in out and "scripted by the local emulator" in out
    assert "<p>" not in out and "<details" not in out


def test_terminal_view_dims_reasoning_when_colour_is_on():
    import io

    from or_jupyter import Event

    out = io.StringIO()
    view = TerminalView(out, color=True)
    view.on_event(Event("response.reasoning_text.delta", {"delta": "hmm"}))
    view.on_event(Event("response.output_text.delta", {"delta": "Answer"}))
    assert out.getvalue() == "\033[2mhmm\033[0m\n\nAnswer"


@pytest.mark.kernel
def test_executed_notebook_keeps_answer_reasoning_and_tool_cards(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext or_jupyter\n%responses offline on"),
        nbformat.v4.new_code_cell(
            "def get_weather(city: str) -> dict:\n    '''Weather.'''\n"
            "    return {'city': city, 'sky': 'clear'}"
        ),
        nbformat.v4.new_code_cell(
            "%%responses -m emulator/assistant --reasoning low --tools get_weather\n"
            "get_weather city=Quito"
        ),
    ]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    path = tmp_path / "saved.ipynb"
    nbformat.write(nb, path)
    saved = nbformat.read(path, as_version=4)
    outputs = saved.cells[2].outputs
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert all(o.output_type == "display_data" for o in outputs)
    assert '<details class="orj-pane orj-reasoning">' in html  # folded
    assert '<details class="orj-pane orj-tool">' in html and "Quito" in html
    assert "clear" in html and 'class="orj-footer"' in html
    assert not any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)


@pytest.mark.kernel
def test_kernel_interrupt_stops_the_stream_keeps_the_partial_answer_and_the_next_cell_works():
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        client.execute_interactive(
            "import os; os.environ['OR_JUPYTER_EMULATOR_TPS'] = '300'\n"
            "%load_ext or_jupyter\n%responses offline on",
            timeout=60,
        )
        msg_id = client.execute(
            "%%responses -m emulator/long --max-output-tokens 8000\nwrite a lot"
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # interrupt once the answer is streaming
            if "<h1>" in _drawn_html(client.get_iopub_msg(timeout=30)):
                break
        time.sleep(0.3)
        manager.interrupt_kernel()
        reply = client.get_shell_msg(timeout=30)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = client.get_shell_msg(timeout=30)
        assert reply["content"]["status"] == "ok", "\n".join(reply["content"].get("traceback", []))
        outputs = []
        client.execute_interactive(
            "chat = get_ipython().magics_manager.registry['Responses'].chats['default']\n"
            "print(chat.history[-1]['status'], len(chat.history[-1]['content'][0]['text']))",
            timeout=30,
            output_hook=lambda m: outputs.append(m["content"].get("text", "")),
        )
        status, length = "".join(outputs).split()
        assert status == "incomplete" and int(length) > 0
        outputs.clear()
        client.execute_interactive("%%responses -m emulator/assistant --out r\n6*7", timeout=30)
        client.execute_interactive(
            "print(r.output_text)",
            timeout=30,
            output_hook=lambda m: outputs.append(m["content"].get("text", "")),
        )
        assert "42" in "".join(outputs)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def _drawn_html(message: dict) -> str:
    """The HTML an iopub message draws: a display output's, or a live widget's new value."""
    content = message["content"]
    html = content.get("data", {}).get("text/html", "")
    state = content.get("data", {}).get("state", {})
    return html or (state.get("value", "") if isinstance(state, dict) else "")


def test_fix_and_explain_lines_become_awaiting_cells_in_a_kernel():
    from or_jupyter.notebook import awaiting_cells

    [code] = awaiting_cells(["%responses fix openai/gpt-5-mini\n"])
    assert code.endswith(".help_async('fix', 'openai/gpt-5-mini')\n")
    [code] = awaiting_cells(["%responses explain"])
    assert code.endswith(".help_async('explain', '')\n")
    for untouched in (
        ["%responses fixes\n"],
        ["%responses fix\n", "print(1)\n"],
        ["%responses models\n"],
    ):
        assert awaiting_cells(untouched) == untouched


@pytest.mark.kernel
def test_fix_in_a_kernel_awaits_and_sends_the_failing_cell():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext or_jupyter\n%responses offline on"),
        nbformat.v4.new_code_cell("ratio = 1 / 0"),
        nbformat.v4.new_code_cell("%responses explain"),
        nbformat.v4.new_code_cell(
            "chat = get_ipython().magics_manager.registry['Responses'].chats['fix']\n"
            "sent = str(chat.history[0])\n"
            "print(chat.responses[-1].status, 'ratio = 1 / 0' in sent, 'ZeroDivisionError' in sent)\n"
            "print('help_async' in In[3])"
        ),
    ]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    drawn = "".join(o.get("data", {}).get("text/html", "") for o in nb.cells[2].outputs)
    assert 'class="orj-footer"' in drawn  # the explanation was drawn as any answer is
    assert [o.text for o in nb.cells[3].outputs] == ["completed True True\nTrue\n"]
