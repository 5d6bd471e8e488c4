"""Each `%%responses` output keeps its Response in metadata; `restore` rebuilds from the file."""

from __future__ import annotations

import json

import pytest
from helpers.lazy import lazy_module
from helpers.magic_shell import magic_shell

import or_jupyter as orj
from or_jupyter.notebook.saved import METADATA_KEY

nbformat = lazy_module("nbformat")
nbclient = lazy_module("nbclient")

KEY = "sk-or-v1-never-in-the-notebook-0123456789"
SUMMARY = """\
import json
chats = get_ipython().magics_manager.registry['Responses'].chats
print(json.dumps({
    "a": [a.output_text, a.usage], "b": [b.output_text, b.usage],
    "c": {m: [r.output_text, r.usage] for m, r in c.items()},
    "default": chats["default"].history, "cmp": {m: x.history for m, x in chats["cmp"].branches.items()},
}))
"""


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A notebook executed in a kernel (offline emulator) and saved; its printed summary."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext or_jupyter\n%responses offline on"),
        nbformat.v4.new_code_cell("%%responses -m emulator/assistant --out a\nWhat is 6*7?"),
        nbformat.v4.new_code_cell("%%responses -m emulator/assistant --out b\nAnd 5*5?"),
        nbformat.v4.new_code_cell(
            "%%responses -m emulator/echo,emulator/assistant --chat cmp --out c\ncompare this"
        ),
        nbformat.v4.new_code_cell(SUMMARY),
    ]
    with pytest.MonkeyPatch.context() as env:
        env.setenv("OPENROUTER_API_KEY", KEY)  # the kernel has a key: it must not be saved
        nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    path = tmp_path_factory.mktemp("saved") / "answers.ipynb"
    nbformat.write(nb, path)
    summary = json.loads(nb.cells[4].outputs[0]["text"])
    return path, summary


def _records(path):
    nb = nbformat.read(path, as_version=4)
    return [
        [o["metadata"][METADATA_KEY] for o in cell.outputs if METADATA_KEY in o.get("metadata", {})]
        for cell in nb.cells
    ]


@pytest.mark.kernel
def test_each_answer_output_holds_its_response_as_json_and_never_the_key(saved):
    path, summary = saved
    assert KEY not in path.read_text()
    records = _records(path)
    assert [len(r) for r in records] == [0, 1, 1, 1, 0]  # one record per answer cell
    first = records[1][0]
    assert first["version"] == 3 and first["out"] == "a" and "chat" not in first  # "default"
    assert first["responses"][0]["model"] == "emulator/assistant"
    assert first["prompt"] == "What is 6*7?"
    whole = orj.responses_in(path).cells
    assert whole[0]["responses"][0]["output_text"] == summary["a"][0]
    assert (whole[0]["chat"], whole[0]["model"]) == ("default", "emulator/assistant")
    compared = records[3][0]
    assert compared["kind"] == "compare"
    assert [r["model"] for r in compared["responses"]] == ["emulator/echo", "emulator/assistant"]
    assert whole[2]["models"] == ["emulator/echo", "emulator/assistant"]


@pytest.mark.kernel
def test_responses_in_reads_the_out_values_and_conversations_from_the_file(saved):
    path, summary = saved
    restored = orj.responses_in(path)
    assert list(restored) == ["a", "b", "c"]
    assert (restored["a"].output_text, restored["a"].usage) == tuple(summary["a"])
    assert isinstance(restored["c"], orj.Comparison)
    assert {m: [r.output_text, r.usage] for m, r in restored["c"].items()} == summary["c"]
    assert restored.chats["default"].history == summary["default"]
    assert {m: b.history for m, b in restored.chats["cmp"].branches.items()} == summary["cmp"]


@pytest.mark.kernel
def test_restore_in_a_fresh_shell_sets_the_variables_and_sends_no_request(
    saved, monkeypatch, server, capsys
):
    path, summary = saved
    shell = magic_shell(monkeypatch, offline=False)
    monkeypatch.setenv("OPENROUTER_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-test-restore")
    magics = shell.magics_manager.registry["Responses"]
    magics.session.set_client(None)
    for name in ("a", "b", "c"):
        shell.user_ns.pop(name, None)
    shell.run_line_magic("responses", f"restore {path}")
    assert "variables a, b, c" in capsys.readouterr().out
    assert [shell.user_ns["a"].output_text, shell.user_ns["a"].usage] == summary["a"]
    assert [shell.user_ns["b"].output_text, shell.user_ns["b"].usage] == summary["b"]
    assert {m: [r.output_text, r.usage] for m, r in shell.user_ns["c"].items()} == summary["c"]
    assert magics.chats["default"].history == summary["default"]
    assert set(magics.chats["cmp"].branches) == {"emulator/echo", "emulator/assistant"}
    assert server.seen == []  # nothing was asked of any server


