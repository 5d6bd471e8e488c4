"""Cancelling a turn's calls: control comes back even while a plain function hangs; every call
still gets an output, so the history stays valid for the next send."""

import asyncio
import dataclasses
import threading

import httpx
import pytest

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.chat.conversation import Conversation
from or_jupyter.tools import arun_calls, run_calls, tool


@dataclasses.dataclass
class Call:
    name: str
    arguments: str = "{}"
    call_id: str = "call_1"


never = threading.Event()  # never set while a test runs; set after it so the threads end
hanging = threading.Event()  # set once a call of `hang` has started


@pytest.fixture(autouse=True)
def _end_the_hanging_threads():
    never.clear()
    hanging.clear()
    yield
    never.set()


@tool
def hang() -> str:
    """Wait forever."""
    hanging.set()
    never.wait()
    return "late"


def fine() -> str:
    return "fine"


def in_background(fn):
    """Run fn in a thread; the caller joins it with a generous limit to see that it returned."""
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("value", fn()), daemon=True)
    thread.start()
    return thread, box


def test_cancel_ends_run_calls_while_a_thread_hangs_and_keeps_finished_results():
    async_cancelled = threading.Event()

    @tool
    async def wait_async() -> str:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            async_cancelled.set()
            raise
        return "late"

    cancel, finished = threading.Event(), []
    calls = [Call("hang", call_id="a"), Call("fine", call_id="b"), Call("wait_async", call_id="c")]
    threading.Timer(0.3, cancel.set).start()
    thread, box = in_background(
        lambda: run_calls(calls, [hang, fine, wait_async], cancel=cancel, on_finish=finished.append)
    )
    thread.join(10)
    assert not thread.is_alive()
    results = box["value"]
    assert [(r.call_id, r.status, r.output) for r in results] == [
        ("a", "cancelled", "Error: cancelled by the user"),
        ("b", "done", "fine"),
        ("c", "cancelled", "Error: cancelled by the user"),
    ]
    assert results[0].error == "Cancelled: the user stopped the call"
    assert sorted(r.call_id for r in finished) == ["a", "b", "c"]
    assert async_cancelled.wait(5)


def test_an_event_set_before_the_calls_cancels_them_all():
    cancel = threading.Event()
    cancel.set()
    [result] = run_calls([Call("hang")], [hang], cancel=cancel)
    assert result.status == "cancelled"


def test_arun_calls_cancel_works_on_the_callers_loop():
    cancel = threading.Event()

    async def main():
        asyncio.get_running_loop().call_later(0.3, cancel.set)
        return await arun_calls(
            [Call("hang", call_id="a"), Call("fine", call_id="b")], [hang, fine], cancel=cancel
        )

    thread, box = in_background(lambda: asyncio.run(main()))
    thread.join(10)
    assert not thread.is_alive()
    assert [r.status for r in box["value"]] == ["cancelled", "done"]


def test_conversation_cancel_returns_while_a_tool_hangs_and_the_next_send_works():
    with emulator.start() as emu:
        client = orj.Client(
            api_key="k", base_url=emu.base_url, http_client=httpx.Client(timeout=30)
        )
        chat = Conversation(model="emulator/assistant", tools=[hang], client=client)
        thread, _ = in_background(lambda: chat.send("call hang"))
        assert hanging.wait(10)
        chat.cancel()
        thread.join(10)
        assert not thread.is_alive()
        calls = [i["call_id"] for i in chat.history if i["type"] == "function_call"]
        outputs = [i for i in chat.history if i["type"] == "function_call_output"]
        assert len(calls) == 1 and [o["call_id"] for o in outputs] == calls
        assert outputs[0]["output"] == "Error: cancelled by the user"
        after = chat.send("10*5")
    assert "50" in after.output_text
