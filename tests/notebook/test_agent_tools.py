"""The kernel as a tool: `kernel_tools()` in a real IPython shell, and over HTTP to the emulator."""

from __future__ import annotations

import json
import threading
import time

import pytest
from helpers.display_capture import shell_with_capture

import or_jupyter as orj
from or_jupyter.notebook.agent import capture
from or_jupyter.notebook.agent.kernel_tools import MODEL_TEXT_LIMIT, describe_variables

KEY = "sk-or-v1-agent-test-key-0123456789abcdef"
TOKEN = "tok-the-agent-secret-4242"


@pytest.fixture
def shell(monkeypatch):
    shell, publisher = shell_with_capture()
    monkeypatch.setenv("OPENROUTER_API_KEY", KEY)
    monkeypatch.setenv("SERVICE_TOKEN", TOKEN)
    publisher.reset()
    shell.publisher = publisher
    yield shell
    for name in ("df", "x", "helper", "np_like", "figure_made"):
        shell.user_ns.pop(name, None)


def tools(shell, **options):
    return {tool.name: tool for tool in orj.kernel_tools(shell, auto=True, **options)}


def run(shell, code, **options):
    return tools(shell, **options)["run_python"].invoke({"code": code})


def test_the_tools_have_schemas_and_run_python_runs_on_the_main_thread_asking_first(shell):
    asked = {t.name: t for t in orj.kernel_tools(shell)}
    assert list(asked) == ["run_python", "inspect_variables", "read_notebook"]
    assert asked["run_python"].confirm and asked["run_python"].main_thread
    assert not tools(shell)["run_python"].confirm  # auto
    assert asked["run_python"].schema["parameters"]["required"] == ["code"]
    assert not asked["inspect_variables"].confirm and not asked["read_notebook"].confirm


def test_output_printed_displayed_and_the_last_value_are_captured_in_order(shell):
    steps = []
    code = (
        "import sys\nx = 6 * 7\nprint('first')\nprint('oops', file=sys.stderr)\n"
        "from IPython.display import display, HTML\ndisplay(HTML('<em>bold</em>'))\nx + 1"
    )
    result = run(shell, code, steps=steps)
    assert result.status == "done" and shell.user_ns["x"] == 42  # the notebook's namespace
    kinds = [(o["kind"], o.get("name")) for o in steps[0].outputs]
    assert kinds == [
        ("stream", "stdout"),
        ("stream", "stderr"),
        ("display", None),
        ("display", None),
    ]
    assert steps[0].outputs[-1]["data"]["text/plain"] == "43"
    assert result.output.splitlines()[1:] == ["first", "oops", "bold", "43"]
    assert "<em>bold</em>" in result.html and "first" in result.html
    assert shell.publisher.outputs() == []  # nothing leaked to the cell's own outputs


def test_a_dataframe_reaches_the_model_as_text_and_the_card_as_an_html_table(shell):
    pd = pytest.importorskip("pandas")
    shell.user_ns["df"] = pd.DataFrame({"region": ["North", "South"], "revenue": [120, 80]})
    result = run(shell, "df")
    assert "region" in result.output and "North" in result.output and "120" in result.output
    assert "<table" in result.html and "<td>North</td>" in result.html
    assert "<table" not in result.output


def test_a_figure_goes_back_as_an_input_image_part_and_is_drawn_in_the_card(shell):
    pytest.importorskip("matplotlib")
    code = "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nplt.plot([1, 3, 2])"
    result = run(shell, code)
    assert result.status == "done" and len(result.images) == 1
    assert result.images[0].startswith("data:image/png;base64,iVBOR")
    text, image = result.model_output
    assert text == {"type": "input_text", "text": result.output}
    assert image == {"type": "input_image", "detail": "auto", "image_url": result.images[0]}
    assert "[figure 1: sent as an image]" in result.output
    assert '<img src="data:image/png;base64,' in result.html
    import matplotlib.pyplot as plt

    assert plt.get_fignums() == []  # shown in the step, not again at the cell's end


def test_an_exception_gives_its_traceback_from_the_step_without_ansi(shell):
    result = run(
        shell, "def helper():\n    raise ValueError('\\x1b[31mbad\\x1b[0m value')\nhelper()"
    )
    assert result.status == "error" and result.error == "ValueError: bad value"
    assert "Traceback" in result.output and "<agent step" in result.output
    assert "in helper" in result.output and "ValueError: bad value" in result.output
    assert "\x1b" not in result.output and "capture.py" not in result.output
    assert "raised an exception" in result.output


def test_a_syntax_error_is_reported_to_the_model(shell):
    result = run(shell, "x = (1,")
    assert result.status == "error" and "SyntaxError" in result.output


def test_long_output_is_cut_with_a_note(shell):
    result = run(shell, "print('y' * 50_000)")
    assert len(result.output) < MODEL_TEXT_LIMIT + 200
    assert "[… output cut:" in result.output and "more characters not shown]" in result.output


