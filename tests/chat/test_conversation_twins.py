"""`Conversation` and `AsyncConversation` stay twins: the same surface, the same behaviour.

Every scenario is written once, as a coroutine, and run through both classes over real
HTTP on 127.0.0.1 (the emulator, or the scripted server where the replies must be exact):
`settle` awaits what the async twin returns and passes the sync twin's result through.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from helpers.recordings import FIXTURES, recorded
from helpers.scripted_server import Reply, sse

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.chat.conversation import BranchError, Conversation
from or_jupyter.client.tls import tls_context
from or_jupyter.tools import tool

A, E = "emulator/assistant", "emulator/echo"
WAIT = 30  # seconds: a bound for what happens at once when all is well
KINDS = ["sync", "async"]
COROUTINES = {"send", "compare", "size"}  # the async twin's methods that are awaited


@pytest.fixture(scope="module")
def emu():
    with emulator.start() as handle:
        yield handle


class Twin:
    """Makes one kind of conversation, with a client that keeps every request body."""

    def __init__(self, kind: str, base_url: str) -> None:
        self.kind = kind
        self.base_url = base_url
        self.bodies: list[dict] = []

    def client(self) -> orj.Client | orj.AsyncClient:
        if self.kind == "sync":
            http = httpx.Client(
                verify=tls_context(), event_hooks={"request": [self._keep]}, timeout=WAIT
            )
            return orj.Client(api_key="k", base_url=self.base_url, http_client=http, max_retries=0)

        async def keep(request: httpx.Request) -> None:
            self._keep(request)

        ahttp = httpx.AsyncClient(
            verify=tls_context(), event_hooks={"request": [keep]}, timeout=WAIT
        )
        return orj.AsyncClient(
            api_key="k", base_url=self.base_url, http_client=ahttp, max_retries=0
        )

    def conversation(self, **settings: Any) -> Conversation | orj.AsyncConversation:
        cls = Conversation if self.kind == "sync" else orj.AsyncConversation
        return cls(client=self.client(), **settings)

    def run(self, scenario: Callable[[], Awaitable[Any]]) -> Any:
        return asyncio.run(scenario())

    def _keep(self, request: httpx.Request) -> None:
        if request.method == "POST":
            self.bodies.append(json.loads(request.content))


async def settle(value: Any) -> Any:
    """The result of a twin's call: awaited for the async twin, as it is for the sync one."""
    return await value if inspect.isawaitable(value) else value


@pytest.fixture(params=KINDS)
def kind(request) -> str:
    return request.param


class Log(orj.Observer):
    """Every hook the loop calls, in order (stream events counted, not listed)."""

    def __init__(self) -> None:
        self.log: list[tuple] = []
        self.events = 0

    def on_request(self, params):
        self.log.append(("request", params.get("tool_choice")))

    def on_event(self, event):
        self.events += 1

    def on_response(self, response):
        self.log.append(("response", response.status))

    def on_tool_start(self, call):
        self.log.append(("start", call.name))

    def on_tool_finish(self, result):
        self.log.append(("finish", result.name, result.status))

    def on_notice(self, text):
        self.log.append(("notice", text))


@tool
def get_weather(city: str) -> dict:
    """Get the current weather in a city.

    Args:
        city: The city, e.g. Paris
    """
    return {"city": city, "temperature": 21}


# -- the surface ----------------------------------------------------------------------


def surface(cls: type) -> dict[str, Any]:
    return {
        name: value
        for name, value in inspect.getmembers(cls)
        if not name.startswith("_") or name == "__init__"
    }


def parameters(member: Any) -> list[tuple[str, Any, Any]]:
    if not callable(member):
        return [("<attribute>", type(member).__name__, None)]
    return [(p.name, p.kind, p.default) for p in inspect.signature(member).parameters.values()]


def test_the_sync_and_async_conversations_have_the_same_surface():
    ours, theirs = surface(Conversation), surface(orj.AsyncConversation)
    assert sorted(ours) == sorted(theirs)
    for name in ours:
        assert parameters(ours[name]) == parameters(theirs[name]), name
    awaited = {name for name, m in theirs.items() if inspect.iscoroutinefunction(m)}
    assert awaited == COROUTINES
    assert not any(inspect.iscoroutinefunction(m) for m in ours.values())


