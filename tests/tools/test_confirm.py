"""Approval of confirm=True tools: only an explicit True runs the tool."""

import dataclasses

import pytest

from or_jupyter.tools import run_calls, tool


@dataclasses.dataclass
class Call:
    name: str
    arguments: str = "{}"
    call_id: str = "call_1"


@pytest.mark.parametrize("answer", ["no", 1, [], "yes", False])
def test_a_confirm_answer_other_than_true_denies(answer):
    ran = []

    @tool(confirm=True)
    def delete_files():
        ran.append(1)
        return "deleted"

    [result] = run_calls([Call("delete_files")], [delete_files], confirm=lambda t, c: answer)
    assert (result.status, result.output) == (
        "denied",
        "Error: the user declined to run delete_files.",
    )
    assert ran == []


def test_a_confirm_answer_of_none_means_nobody_could_be_asked_and_denies():
    ran = []

    @tool(confirm=True)
    def delete_files():
        ran.append(1)

    [result] = run_calls([Call("delete_files")], [delete_files], confirm=lambda t, c: None)
    assert result.status == "denied" and "no one could be asked" in result.error
    assert ran == []


def test_a_confirm_answer_of_true_runs_the_tool():
    @tool(confirm=True)
    def delete_files():
        return "deleted"

    [result] = run_calls([Call("delete_files")], [delete_files], confirm=lambda t, c: True)
    assert (result.status, result.output, result.error) == ("done", "deleted", None)


def test_a_confirm_callback_that_raises_denies_and_says_why():
    ran = []

    @tool(confirm=True)
    def delete_files():
        ran.append(1)

    def broken(t, call):
        raise RuntimeError("dialog broke")

    [result] = run_calls([Call("delete_files")], [delete_files], confirm=broken)
    assert result.status == "denied"
    assert "delete_files was not run" in result.output
    assert "RuntimeError: dialog broke" in result.output
    assert result.error == "Denied: asking for approval failed: RuntimeError: dialog broke"
    assert ran == []