def test_secrets_are_redacted_however_the_code_shows_them(shell):
    pd = pytest.importorskip("pandas")
    shell.user_ns["df"] = pd.DataFrame({"secret": [TOKEN]})
    code = (
        "import os\nprint(os.environ['OPENROUTER_API_KEY'])\nprint(os.environ['SERVICE_TOKEN'])\n"
        "print(dict(os.environ))\nprint('in memory:', 'sk-or-v1-session-only-key-99999')\n"
        "display(df)\nraise RuntimeError('token ' + os.environ['SERVICE_TOKEN'])"
    )
    result = run(shell, code, keys=lambda: ["sk-or-v1-session-only-key-99999"])
    everything = result.output + result.html + json.dumps(result.model_output)
    for secret in (KEY, TOKEN, "sk-or-v1-session-only-key-99999"):
        assert secret not in everything
    assert result.output.count("[redacted]") >= 6
    assert "RuntimeError: token [redacted]" in result.output


def test_a_kernel_interrupt_stops_running_code_and_the_step_says_interrupted(shell):
    def interrupt_when_running():
        while not capture._running.locked():
            time.sleep(0.005)
        assert capture.interrupt_step()

    helper = threading.Thread(target=interrupt_when_running)
    helper.start()
    result = run(
        shell, "import time\nprint('started')\nfor _ in range(6000):\n    time.sleep(0.005)"
    )
    helper.join()
    assert result.status == "interrupted" and "started" in result.output
    assert "KeyboardInterrupt" in result.output and "was interrupted" in result.output
    assert not capture.interrupt_step()  # nothing runs now: nothing to interrupt


def test_variables_are_described_without_modules_functions_or_ipython_names(shell):
    pd = pytest.importorskip("pandas")
    shell.user_ns["df"] = pd.DataFrame({"region": ["North"], "revenue": [1.5]})
    shell.user_ns["x"] = [1, 2, 3]
    shell.user_ns["np_like"] = type("Shaped", (), {"shape": (2, 3), "__repr__": lambda s: "S"})()
    shell.run_cell("def helper(): pass\nimport json")
    text = describe_variables(shell)
    assert "df: pandas.DataFrame, 1 rows × 2 columns: region (" in text
    assert "), revenue (float64)" in text
    assert "North" in text and "x: list, length 3 = [1, 2, 3]" in text
    assert "np_like:" in text and "shape (2, 3)" in text
    names = {line.split(":")[0] for line in text.splitlines() if ":" in line}
    assert names.isdisjoint({"helper", "json", "In", "Out", "_", "get_ipython", "exit"})
    assert (
        tools(shell)["inspect_variables"].invoke({"names": ["nope"]}).output == "nope: not defined"
    )


def test_read_notebook_gives_the_last_cells(shell, monkeypatch):
    shell.run_cell("a_value = 41 + 1", store_history=True)
    inputs = [*shell.history_manager.input_hist_raw, "%%responses --agent\nnow"]  # this cell
    monkeypatch.setattr(shell.history_manager, "input_hist_raw", inputs)  # the shell is shared
    output = tools(shell)["read_notebook"].invoke({"count": 2}).output
    assert "a_value = 41 + 1" in output and "Notebook context" in output


def test_a_conversation_sends_figures_back_and_the_emulator_answers_from_them(shell):
    """Over HTTP: the list output validates at the emulator, which reads text and image."""
    pytest.importorskip("matplotlib")
    chat = orj.Conversation(
        model="emulator/assistant",
        tools=orj.kernel_tools(shell, auto=True),
        client=orj.Client(offline=True),
    )
    prompt = (
        "Plot this:\n```python\nimport matplotlib\nmatplotlib.use('Agg')\n"
        "import matplotlib.pyplot as plt\nplt.bar(['a', 'b'], [3, 1])\nprint('drawn')\n```"
    )
    response = chat.send(prompt)
    kinds = [item["type"] for item in chat.history]
    assert kinds == ["message", "function_call", "function_call_output", "message"]
    parts = chat.history[2]["output"]
    assert [p["type"] for p in parts] == ["input_text", "input_image"]
    assert "drawn" in parts[0]["text"]
    assert "I ran 1 step of code" in response.output_text
    assert (
        "In the figure of step 1: I see a" in response.output_text
        and "PNG image" in response.output_text
    )


def test_a_denied_step_tells_the_model_and_runs_nothing(shell):
    class Deny(orj.Observer):
        def confirm(self, tool, call):
            return False

    steps = []
    chat = orj.Conversation(
        model="emulator/assistant",
        tools=orj.kernel_tools(shell, steps=steps),
        client=orj.Client(offline=True),
    )
    chat.send("Run:\n```python\nfigure_made = 1\n```", observer=Deny())
    (output,) = [i for i in chat.history if i["type"] == "function_call_output"]
    assert output["output"] == "Error: the user declined to run run_python."
    assert steps == [] and "figure_made" not in shell.user_ns
