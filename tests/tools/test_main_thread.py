"""`main_thread=True` tools run where the calls were asked for, and tools can answer with
images (`RichOutput`), sent back as `input_text` and `input_image` parts."""

from __future__ import annotations

import threading

import or_jupyter as orj
from or_jupyter.tools import arun_calls, run_calls
from or_jupyter.tools.output import RichOutput

PNG_URL = "data:image/png;base64,iVBORw0KGgo="


def call(name: str, call_id: str) -> dict:
    return {"name": name, "call_id": call_id, "arguments": "{}"}


def tools(seen: list):
    @orj.tool(main_thread=True)
    def here() -> str:
        seen.append(("here", threading.current_thread()))
        return "ran here"

    @orj.tool
    def elsewhere() -> str:
        seen.append(("elsewhere", threading.current_thread()))
        return "ran elsewhere"

    return [here, elsewhere]


def test_a_main_thread_tool_runs_in_the_callers_thread_and_others_in_workers():
    seen: list = []
    results = run_calls([call("here", "a"), call("elsewhere", "b")], tools(seen))
    assert [r.output for r in results] == ["ran here", "ran elsewhere"]
    threads = dict(seen)
    assert threads["here"] is threading.current_thread()
    assert threads["elsewhere"] is not threading.current_thread()


def test_the_execute_hook_is_handed_only_the_main_thread_calls():
    seen: list = []
    handed = []

    def execute(fn):
        handed.append(threading.current_thread())
        return fn()

    run_calls([call("here", "a"), call("elsewhere", "b")], tools(seen), execute=execute)
    assert handed == [threading.current_thread()]
    assert dict(seen)["here"] is threading.current_thread()


def test_invoke_runs_a_main_thread_tool_here_too():
    seen: list = []
    here, _ = tools(seen)
    assert here.invoke({}).output == "ran here" and seen == [("here", threading.current_thread())]


async def _async_calls(seen):
    return await arun_calls([call("here", "a")], tools(seen))


def test_arun_calls_runs_a_main_thread_tool_on_the_running_loops_thread():
    import asyncio

    seen: list = []
    [result] = asyncio.run(_async_calls(seen))
    assert result.output == "ran here" and seen == [("here", threading.current_thread())]


def test_a_rich_output_goes_back_as_text_and_image_parts_and_keeps_its_status():
    @orj.tool
    def chart() -> RichOutput:
        return RichOutput("one figure", [PNG_URL], html="<p>card</p>")

    @orj.tool
    def broken() -> RichOutput:
        return RichOutput("it failed", status="error", error="ValueError: no")

    done = chart.invoke({})
    assert done.status == "done" and done.html == "<p>card</p>"
    assert done.model_output == [
        {"type": "input_text", "text": "one figure"},
        {"type": "input_image", "detail": "auto", "image_url": PNG_URL},
    ]
    failed = broken.invoke({})
    assert (failed.status, failed.error, failed.model_output) == (
        "error",
        "ValueError: no",
        "it failed",
    )