def test_the_async_conversation_is_exported_lazily_and_named_in_its_repr():
    assert "AsyncConversation" in orj.__all__
    chat = orj.AsyncConversation(model=A, tools=[get_weather])
    assert (
        repr(chat)
        == "AsyncConversation(model='emulator/assistant', items=0, tools=['get_weather'])"
    )


def test_the_async_conversation_refuses_a_sync_client_in_one_line():
    chat = orj.AsyncConversation(client=orj.Client(api_key="k", base_url="http://127.0.0.1:9"))
    with pytest.raises(TypeError, match="needs an AsyncClient.*to_async"):
        asyncio.run(chat.send("hi"))
    assert chat.history == []


# -- the tool loop, both ways ---------------------------------------------------------


def test_a_tool_round_trip_reports_the_hooks_in_order_and_records_the_history(emu, kind):
    twin = Twin(kind, emu.base_url)
    chat = twin.conversation(model=A, tools=[get_weather])
    log = Log()
    response = twin.run(lambda: settle(chat.send("Use get_weather city=Paris", observer=log)))
    assert response.status == "completed" and '"city":"Paris"' in response.output_text
    assert log.log == [
        ("request", None),
        ("response", "completed"),
        ("start", "get_weather"),
        ("finish", "get_weather", "done"),
        ("request", None),
        ("response", "completed"),
    ]
    assert log.events > 0
    kinds = [item["type"] for item in chat.history]
    assert kinds == ["message", "function_call", "function_call_output", "message"]
    assert chat.history[2]["call_id"] == chat.history[1]["call_id"]
    assert twin.bodies[1]["input"] == chat.history[:3]
    assert len(chat.responses) == 2 and chat.responses[-1] is response


def test_parallel_calls_run_at_once_and_keep_the_call_order(emu, kind):
    both = threading.Barrier(2, timeout=WAIT)  # passed only by two calls running at once

    def meet(name: str) -> str:
        try:
            both.wait()
        except threading.BrokenBarrierError:
            return f"{name} alone"
        return f"{name} done"

    @tool
    def slow_a() -> str:
        """Wait for slow_b, then say a."""
        return meet("a")

    @tool
    async def slow_b() -> str:
        """Wait for slow_a, then say b."""
        return await asyncio.to_thread(meet, "b")

    twin = Twin(kind, emu.base_url)
    chat = twin.conversation(model=A, tools=[slow_a, slow_b])
    log = Log()
    twin.run(lambda: settle(chat.send("Call slow_b and slow_a now", observer=log)))
    outputs = [i["output"] for i in chat.history if i["type"] == "function_call_output"]
    assert outputs == ["b done", "a done"]
    assert [entry[1] for entry in log.log if entry[0] == "start"] == ["slow_b", "slow_a"]
    assert sorted(entry[1] for entry in log.log if entry[0] == "finish") == ["slow_a", "slow_b"]


def test_a_failing_tool_tells_the_model_and_the_loop_goes_on(emu, kind):
    @tool
    def explode() -> str:
        """Always fails."""
        raise ValueError("boom")

    twin = Twin(kind, emu.base_url)
    chat = twin.conversation(model=A, tools=[explode])
    log = Log()
    response = twin.run(lambda: settle(chat.send("call explode", observer=log)))
    output = next(i for i in chat.history if i["type"] == "function_call_output")
    assert "ValueError: boom" in output["output"] and "ValueError: boom" in response.output_text
    assert ("finish", "explode", "error") in log.log
    assert len(twin.bodies) == 2


def test_a_forced_tool_choice_applies_to_the_first_turn_only(emu, kind):
    twin = Twin(kind, emu.base_url)
    chat = twin.conversation(model=A, tools=[get_weather])
    log = Log()
    twin.run(lambda: settle(chat.send("Say hi", tool_choice="get_weather", observer=log)))
    assert twin.bodies[0]["tool_choice"] == {"type": "function", "name": "get_weather"}
    assert twin.bodies[1]["tool_choice"] == "auto"
    assert [entry[1] for entry in log.log if entry[0] == "request"] == ["get_weather", "auto"]
    assert [i["type"] for i in chat.history].count("function_call") == 1


def function_call_stream(call_id: str) -> bytes:
    item = {
        "type": "function_call",
        "id": f"fc_{call_id}",
        "call_id": call_id,
        "name": "get_weather",
        "arguments": '{"city": "Oslo"}',
        "status": "completed",
    }
    return sse(
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {"type": "response.output_item.done", "output_index": 0, "item": item},
        {
            "type": "response.completed",
            "response": {"id": "gen-1", "status": "completed", "output": [item]},
        },
    )


