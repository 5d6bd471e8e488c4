"""`%%responses --agent`: in a shell (the cell's options, footer, next cell, `--out` steps) and
in a real kernel against the emulator (a figure in the card, saved as plain HTML)."""

from __future__ import annotations

import json

import pytest
from helpers.lazy import lazy_module
from helpers.magic_shell import magic_shell
from IPython.core.error import UsageError

from or_jupyter.notebook.agent.capture import Step
from or_jupyter.notebook.agent.mode import AgentResponse, next_cell

nbformat = lazy_module("nbformat")
nbclient = lazy_module("nbclient")

KEY = "sk-or-v1-agent-kernel-key-0123456789abcdef"
SALES = """\
import pandas as pd
sales = pd.DataFrame({
    "month": ["Jan", "Jan", "Feb", "Feb", "Mar", "Mar"],
    "region": ["North", "South", "North", "South", "North", "South"],
    "revenue": [120, 80, 135, 95, 150, 90],
})
"""
SUMMARY = """\
import json
print(json.dumps({
    "type": type(r).__name__, "steps": [[s.code, s.status, [o["kind"] for o in s.outputs]] for s in r.steps],
    "answer": r.output_text, "summary": {k: int(v) for k, v in summary.items()},
}))
"""


@pytest.fixture(scope="module")
def agent_run(tmp_path_factory):
    """A notebook whose agent cell (auto) analyses and plots a DataFrame, run in a kernel."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext or_jupyter\n%responses offline on"),
        nbformat.v4.new_code_cell(SALES),
        nbformat.v4.new_code_cell(
            "%%responses --agent auto -m emulator/assistant --out r\n"
            "Compute the total revenue by region and plot it."
        ),
        nbformat.v4.new_code_cell(SUMMARY),
    ]
    replies = {}

    def keep_reply(cell, cell_index, execute_reply):
        replies[cell_index] = execute_reply

    with pytest.MonkeyPatch.context() as env:
        env.setenv("OPENROUTER_API_KEY", KEY)
        client = nbclient.NotebookClient(
            nb, timeout=120, kernel_name="python3", on_cell_executed=keep_reply
        )
        client.execute()
    path = tmp_path_factory.mktemp("agent") / "agent.ipynb"
    nbformat.write(nb, path)
    summary = json.loads(nb.cells[3].outputs[0]["text"])
    return path, nb, summary, replies


@pytest.mark.kernel
def test_the_agent_inspects_computes_plots_and_answers_from_the_result(agent_run):
    _, _, summary, _ = agent_run
    assert summary["type"] == "AgentResponse"
    (compute, c_status, c_kinds), (plot, p_status, p_kinds) = summary["steps"]
    assert "sales.groupby('region')['revenue'].sum()" in compute and c_status == "done"
    assert "summary.plot.bar(" in plot and p_status == "done" and p_kinds == ["display"]
    assert summary["summary"] == {"North": 405, "South": 265}  # the namespace has the result
    assert (
        "I ran 2 steps" in summary["answer"]
        and "**North** comes first with 405" in summary["answer"]
    )
    assert "In the figure of step 2: I see a" in summary["answer"]


@pytest.mark.kernel
def test_the_cards_code_and_figure_are_saved_as_plain_html_without_the_key(agent_run):
    path, nb, _, _ = agent_run
    assert KEY not in path.read_text()
    html = "".join(o.get("data", {}).get("text/html", "") for o in nb.cells[2].outputs)
    assert "application/vnd.jupyter.widget-view+json" not in json.dumps(nb.cells[2].outputs)
    assert html.count("orj-step-code") == 2 and "groupby" in html
    assert '<img src="data:image/png;base64,' in html
    assert "inspect_variables" in html and "agent: code ran without asking" in html


@pytest.mark.kernel
def test_the_steps_are_offered_as_one_new_cell_below(agent_run):
    _, _, summary, replies = agent_run
    (payload,) = [p for p in replies[2]["content"]["payload"] if p["source"] == "set_next_input"]
    assert payload["replace"] is False
    text = payload["text"]
    assert text.startswith("# The agent's code from the cell above")
    assert "# Step 1\nsummary = sales.groupby" in text and "# Step 2\nimport matplotlib" in text
    assert all(p["source"] != "set_next_input" for p in replies[1]["content"]["payload"])


def test_a_failed_step_is_kept_commented_out_in_the_next_cell():
    code = next_cell([Step("x = 1"), Step("1/0\nprint(2)", status="error")])
    assert "# Step 1\nx = 1" in code
    assert "# Step 2 (error, left out)\n# 1/0\n# print(2)" in code
    assert next_cell([]) is None


def test_agent_auto_in_a_shell_keeps_steps_in_out_and_says_so_in_the_footer(monkeypatch):
    shell = magic_shell(monkeypatch)
    shell.rl_next_input = None
    shell.run_cell_magic(
        "responses",
        "--agent auto --out run",
        "Run it:\n```python\nanswer_value = 6 * 7\nanswer_value\n```",
    )
    run = shell.user_ns["run"]
    assert isinstance(run, AgentResponse) and [s.status for s in run.steps] == ["done"]
    assert run.steps[0].outputs[0]["data"]["text/plain"] == "42"
    assert shell.user_ns["answer_value"] == 42
    assert "# Step 1\nanswer_value = 6 * 7" in shell.rl_next_input
    html = shell.publisher.html()
    assert "agent: code ran without asking (--agent auto)" in html


def test_config_agent_sets_what_a_bare_agent_means_and_bad_values_are_one_line(monkeypatch):
    shell = magic_shell(monkeypatch)
    magics = shell.magics_manager.registry["Responses"]
    shell.run_line_magic("responses", "config agent=auto")
    try:
        assert magics.agent == "auto"
        shell.rl_next_input = None
        shell.run_cell_magic("responses", "--agent", "Run:\n```python\nprint('ran')\n```")
        assert "# Step 1\nprint('ran')" in shell.rl_next_input
        with pytest.raises(UsageError, match="agent must be one of ask, auto"):
            shell.run_line_magic("responses", "config agent=sometimes")
        with pytest.raises(UsageError, match="--agent maybe: choose ask or auto"):
            shell.run_cell_magic("responses", "--agent maybe", "hi")
        with pytest.raises(UsageError, match="one model at a time"):
            shell.run_cell_magic("responses", "--agent -m emulator/echo,emulator/assistant", "hi")
    finally:
        magics.agent = None


@pytest.mark.filterwarnings("ignore:Widget.widgets is deprecated")
def test_the_chatform_agent_switch_asks_in_the_form_then_runs_the_step(monkeypatch):
    import time

    import ipywidgets as W

    import or_jupyter as orj

    shell = magic_shell(monkeypatch)
    form = orj.ChatForm(model="emulator/assistant", client=orj.Client(offline=True))
    form.agent.value = True
    form.prompt.value = "Run:\n```python\nform_value = 7 * 6\nprint(form_value)\n```"
    assert form.send()

    def approve_button():
        return next(
            (
                w
                for w in list(W.Widget.widgets.values())
                if isinstance(w, W.Button)
                and w.description == "Approve"
                and w._click_handlers.callbacks  # the row is whole: its buttons answer
            ),
            None,
        )

    while (button := approve_button()) is None and form.running:
        time.sleep(0.01)
    assert button is not None
    button.click()
    assert form.wait(60)
    assert form.error is None and shell.user_ns["form_value"] == 42
    assert [step.status for step in form.agent_steps] == ["done"]
    assert "I ran 1 step of code" in form.response.output_text
    assert "Step 1 printed: `42`" in form.response.output_text


def test_an_unapproved_step_runs_nothing_tells_the_model_and_offers_no_cell(monkeypatch):
    shell = magic_shell(monkeypatch)  # not a kernel: nobody can click Approve, so it is denied
    shell.rl_next_input = None
    shell.user_ns.pop("never_set", None)
    shell.run_cell_magic(
        "responses", "--agent --new --out denied", "Run:\n```python\nnever_set = 1\n```"
    )
    denied = shell.user_ns["denied"]
    assert denied.steps == [] and "never_set" not in shell.user_ns
    assert shell.rl_next_input is None
    assert "1 step was not run: `Error: run_python was not run" in denied.output_text
    assert "agent: each code step asked first" in shell.publisher.html()


LONG_STEP = """\
%%responses --agent auto -m emulator/assistant --out r
Run:
```python
import time
print("started")
for _ in range(1200):
    time.sleep(0.05)
```
"""


@pytest.mark.kernel
@pytest.mark.slow
def test_a_kernel_interrupt_stops_a_running_step_and_the_history_stays_answerable():
    """The interrupt reaches the code on the main thread: the step is `interrupted`, every
    call of the history has its output, and the next cell of the same chat works."""
    import time

    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        client.execute_interactive("%load_ext or_jupyter\n%responses offline on", timeout=60)
        msg_id = client.execute(LONG_STEP)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # interrupt once the step's card is drawn
            message = client.get_iopub_msg(timeout=30)
            if "orj-step-code" in json.dumps(message["content"]):
                break
        time.sleep(1)  # the code is running by now (it runs for a minute)
        manager.interrupt_kernel()
        reply = client.get_shell_msg(timeout=30)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = client.get_shell_msg(timeout=30)
        said: list[str] = []
        client.execute_interactive(
            "import json\n"
            "chat = get_ipython().magics_manager.registry['Responses'].chats['default']\n"
            "calls = [i['call_id'] for i in chat.history if i['type'] == 'function_call']\n"
            "outs = [i['call_id'] for i in chat.history if i['type'] == 'function_call_output']\n"
            "print(json.dumps([calls == outs, [s.status for s in r.steps]]))",
            timeout=30,
            output_hook=lambda m: said.append(m["content"].get("text", "")),
        )
        consistent, statuses = json.loads("".join(said))
        assert consistent and statuses == ["interrupted"]
        said.clear()
        client.execute_interactive("%%responses -m emulator/assistant --out r2\n6*7", timeout=30)
        client.execute_interactive(
            "print(r2.output_text)",
            timeout=30,
            output_hook=lambda m: said.append(m["content"].get("text", "")),
        )
        assert "42" in "".join(said)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
