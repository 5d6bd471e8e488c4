"""A tool raising a BaseException (SystemExit, KeyboardInterrupt, ...) is an error for the model,
not an exception in the user's cell, and the other calls of the turn keep their results."""

import dataclasses

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


class Custom(BaseException):
    pass


ESCAPES = [
    (KeyboardInterrupt(), "Error: KeyboardInterrupt"),
    (SystemExit(3), "Error: SystemExit: 3"),
    (GeneratorExit(), "Error: GeneratorExit"),
    (Custom("odd"), "Error: Custom: odd"),
]
IDS = [type(exc).__name__ for exc, _ in ESCAPES]


def fine() -> str:
    return "fine"


@pytest.mark.parametrize(("exc", "output"), ESCAPES, ids=IDS)
def test_a_sync_tool_raising_a_base_exception_is_an_error_output(exc, output):
    @tool
    def leave():
        raise exc

    results = run_calls([Call("leave", call_id="a"), Call("fine", call_id="b")], [leave, fine])
    assert [(r.call_id, r.status, r.output) for r in results] == [
        ("a", "error", output),
        ("b", "done", "fine"),
    ]
    assert results[0].error == output.removeprefix("Error: ")
    assert "raise exc" in results[0].traceback


@pytest.mark.parametrize(("exc", "output"), ESCAPES, ids=IDS)
def test_an_async_tool_raising_a_base_exception_is_an_error_output(exc, output):
    @tool
    async def leave():
        raise exc

    results = run_calls([Call("leave", call_id="a"), Call("fine", call_id="b")], [leave, fine])
    assert [(r.call_id, r.status, r.output) for r in results] == [
        ("a", "error", output),
        ("b", "done", "fine"),
    ]


def test_a_tool_calling_sys_exit_does_not_end_the_send():
    @tool
    def quit_now() -> str:
        """Quit."""
        raise SystemExit(3)

    with emulator.start() as emu:
        client = orj.Client(
            api_key="k", base_url=emu.base_url, http_client=httpx.Client(timeout=30)
        )
        chat = Conversation(model="emulator/assistant", tools=[quit_now], client=client)
        chat.send("call quit_now")
    outputs = [i["output"] for i in chat.history if i["type"] == "function_call_output"]
    assert outputs == ["Error: SystemExit: 3"]