def test_restore_without_a_known_notebook_is_a_one_line_error(monkeypatch):
    shell = magic_shell(monkeypatch)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    shell.user_ns.pop("__vsc_ipynb_file__", None)
    from IPython.core.error import UsageError

    with pytest.raises(UsageError, match="restore NOTEBOOK"):
        shell.run_line_magic("responses", "restore")
    with pytest.raises(UsageError, match="no file"):
        shell.run_line_magic("responses", "restore /nonexistent/x.ipynb")


def _notebook(*records):
    """A notebook whose cells each have one output carrying `record` as its metadata."""
    nb = nbformat.v4.new_notebook()
    for record in records:
        cell = nbformat.v4.new_code_cell("%%responses")
        cell.outputs = [
            nbformat.v4.new_output("display_data", data={"text/plain": ""}, metadata=record)
        ]
        nb.cells.append(cell)
    return json.loads(nbformat.writes(nb))


def test_a_send_after_a_comparison_continues_that_models_branch_when_read_back():
    from or_jupyter import emulator
    from or_jupyter.notebook.saved import cell_record

    with emulator.start() as emu:
        chat = orj.Conversation(client=orj.Client(api_key="x", base_url=emu.base_url))
        first = chat.send("What is 2*3?", model="emulator/assistant")
        one = cell_record(first, chat, name="default", prompt="What is 2*3?")
        models = ["emulator/echo", "emulator/assistant"]
        compared = chat.compare("compare this", models=models)
        two = cell_record(compared, chat, name="default", prompt="compare this", out="c")
        last = chat.send("And 5*5?", model="emulator/assistant")
        three = cell_record(last, chat, name="default", prompt="And 5*5?", out="d")
    restored = orj.responses_in(_notebook(one, two, three))
    assert list(restored) == ["c", "d"] and restored["d"].output_text == last.output_text
    rebuilt = restored.chats["default"]
    assert rebuilt.history == chat.history and rebuilt.branches == {}
    assert rebuilt.model == "emulator/assistant"
    new = dict(three["or_jupyter"], new=True)
    assert (
        orj.responses_in(_notebook(one, {"or_jupyter": new})).chats["default"].history
        == (chat.history[-2:])
    )


@pytest.mark.kernel
def test_each_answer_is_stored_once_in_its_record(saved):
    path, summary = saved
    records = _records(path)
    for text, record in ((summary["a"][0], records[1][0]), (summary["b"][0], records[2][0])):
        stored = json.dumps(record, ensure_ascii=False)
        assert stored.count(json.dumps(text, ensure_ascii=False)[1:-1]) == 1  # the output only
        # the prompt and the answer are stored once each: turns hold nothing else (the default)
        assert {"turns", "starts_with_prompt", "ends_with_output"}.isdisjoint(record)
        response = record["responses"][0]
        assert set(response).isdisjoint({"output_text", "openrouter_metadata", "status"})
        assert response["output"] == [{"id": response["output"][0]["id"], "text": text}]
    whole = orj.responses_in(path).cells[0]
    assert whole["turns"][0][0] == {"type": "message", "role": "user", "content": "What is 6*7?"}
    assert whole["turns"][0][-1]["content"][0]["text"] == summary["a"][0]
    assert whole["responses"][0]["provider"] == "Emulator"


@pytest.mark.kernel
def test_the_stylesheet_is_in_one_output_of_the_notebook(saved):
    path, _ = saved
    nb = nbformat.read(path, as_version=4)
    styles = [
        index
        for index, cell in enumerate(nb.cells)
        for output in cell.outputs
        if "<style>" in "".join(output.get("data", {}).get("text/html", ""))
    ]
    assert styles == [1]  # the session's first answer; the others use it
    assert all("orj-footer" in "".join(o["data"]["text/html"]) for o in nb.cells[2].outputs[-1:])


