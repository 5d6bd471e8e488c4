"""A default time limit for tools that set none: run_calls(timeout=...), Conversation.tool_timeout."""

import dataclasses
import threading

import httpx
import pytest

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.chat.conversation import Conversation
from or_jupyter.tools import run_calls, tool


@dataclasses.dataclass
class Call:
    name: str
    arguments: str = "{}"
    call_id: str = "call_1"


release = threading.Event()  # set at the end of each test, so the abandoned threads finish


@pytest.fixture(autouse=True)
def _release_threads():
    release.clear()
    yield
    release.set()


@tool
def hang() -> str:
    """Wait until the test ends."""
    release.wait(30)
    return "late"


@tool(timeout=5)
def own_limit() -> str:
    """Wait a little, within its own limit."""
    release.wait(0.3)
    return "in time"


def test_run_calls_timeout_bounds_tools_without_their_own():
    results = run_calls(
        [Call("hang", call_id="a"), Call("own_limit", call_id="b")], [hang, own_limit], timeout=0.1
    )
    assert [(r.call_id, r.status) for r in results] == [("a", "timeout"), ("b", "done")]
    assert results[0].output == "Error: hang did not finish within 0.1 s and was abandoned."
    assert results[0].error == "Timeout: no result after 0.1 s"


def test_a_tools_own_timeout_wins_over_the_default():
    @tool(timeout=0.1)
    def quick_limit() -> str:
        release.wait(30)
        return "late"

    [result] = run_calls([Call("quick_limit")], [quick_limit], timeout=60)
    assert result.status == "timeout" and "within 0.1 s" in result.output


def test_run_calls_rejects_a_timeout_that_is_not_positive():
    with pytest.raises(ValueError, match="timeout must be a positive number of seconds"):
        run_calls([Call("hang")], [hang], timeout=0)


def test_conversation_tool_timeout_defaults_to_300_seconds_and_none_means_no_limit():
    assert Conversation().tool_timeout == 300.0
    assert Conversation(tool_timeout=None).tool_timeout is None


def test_conversation_tool_timeout_bounds_its_tools():
    with emulator.start() as emu:
        client = orj.Client(
            api_key="k", base_url=emu.base_url, http_client=httpx.Client(timeout=30)
        )
        chat = Conversation(model="emulator/assistant", tools=[hang], client=client)
        chat.tool_timeout = 0.2  # as the magic sets it
        chat.send("call hang")
    [output] = [i["output"] for i in chat.history if i["type"] == "function_call_output"]
    assert output == "Error: hang did not finish within 0.2 s and was abandoned."