def test_max_turns_stops_with_a_notice_and_a_complete_history(server, kind):
    for i in range(3):
        server.queue(Reply(200, function_call_stream(f"call_{i}")))
    twin = Twin(kind, server.base_url)
    chat = twin.conversation(model="m", tools=[get_weather], max_turns=2)
    log = Log()
    twin.run(lambda: settle(chat.send("loop forever", observer=log)))
    assert len(server.seen) == 2
    assert log.log[-1][0] == "notice" and "max_turns" in log.log[-1][1]
    calls = [i["call_id"] for i in chat.history if i["type"] == "function_call"]
    outputs = [i["call_id"] for i in chat.history if i["type"] == "function_call_output"]
    assert calls == outputs == ["call_0", "call_1"]


def test_a_recorded_mantle_tool_loop_sends_each_call_with_its_output(server, kind):
    name = "mantle-reused-tool-call-ids-stream"
    recorded_bodies = [recorded(f"{name}.{i}")[1]["body"] for i in range(3)]
    for i in range(3):
        server.queue(Reply(200, (FIXTURES / f"{name}.{i}.response.sse").read_bytes()))

    def first_tool() -> str:
        return "first result"

    def second_tool() -> str:
        return "second result"

    twin = Twin(kind, server.base_url)
    chat = twin.conversation(model=recorded_bodies[0]["model"], tools=[first_tool, second_tool])
    twin.run(lambda: settle(chat.send(recorded_bodies[0]["input"][0]["content"])))
    assert len(server.seen) == 3
    call_ids = [i["call_id"] for i in chat.history if i["type"] == "function_call"]
    output_ids = [i["call_id"] for i in chat.history if i["type"] == "function_call_output"]
    assert len(call_ids) == len(set(call_ids)) >= 2
    assert output_ids == call_ids
    sent = server.seen[2].json()["input"]
    assert sent == chat.history[: len(sent)]
    assert {i["type"] for i in chat.history[len(sent) :]} <= {"reasoning", "message"}


def text_stream(text: str) -> bytes:
    item = {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}  # fmt: skip
    return sse(
        {"type": "response.output_item.done", "output_index": 0, "item": item},
        {"type": "response.completed", "response": {"id": "gen-2", "output": [item]}},
    )


def test_call_ids_a_provider_reuses_are_made_unique(server, kind):
    server.queue(
        Reply(200, function_call_stream("call_0")),
        Reply(200, function_call_stream("call_0")),
        Reply(200, text_stream("done")),
    )
    twin = Twin(kind, server.base_url)
    chat = twin.conversation(model="m", tools=[get_weather])
    twin.run(lambda: settle(chat.send("weather twice")))
    calls = [i["call_id"] for i in chat.history if i["type"] == "function_call"]
    outputs = [i["call_id"] for i in chat.history if i["type"] == "function_call_output"]
    assert calls == outputs == ["call_0", "gen-1:call_0"]
    assert server.seen[2].json()["input"] == chat.history[:-1]


# -- cancel ---------------------------------------------------------------------------


class CancelAtFirstText(orj.Observer):
    """Cancels the conversation when the first piece of text arrives."""

    def __init__(self, chat) -> None:
        self.chat = chat
        self.texts = 0

    def on_event(self, event):
        if event.type == "response.output_text.delta":
            self.texts += 1
            self.chat.cancel()


def test_cancel_mid_stream_keeps_the_partial_answer_and_the_next_send_works(emu, kind):
    twin = Twin(kind, emu.base_url)
    chat = twin.conversation(
        model="emulator/long", max_output_tokens=4000, metadata={"emulator_tps": "400"}
    )

    async def scenario():
        cancelled = await settle(chat.send("write a lot", observer=CancelAtFirstText(chat)))
        after = await settle(chat.send("10*5", model=A, metadata=None))
        return cancelled, after

    cancelled, after = twin.run(scenario)
    assert cancelled.status == "cancelled" and cancelled.output_text
    assert "50" in after.output_text
    partial = chat.history[1]
    assert partial["role"] == "assistant" and partial["status"] == "incomplete"
    assert partial["content"][0]["text"] == cancelled.output_text
    assert [i.get("role") for i in chat.history] == ["user", "assistant", "user", "assistant"]


