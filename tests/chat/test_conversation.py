"""The tool loop and conversation history, against the emulator and scripted servers."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Literal

import httpx
import pytest
from helpers.recordings import FIXTURES, recorded, spec_validator
from helpers.scripted_server import Reply, sse

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.chat.conversation import Conversation
from or_jupyter.client.tls import tls_context
from or_jupyter.tools import tool


@pytest.fixture(scope="module")
def emu():
    with emulator.start() as handle:
        yield handle


class Recorder:
    """Real HTTP through an httpx client whose hook keeps every request body sent."""

    def __init__(self, base_url: str) -> None:
        self.bodies: list[dict] = []
        http = httpx.Client(verify=tls_context(), event_hooks={"request": [self._keep]}, timeout=30)
        self.client = orj.Client(api_key="k", base_url=base_url, http_client=http, max_retries=0)

    def _keep(self, request: httpx.Request) -> None:
        if request.method == "POST":
            self.bodies.append(json.loads(request.content))


class Events(orj.Observer):
    """An observer that records what the loop reports."""

    def __init__(self) -> None:
        self.log: list[tuple] = []

    def on_event(self, event):
        self.log.append(("event", event.type))

    def on_tool_start(self, call):
        self.log.append(("start", call.name))

    def on_tool_finish(self, result):
        self.log.append(("finish", result.name, result.status, result.duration))

    def on_notice(self, text):
        self.log.append(("notice", text))

    def of(self, kind):
        return [entry for entry in self.log if entry[0] == kind]


def assert_valid(body: dict) -> None:
    errors = [e.message[:200] for e in spec_validator("ResponsesRequest").iter_errors(body)]
    assert errors == []


@tool
def get_weather(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> dict:
    """Get the current weather in a city.

    Args:
        city: The city, e.g. Paris
        unit: Temperature unit
    """
    return {"city": city, "temperature": 21, "unit": unit}


def test_single_tool_call_round_trip_records_the_full_history(emu):
    rec = Recorder(emu.base_url)
    chat = Conversation(model="emulator/assistant", tools=[get_weather], client=rec.client)
    response = chat.send("Use get_weather city=Paris")
    assert response.status == "completed"
    assert '"city":"Paris"' in response.output_text
    kinds = [item["type"] for item in chat.history]
    assert kinds == ["message", "function_call", "function_call_output", "message"]
    call, output = chat.history[1], chat.history[2]
    assert call["id"] and call["call_id"] and json.loads(call["arguments"])["city"] == "Paris"
    assert output["id"] and output["call_id"] == call["call_id"]
    assert json.loads(output["output"]) == {"city": "Paris", "temperature": 21, "unit": "celsius"}
    assert chat.history[3]["role"] == "assistant" and chat.history[3]["status"] == "completed"
    assert len(rec.bodies) == 2
    for body in rec.bodies:
        assert_valid(body)
    assert rec.bodies[1]["input"] == chat.history[:3]


def test_parallel_calls_run_concurrently_and_keep_call_order(emu):
    both = threading.Barrier(2, timeout=10)  # passed only by two calls running at once

    def meet(name: str) -> str:
        try:
            both.wait()
        except threading.BrokenBarrierError:
            return f"{name} alone"
        time.sleep(0.3)
        return f"{name} done"

    @tool
    def slow_a() -> str:
        """Wait for slow_b, then say a."""
        return meet("a")

    @tool
    def slow_b() -> str:
        """Wait for slow_a, then say b."""
        return meet("b")

    events = Events()
    chat = Conversation(
        model="emulator/assistant", tools=[slow_a, slow_b], client=Recorder(emu.base_url).client
    )
    chat.send("Call slow_b and slow_a now", observer=events)
    outputs = [item["output"] for item in chat.history if item["type"] == "function_call_output"]
    assert outputs == ["b done", "a done"]
    assert [e[1] for e in events.of("start")] == ["slow_b", "slow_a"]
    assert {e[1] for e in events.of("finish")} == {"slow_a", "slow_b"}
    assert all(e[3] >= 0.3 for e in events.of("finish"))


def test_forced_tool_choice_calls_the_tool_then_switches_to_auto(emu):
    rec = Recorder(emu.base_url)
    chat = Conversation(model="emulator/assistant", tools=[get_weather], client=rec.client)
    chat.send("Tell me something nice", tool_choice="get_weather")
    assert rec.bodies[0]["tool_choice"] == {"type": "function", "name": "get_weather"}
    assert rec.bodies[1]["tool_choice"] == "auto"
    assert [i["type"] for i in chat.history].count("function_call") == 1


def test_tool_choice_none_answers_without_calling(emu):
    calls = []

    @tool
    def lookup(q: str) -> str:
        """Look something up."""
        calls.append(q)
        return "x"

    chat = Conversation(
        model="emulator/assistant", tools=[lookup], client=Recorder(emu.base_url).client
    )
    response = chat.send("Please lookup q=cats", tool_choice="none")
    assert calls == []
    assert response.function_calls == []
    assert response.output_text


def test_raising_tool_tells_the_model_and_the_loop_goes_on(emu):
    @tool
    def explode() -> str:
        """Always fails."""
        raise ValueError("boom")

    events = Events()
    chat = Conversation(
        model="emulator/assistant", tools=[explode], client=Recorder(emu.base_url).client
    )
    response = chat.send("call explode", observer=events)
    output = next(i for i in chat.history if i["type"] == "function_call_output")
    assert "ValueError: boom" in output["output"]
    assert "ValueError: boom" in response.output_text
    assert events.of("finish")[0][2] == "error"


def test_timing_out_tool_returns_a_timeout_output(emu):
    release, finished = threading.Event(), threading.Event()

    @tool(timeout=0.2)
    def sleepy() -> str:
        """Sleeps too long."""
        release.wait(30)
        finished.set()
        return "late"

    chat = Conversation(
        model="emulator/assistant", tools=[sleepy], client=Recorder(emu.base_url).client
    )
    chat.send("call sleepy")
    assert not finished.is_set()  # the answer came without waiting for the tool
    release.set()
    output = next(i for i in chat.history if i["type"] == "function_call_output")
    assert "did not finish within 0.2 s" in output["output"]


def test_async_tool_runs_in_the_loop(emu):
    @tool
    async def fetch(n: int) -> int:
        """Double n, asynchronously."""
        await asyncio.sleep(0.05)
        return n * 2

    chat = Conversation(
        model="emulator/assistant", tools=[fetch], client=Recorder(emu.base_url).client
    )
    chat.send("fetch n=21")
    output = next(i for i in chat.history if i["type"] == "function_call_output")
    assert output["output"] == "42"


def function_call_stream(name: str, arguments: str, call_id: str = "call_1") -> bytes:
    item = {
        "type": "function_call",
        "id": f"fc_{call_id}",
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
        "status": "completed",
    }
    return sse(
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {**item, "arguments": ""},
        },
        {
            "type": "response.function_call_arguments.delta",
            "output_index": 0,
            "item_id": item["id"],
            "delta": arguments,
        },
        {"type": "response.output_item.done", "output_index": 0, "item": item},
        {
            "type": "response.completed",
            "response": {"id": "gen-1", "status": "completed", "output": [item]},
        },
    )


def text_stream(text: str) -> bytes:
    item = {
        "type": "message",
        "id": "msg_1",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }
    return sse(
        {"type": "response.output_item.added", "output_index": 0, "item": {**item, "content": []}},
        {
            "type": "response.output_text.delta",
            "output_index": 0,
            "content_index": 0,
            "delta": text,
        },
        {
            "type": "response.completed",
            "response": {"id": "gen-2", "status": "completed", "output": [item]},
        },
    )


def test_unknown_tool_name_becomes_an_error_output_naming_the_real_tools(server):
    server.queue(
        Reply(200, function_call_stream("delete_everything", "{}")), Reply(200, text_stream("ok"))
    )
    chat = Conversation(
        model="m", tools=[get_weather], client=orj.Client(api_key="k", base_url=server.base_url)
    )
    response = chat.send("hi")
    assert response.output_text == "ok"
    output = server.seen[1].json()["input"][-1]
    assert output["type"] == "function_call_output"
    assert "delete_everything" in output["output"] and "get_weather" in output["output"]


def test_invalid_arguments_become_an_error_output_and_the_tool_does_not_run(server):
    ran = []

    @tool
    def add(a: int, b: int) -> int:
        """Add."""
        ran.append((a, b))
        return a + b

    server.queue(
        Reply(200, function_call_stream("add", '{"a": "three"}')), Reply(200, text_stream("ok"))
    )
    chat = Conversation(
        model="m", tools=[add], client=orj.Client(api_key="k", base_url=server.base_url)
    )
    chat.send("hi")
    output = server.seen[1].json()["input"][-1]["output"]
    assert output.startswith("Error") and "add" in output
    assert ran == []


def test_max_turns_stops_with_a_notice_and_a_valid_history(server):
    for i in range(3):
        server.queue(
            Reply(200, function_call_stream("get_weather", '{"city": "Oslo"}', f"call_{i}"))
        )
    events = Events()
    chat = Conversation(
        model="m",
        tools=[get_weather],
        max_turns=2,
        client=orj.Client(api_key="k", base_url=server.base_url),
    )
    chat.send("loop forever", observer=events)
    assert len(server.seen) == 2
    assert "max_turns" in events.of("notice")[0][1]
    call_ids = [i["call_id"] for i in chat.history if i["type"] == "function_call"]
    output_ids = [i["call_id"] for i in chat.history if i["type"] == "function_call_output"]
    assert call_ids == output_ids == ["call_0", "call_1"]
    assert_valid({"model": "m", "input": chat.history})


def test_failed_turn_leaves_history_unchanged_and_the_error_keeps_what_arrived(emu):
    chat = Conversation(model="emulator/assistant", client=Recorder(emu.base_url).client)
    chat.send("10*5")
    before = list(chat.history)
    with pytest.raises(orj.StreamError) as info:
        chat.send("Say something long", model="emulator/midstream-error")
    assert chat.history == before
    assert info.value.response.output_text


def test_cancel_keeps_the_partial_answer_as_incomplete_and_the_next_send_works(emu):
    chat = Conversation(
        model="emulator/long",
        client=Recorder(emu.base_url).client,
        max_output_tokens=4000,
        metadata={"emulator_tps": "400"},
    )
    threading.Timer(0.5, chat.cancel).start()
    response = chat.send("write a lot")
    assert response.status == "cancelled"
    assert len(response.output_text) > 0
    last = chat.history[-1]
    assert last["role"] == "assistant" and last["status"] == "incomplete"
    assert last["content"][0]["text"] == response.output_text
    after = chat.send("10*5", model="emulator/assistant", metadata=None)
    assert "50" in after.output_text


def test_save_and_load_round_trip(emu, tmp_path):
    chat = Conversation(
        model="emulator/assistant",
        tools=[get_weather],
        instructions="Be brief",
        reasoning={"effort": "low"},
        client=Recorder(emu.base_url).client,
        temperature=0.3,
    )
    chat.send("get_weather city=Rome")
    path = tmp_path / "chat.json"
    chat.save(path)
    loaded = Conversation.load(path, tools=[get_weather], client=chat.client)
    assert loaded.history == chat.history
    assert (loaded.model, loaded.instructions, loaded.reasoning) == (
        chat.model,
        "Be brief",
        {"effort": "low"},
    )
    assert loaded.params == {"temperature": 0.3}
    assert any(item["type"] == "reasoning" for item in loaded.history)
    response = loaded.send("and 2+2?")
    assert "4" in response.output_text


def test_fork_copies_history_and_reset_clears_it(emu):
    chat = Conversation(model="emulator/assistant", client=Recorder(emu.base_url).client)
    chat.send("1+1")
    twin = chat.fork()
    twin.send("2+2")
    assert len(twin.history) == len(chat.history) + 2
    chat.reset()
    assert chat.history == [] and len(twin.history) == 4


def _normalise(items: list[dict]) -> list[dict]:
    """Items as a recording shows them, minus what legitimately differs between clients."""
    out = []
    for item in items:
        item = {k: v for k, v in item.items() if v is not None and k not in ("status",)}
        if item.get("type") == "function_call_output":
            item.pop("id", None)  # we always send the id OpenRouter requires
        if item.get("role") == "user":
            text = (
                item["content"] if isinstance(item["content"], str) else item["content"][0]["text"]
            )
            item = {"role": "user", "content": text}
        if item.get("type") == "function_call":
            item.pop("id", None)  # we always send it (OpenRouter requires it); some clients don't
        if "call_id" in item:
            item["call_id"] = item["call_id"].rpartition(":")[2]  # pydantic-ai qualifies every id
        out.append(item)
    return out


def get_temperature(city: str) -> str:
    """Temperature in a city."""
    return "21.0"


def first_tool() -> str:
    return "first result"


def second_tool() -> str:
    return "second result"


@pytest.mark.parametrize(
    ("name", "turns", "tools"),
    [
        ("deepseek-function-tool-stream", 2, [get_temperature]),
        ("mantle-reused-tool-call-ids-stream", 3, [first_tool, second_tool]),
    ],
)
def test_follow_up_bodies_match_the_recordings(server, name, turns, tools):
    requests = [recorded(f"{name}.{i}")[1]["body"] for i in range(turns)]
    for i in range(turns):
        server.queue(Reply(200, (FIXTURES / f"{name}.{i}.response.sse").read_bytes()))
    prompt = requests[0]["input"][0]["content"]
    chat = Conversation(
        model=requests[0]["model"],
        tools=tools,
        client=orj.Client(api_key="k", base_url=server.base_url),
    )
    chat.send(prompt)
    sent = [seen.json() for seen in server.seen]
    assert len(sent) == turns
    for ours, theirs in zip(sent[1:], requests[1:], strict=True):
        assert _normalise(ours["input"]) == _normalise(theirs["input"])
        assert all(
            i.get("id") for i in ours["input"] if i.get("type", "").startswith("function_call")
        )
        assert_valid(ours)


def test_openai_non_streaming_round_trip_sends_what_the_recording_shows_plus_ids(server):
    first, request0, _ = recorded("openai-tool-call-roundtrip.0")
    second, request1, _ = recorded("openai-tool-call-roundtrip.1")
    server.queue(
        Reply(200, json.dumps(first).encode(), content_type="application/json"),
        Reply(200, json.dumps(second).encode(), content_type="application/json"),
    )

    @tool
    def get_capital(country: str) -> str:
        """Capital of a country."""
        return "Potato City"

    chat = Conversation(
        model="gpt-4o",
        tools=[get_capital],
        stream=False,
        client=orj.Client(api_key="k", base_url=server.base_url),
    )
    response = chat.send(request0["body"]["input"][0]["content"])
    ours = server.seen[1].json()
    assert ours["stream"] is False
    assert _normalise(ours["input"]) == _normalise(request1["body"]["input"])
    assert_valid(ours)  # unlike the recorded OpenAI body, ours carries the output's id
    assert response.output_text == chat.history[-1]["content"][0]["text"]


def test_call_ids_repeated_across_turns_are_made_unique(server):
    server.queue(
        Reply(200, function_call_stream("get_weather", '{"city": "A"}', "call_0")),
        Reply(200, function_call_stream("get_weather", '{"city": "B"}', "call_0")),
        Reply(200, text_stream("done")),
    )
    chat = Conversation(
        model="m", tools=[get_weather], client=orj.Client(api_key="k", base_url=server.base_url)
    )
    chat.send("weather twice")
    calls = [i for i in chat.history if i["type"] == "function_call"]
    outputs = [i for i in chat.history if i["type"] == "function_call_output"]
    assert [c["call_id"] for c in calls] == ["call_0", "gen-1:call_0"]
    assert [o["call_id"] for o in outputs] == ["call_0", "gen-1:call_0"]
    assert '"B"' in outputs[1]["output"]
    assert server.seen[2].json()["input"] == chat.history[:-1]


def test_tools_given_to_one_send_keep_their_tool_choice(emu):
    rec = Recorder(emu.base_url)
    chat = Conversation(model="emulator/assistant", client=rec.client)
    chat.send("Tell me something nice", tools=[get_weather], tool_choice="get_weather")
    assert rec.bodies[0]["tool_choice"] == {"type": "function", "name": "get_weather"}
    assert [t["name"] for t in rec.bodies[0]["tools"]] == ["get_weather"]
    assert [i["type"] for i in chat.history].count("function_call_output") == 1