def test_a_version_1_record_is_still_read_whole():
    """Version 1 stored every copy: output_text, provider and whole turns."""
    answer = {"type": "message", "id": "m1", "role": "assistant", "status": "completed",
              "content": [{"type": "output_text", "text": "Forty-two", "annotations": []}]}  # fmt: skip
    question = {"type": "message", "role": "user", "content": "The answer?"}
    response = {"id": "r", "model": "emulator/echo", "status": "completed", "output": [answer],
                "output_text": "Forty-two", "provider": None, "usage": None}  # fmt: skip
    v1 = {"version": 1, "kind": "send", "chat": "default", "out": "a", "models": ["emulator/echo"],
          "responses": [response], "turns": [[question, answer]]}  # fmt: skip
    restored = orj.responses_in(_notebook({"or_jupyter": v1}))
    assert restored["a"].output_text == "Forty-two"
    assert restored.chats["default"].history == [question, answer]
    assert restored.cells == [v1]


def test_a_version_2_record_is_still_read_whole():
    """Version 2 stored every field, defaults included, and whole output items."""
    answer = {"id": "m2", "type": "message", "role": "assistant", "status": "completed",
              "content": [{"type": "output_text", "annotations": [], "text": "Forty-two"}]}  # fmt: skip
    usage = {"input_tokens": 5, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 2,
             "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 7}  # fmt: skip
    response = {"id": "r", "model": "emulator/echo", "status": "completed", "output": [answer],
                "usage": usage}  # fmt: skip
    v2 = {"version": 2, "kind": "send", "chat": "default", "new": False, "out": "a",
          "schema": None, "model": "emulator/echo", "models": ["emulator/echo"],
          "prompt": "The answer?", "responses": [response], "turns": [[]],
          "starts_with_prompt": [True], "ends_with_output": [True]}  # fmt: skip
    restored = orj.responses_in(_notebook({"or_jupyter": v2}))
    assert (restored["a"].output_text, restored["a"].usage) == ("Forty-two", usage)
    question = {"type": "message", "role": "user", "content": "The answer?"}
    assert restored.chats["default"].history == [question, answer]


def test_a_compact_record_gives_back_the_response_it_was_made_from():
    from or_jupyter.chat.conversation import Conversation, user_message
    from or_jupyter.notebook.saved import cell_record
    from or_jupyter.protocol import response_from_json

    answer = {"id": "m3", "type": "message", "role": "assistant", "status": "completed",
              "content": [{"type": "output_text", "annotations": [], "text": "Six"}]}  # fmt: skip
    odd = {**answer, "id": "m4", "status": "incomplete"}  # not the plain form: kept whole
    usages = [
        {"input_tokens": 9, "output_tokens": 3, "total_tokens": 12, "is_byok": False,
         "input_tokens_details": {"cached_tokens": 0},
         "output_tokens_details": {"reasoning_tokens": 0}, "cost": 0.001,
         "cost_details": {"upstream_inference_cost": None, "upstream_inference_input_cost": 1e-3}},
        {"input_tokens": 9, "output_tokens": 3, "total_tokens": 13, "is_byok": True,
         "input_tokens_details": {"cached_tokens": 4}},
        {"input_tokens": 9, "output_tokens": 3},
    ]  # fmt: skip
    for usage in usages:
        response = response_from_json(
            {
                "id": "r",
                "model": "m",
                "status": "completed",
                "output": [answer, odd],
                "usage": usage,
                "created_at": 7,
                "openrouter_metadata": {"attempts": [{"provider": "P", "status": 200}]},
            }  # fmt: skip
        )
        chat = Conversation(model="m")
        chat.history = [user_message("Two times three?"), answer, odd]
        record = cell_record(response, chat, name="default", prompt="Two times three?")
        stored = record["or_jupyter"]["responses"][0]
        assert stored["output"][0] == {"id": "m3", "text": "Six"} and stored["output"][1] == odd
        restored = orj.responses_in(_notebook(json.loads(json.dumps(record))))
        back = restored.cells[0]["responses"][0]
        assert back["usage"] == usage and back["output"] == [answer, odd]
        assert (back["provider"], back["status"], back["created_at"]) == ("P", "completed", 7)
        assert restored.chats["default"].history == chat.history


def test_a_record_of_an_unknown_version_or_a_file_that_is_no_notebook_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="version 4"):
        orj.responses_in(_notebook({"or_jupyter": {"version": 4}}))
    path = tmp_path / "not.ipynb"
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="not a notebook"):
        orj.responses_in(path)