def test_cancel_while_a_tool_runs_ends_it_as_cancelled_and_starts_no_turn(emu, kind):
    release = threading.Event()
    twin = Twin(kind, emu.base_url)
    chat = twin.conversation(model=A)

    @tool
    def hang() -> str:
        """Never answers by itself."""
        chat.cancel()
        release.wait(WAIT)
        return "late"

    chat.tools = {"hang": hang}
    log = Log()
    try:
        response = twin.run(lambda: settle(chat.send("call hang", observer=log)))
    finally:
        release.set()
    assert len(twin.bodies) == 1  # no turn after the cancel
    assert response.function_calls and response.function_calls[0].name == "hang"
    output = chat.history[-1]
    assert output["type"] == "function_call_output" and "cancelled" in output["output"]
    assert ("finish", "hang", "cancelled") in log.log


# -- size, branches, save/load --------------------------------------------------------


def test_a_token_history_limit_drops_the_oldest_turns_with_a_notice(emu, kind):
    twin = Twin(kind, emu.base_url)
    chat = twin.conversation(model=A, history_limit=300)
    log = Log()

    async def scenario():
        for _ in range(3):
            await settle(chat.send(" ".join(["lorem"] * 120), observer=log))
        return await settle(chat.size())

    size = twin.run(scenario)
    notices = [entry[1] for entry in log.log if entry[0] == "notice"]
    assert notices and notices[0].startswith("Dropped the")
    assert "history_limit=300" in notices[0]
    assert chat.history[0]["role"] == "user"
    assert len(chat.history) < 6 and size.history_limit == 300


def test_compare_keeps_a_failing_model_apart_and_pick_continues_a_branch(emu, kind):
    twin = Twin(kind, emu.base_url)
    chat = twin.conversation(model=A)
    failing = "emulator/error-402"

    async def scenario():
        await settle(chat.send("Hello"))
        result = await settle(chat.compare("Tell me something", models=[failing, A, E]))
        with pytest.raises(BranchError):
            await settle(chat.send("and then?", model="emulator/other"))
        after = await settle(chat.send("and then?", model=E))
        return result, after

    result, after = twin.run(scenario)
    assert list(result) == [failing, A, E]
    assert list(result.errors) == [failing]
    assert isinstance(result.errors[failing], orj.InsufficientCreditsError)
    assert result[failing].status == "failed" and result.turns[failing] == [result[failing]]
    assert result[A].status == result[E].status == "completed"
    assert chat.branches == {} and chat.model == E  # the send picked E's branch
    assert [i["role"] for i in chat.history] == ["user", "assistant"] * 3
    assert after.status == "completed"


def test_save_load_and_fork_keep_the_branches(emu, kind, tmp_path):
    twin = Twin(kind, emu.base_url)
    chat = twin.conversation(model=A, temperature=0.5)
    twin.run(lambda: settle(chat.compare("Hi", models=[A, E])))
    chat.save(tmp_path / "chat.json")
    loaded = type(chat).load(tmp_path / "chat.json", client=chat.client)
    assert type(loaded) is type(chat) and loaded.params == {"temperature": 0.5}
    assert {m: b.history for m, b in loaded.branches.items()} == {
        m: b.history for m, b in chat.branches.items()
    }
    fork = loaded.fork()
    fork.pick(E)
    assert fork.branches == {} and len(fork.history) == 2 and list(loaded.branches) == [A, E]
    loaded.reset()
    assert loaded.history == [] and loaded.branches == {}


# -- the async comparison -------------------------------------------------------------


def test_acompare_runs_the_models_as_tasks_on_the_running_loop(emu):
    seen_threads: set[int] = set()

    class Threads(orj.Observer):
        def on_event(self, event):
            seen_threads.add(threading.get_ident())

    async def main():
        client = orj.AsyncClient(api_key="k", base_url=emu.base_url, max_retries=0)
        async with client:
            return await orj.acompare("Hello", models=[E, A], client=client, observer=Threads())

    result = asyncio.run(main())
    assert list(result) == [E, A] and result.errors == {}
    assert seen_threads == {threading.get_ident()}  # no worker thread: the loop's own


def test_acompare_takes_a_sync_client_too(emu):
    client = orj.Client(api_key="k", base_url=emu.base_url, max_retries=0)
    result = asyncio.run(orj.acompare("Hello", models=[A], client=client))
    assert result[A].status == "completed" and "Hello" in result[A].output_text
