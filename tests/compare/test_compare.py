"""Side-by-side comparison: `Conversation.compare`, its branches, `orj.compare`/`acompare`.

Real HTTP to the emulator throughout; concurrency is proven structurally (a proxy
that answers no request until every model's request has arrived, a tool that
returns only when every model has called it), never by timing.
"""

from __future__ import annotations

import _thread
import asyncio
import json
import threading
import time

import httpx
import pytest
from helpers.scripted_server import QuietHandler, serve_locally

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.chat.conversation import Conversation
from or_jupyter.client.tls import tls_context

A, B, C = "emulator/assistant", "openai/gpt-5-mini", "anthropic/claude-sonnet-4.5"
E = "emulator/echo"  # answers unlike the others', so a branch's history can be traced
WAIT = 30  # seconds: generous bounds for things that happen at once when all is well


@pytest.fixture(scope="module")
def emu():
    with emulator.start() as handle:
        yield handle


@pytest.fixture(scope="module")
def slow():
    """An emulator pacing 8 tokens a second: answers take long enough to be stopped."""
    with emulator.start(tps=8) as handle:
        yield handle


class Recorder:
    """Real HTTP through an httpx client whose hook keeps every request body sent."""

    def __init__(self, base_url: str) -> None:
        self.bodies: list[dict] = []
        http = httpx.Client(
            verify=tls_context(), event_hooks={"request": [self._keep]}, timeout=WAIT
        )
        self.client = orj.Client(api_key="k", base_url=base_url, http_client=http, max_retries=0)

    def _keep(self, request: httpx.Request) -> None:
        if request.method == "POST":
            self.bodies.append(json.loads(request.content))

    def of(self, model: str) -> list[dict]:
        return [body for body in self.bodies if body["model"] == model]


def answers_sent(body: dict) -> list[str]:
    """The texts of the assistant messages in a request's input."""
    return [
        part["text"]
        for item in body["input"]
        if item.get("role") == "assistant"
        for part in item["content"]
        if part["type"] == "output_text"
    ]


class Watcher(orj.Observer):
    """One model's observer: what it was told, and a flag raised at the first text delta."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.events: list[orj.Event] = []
        self.responses: list[orj.Response] = []
        self.texting = threading.Event()

    def on_request(self, params):
        self.requests.append(params)

    def on_event(self, event):
        self.events.append(event)
        if event.type == "response.output_text.delta":
            self.texting.set()

    def on_response(self, response):
        self.responses.append(response)


class Watchers(dict):
    """A factory `model -> Watcher` for `observer=`, keeping what it made."""

    def __call__(self, model: str) -> Watcher:
        self[model] = Watcher()
        return self[model]

    def wait_for_text(self, models: list[str]) -> None:
        deadline = time.monotonic() + WAIT
        while set(self) != set(models) and time.monotonic() < deadline:
            time.sleep(0.01)
        for model in models:
            assert self[model].texting.wait(WAIT), f"{model} never streamed text"


class BarrierProxy:
    """Forwards each POST to the emulator only once `parties` requests are all waiting.

    Requests made one after another never meet: each would wait in vain and get a 500.
    """

    def __init__(self, upstream: str, parties: int) -> None:
        barrier = threading.Barrier(parties, timeout=WAIT)
        self.met = 0

        class Handler(QuietHandler):
            def do_POST(handler):
                body = handler.rfile.read(int(handler.headers["Content-Length"]))
                try:
                    barrier.wait()
                except threading.BrokenBarrierError:
                    return handler._send(500, b'{"error":{"code":500,"message":"alone"}}', "json")
                self.met += 1
                upstream_reply = httpx.post(
                    f"{upstream}/responses",
                    content=body,
                    headers={"Authorization": "Bearer k", "Content-Type": "application/json"},
                    timeout=WAIT,
                )
                handler._send(upstream_reply.status_code, upstream_reply.content, "event-stream")

            def _send(handler, status: int, body: bytes, kind: str) -> None:
                handler.send_response(status)
                media = "application/json" if kind == "json" else "text/event-stream"
                handler.send_header("Content-Type", media)
                handler.send_header("Content-Length", str(len(body)))
                handler.end_headers()
                handler.wfile.write(body)

        self._httpd, self.base_url = serve_locally(Handler)

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


# -- all at once, in order, failures kept apart --------------------------------------


def test_every_model_is_asked_before_any_answers_and_results_keep_the_models_order(emu):
    proxy = BarrierProxy(emu.base_url, parties=3)
    try:
        client = orj.Client(api_key="k", base_url=proxy.base_url, max_retries=0)
        result = Conversation(client=client).compare("Hello", models=[B, A, C])
    finally:
        proxy.stop()
    assert isinstance(result, orj.Comparison) and isinstance(result, dict)
    assert result.errors == {}
    assert list(result) == [B, A, C]
    assert proxy.met == 3
    for response in result.values():
        assert response.status == "completed" and "Hello" in response.output_text


def test_a_failing_model_leaves_the_others_intact_with_its_error_recorded(emu):
    failing = [
        "emulator/error-402",
        "emulator/midstream-error",
        "emulator/nope",
        "emulator/error-429",
    ]
    models = [failing[0], A, *failing[1:]]
    chat = Conversation(client=Recorder(emu.base_url).client)
    result = chat.compare("Tell me something", models=models)
    assert list(result) == models
    assert result[A].status == "completed" and "Tell me something" in result[A].output_text
    assert list(result.errors) == failing
    assert isinstance(result.errors["emulator/error-402"], orj.InsufficientCreditsError)
    assert isinstance(result.errors["emulator/error-429"], orj.RateLimitError)
    assert isinstance(result.errors["emulator/nope"], orj.BadRequestError)
    assert isinstance(result.errors["emulator/midstream-error"], orj.StreamError)
    partial = result["emulator/midstream-error"]
    assert partial.status == "failed" and partial.output_text  # what arrived is kept
    for model in ("emulator/error-402", "emulator/nope", "emulator/error-429"):
        assert result[model].status == "failed" and result[model].model == model
        assert result[model].output == []
        assert chat.branches[model].history == []  # a failed send leaves its branch as it was
    assert [i["role"] for i in chat.branches[A].history] == ["user", "assistant"]


def test_anything_raised_in_one_models_thread_is_recorded_and_the_others_finish(emu):
    class Interrupting(orj.Observer):
        def on_request(self, params):
            raise KeyboardInterrupt

    def observers(model):
        return Interrupting() if model == B else None

    chat = Conversation(client=Recorder(emu.base_url).client)
    result = chat.compare("Hi", models=[A, B, C], observer=observers)
    assert list(result.errors) == [B]
    assert isinstance(result.errors[B], KeyboardInterrupt)
    assert result[B].status == "failed" and result[B].output == []
    assert result[A].status == result[C].status == "completed"


# -- observers -----------------------------------------------------------------------


def test_each_models_own_observer_hears_only_that_model(emu):
    watchers = Watchers()
    Conversation(client=Recorder(emu.base_url).client).compare(
        "Hi", models=[A, B, C], observer=watchers
    )
    assert list(watchers) == sorted(watchers, key=[A, B, C].index)
    for model, watcher in watchers.items():
        assert [params["model"] for params in watcher.requests] == [model]
        assert [response.model for response in watcher.responses] == [model]
        lifecycle = [e.data["response"] for e in watcher.events if "response" in e.data]
        assert lifecycle and {r["model"] for r in lifecycle} == {model}


def test_a_shared_observer_is_called_by_one_thread_at_a_time(emu):
    class Overlaps(orj.Observer):
        """Counts calls made while another call is still inside a hook."""

        def __init__(self):
            self.inside = threading.Lock()
            self.overlaps = 0
            self.events = 0
            self.models = []

        def on_request(self, params):
            self.models.append(params["model"])

        def on_event(self, event):
            if not self.inside.acquire(blocking=False):
                self.overlaps += 1
                return
            try:
                self.events += 1
                time.sleep(0.002)  # widen the window another thread would step into
            finally:
                self.inside.release()

    shared = Overlaps()
    chat = Conversation(client=Recorder(emu.base_url).client)
    result = chat.compare("Hi", models=[A, B, C], observer=shared, max_output_tokens=200)
    assert result.errors == {}
    assert sorted(shared.models) == sorted([A, B, C])
    assert shared.events > 30
    assert shared.overlaps == 0


def test_observer_choices_that_cannot_work_are_refused_before_any_request(emu):
    rec = Recorder(emu.base_url)
    chat = Conversation(client=rec.client)
    with pytest.raises(TypeError, match="pass an instance"):
        chat.compare("Hi", models=[A], observer=Watcher)
    with pytest.raises(TypeError, match="SendObserver"):
        chat.compare("Hi", models=[A], observer=42)
    assert rec.bodies == [] and chat.branches == {}


def test_bad_model_lists_are_clear_errors_and_send_nothing(emu):
    rec = Recorder(emu.base_url)
    chat = Conversation(client=rec.client)
    with pytest.raises(ValueError, match="at least one model"):
        chat.compare("Hi", models=[])
    with pytest.raises(ValueError, match=f"more than once: {A}"):
        chat.compare("Hi", models=[A, B, A])
    with pytest.raises(TypeError, match="list of model ids"):
        chat.compare("Hi", models=f"{A},{B}")
    with pytest.raises(TypeError, match="models="):
        chat.compare("Hi", models=[A], model=B)
    with pytest.raises(TypeError, match="models="):
        orj.compare("Hi", models=[A], model=B, client=rec.client)
    assert rec.bodies == [] and chat.branches == {}


# -- branches ------------------------------------------------------------------------


def test_a_later_compare_continues_each_models_own_branch(emu):
    rec = Recorder(emu.base_url)
    chat = Conversation(model=A, client=rec.client)
    chat.send("Before the comparison")
    trunk = list(chat.history)
    first = chat.compare("First question", models=[A, E])
    second = chat.compare("Second question", models=[A, E, C])
    assert second.errors == {} and list(chat.branches) == [A, E, C]
    assert chat.history == trunk  # the trunk is left as it was
    a_said, e_said = first[A].output_text, first[E].output_text
    assert a_said != e_said
    a_input, e_input = answers_sent(rec.of(A)[-1]), answers_sent(rec.of(E)[-1])
    assert a_said in a_input and e_said not in a_input
    assert e_said in e_input and a_said not in e_input
    question = {"type": "message", "role": "user", "content": "Second question"}
    assert rec.of(C)[-1]["input"] == [*trunk, question]
    assert [i.get("content") for i in chat.branches[A].history if i.get("role") == "user"] == [
        "Before the comparison",
        "First question",
        "Second question",
    ]


def test_settings_changed_between_compares_reach_every_branch(emu):
    rec = Recorder(emu.base_url)
    chat = Conversation(client=rec.client)
    chat.compare("Question", models=[A, E])
    chat.instructions = "Answer in French."
    chat.params["temperature"] = 0.5
    chat.compare("Again", models=[A, E])
    for model in (A, E):
        last = rec.of(model)[-1]
        assert last["instructions"] == "Answer in French." and last["temperature"] == 0.5
        assert [i.get("content") for i in last["input"] if i.get("role") == "user"] == [
            "Question",
            "Again",
        ]


def test_pick_adopts_a_branch_and_clears_the_others(emu):
    rec = Recorder(emu.base_url)
    chat = Conversation(model=A, client=rec.client)
    result = chat.compare("Question", models=[A, E])
    branch = chat.branches[E].history
    chat.pick(E)
    assert chat.model == E and chat.branches == {} and chat.history == branch
    chat.send("Follow-up")
    assert rec.bodies[-1]["model"] == E
    assert answers_sent(rec.bodies[-1]) == [result[E].output_text]


def test_picking_a_model_without_a_branch_lists_the_branches(emu):
    chat = Conversation(client=Recorder(emu.base_url).client)
    chat.compare("Question", models=[A, B])
    with pytest.raises(orj.BranchError) as raised:
        chat.pick(C)
    assert isinstance(raised.value, ValueError)
    assert C in str(raised.value) and A in str(raised.value) and B in str(raised.value)
    assert list(chat.branches) == [A, B]


def test_a_send_with_a_branched_model_picks_that_branch(emu):
    rec = Recorder(emu.base_url)
    chat = Conversation(model=C, client=rec.client)
    result = chat.compare("Question", models=[A, E])
    chat.send("Go on", model=A)
    assert chat.branches == {} and chat.model == A
    assert answers_sent(rec.bodies[-1]) == [result[A].output_text]
    assert [i.get("content") for i in chat.history if i.get("role") == "user"] == [
        "Question",
        "Go on",
    ]


def test_a_send_with_the_conversations_own_model_picks_its_branch(emu):
    rec = Recorder(emu.base_url)
    chat = Conversation(model=E, client=rec.client)
    result = chat.compare("Question", models=[A, E])
    chat.send("Go on")
    assert chat.branches == {} and answers_sent(rec.bodies[-1]) == [result[E].output_text]


def test_a_send_with_an_unbranched_model_says_which_branches_exist_and_how_to_pick(emu):
    rec = Recorder(emu.base_url)
    chat = Conversation(model=C, client=rec.client)
    chat.compare("Question", models=[A, B])
    sent = len(rec.bodies)
    with pytest.raises(orj.BranchError) as raised:
        chat.send("Go on")
    message = str(raised.value)
    assert A in message and B in message and C in message
    assert "Conversation.pick(model)" in message and "%responses pick MODEL" in message
    assert len(rec.bodies) == sent and list(chat.branches) == [A, B]


def test_reset_forgets_branches_and_fork_copies_them_apart(emu):
    chat = Conversation(client=Recorder(emu.base_url).client)
    chat.compare("Question", models=[A, B])
    twin = chat.fork()
    assert list(twin.branches) == [A, B]
    assert twin.branches[A] is not chat.branches[A]
    assert twin.branches[A].history == chat.branches[A].history
    twin.branches[A].history.append({"type": "message", "role": "user", "content": "x"})
    assert len(chat.branches[A].history) == 2
    chat.reset()
    assert chat.branches == {} and chat.history == []
    assert list(twin.branches) == [A, B]


# -- cancel ---------------------------------------------------------------------------


def run_in_thread(fn):
    box = {}

    def run():
        try:
            box["result"] = fn()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def test_cancel_from_another_thread_stops_every_model_and_each_keeps_what_arrived(slow):
    models = ["emulator/long", A, "emulator/echo"]
    watchers = Watchers()
    chat = Conversation(client=Recorder(slow.base_url).client)
    prompt = "Say these words back to me slowly, one by one, all of them please. " * 5
    thread, box = run_in_thread(lambda: chat.compare(prompt, models=models, observer=watchers))
    watchers.wait_for_text(models)
    chat.cancel()
    thread.join(WAIT)
    assert not thread.is_alive()
    result = box["result"]
    assert result.errors == {}
    for model in models:
        assert result[model].status == "cancelled" and result[model].output_text
        last = chat.branches[model].history[-1]
        assert last["role"] == "assistant" and last["status"] == "incomplete"
        assert last["content"][0]["text"] == result[model].output_text


def test_a_cancel_before_the_streams_open_still_cancels_every_model(emu):
    chat = Conversation(client=Recorder(emu.base_url).client)

    class CancelAtOnce(orj.Observer):
        def on_request(self, params):
            chat.cancel()  # before the request is made: there is no stream to close yet

    result = chat.compare("Hi", models=[A, B], observer=CancelAtOnce())
    assert result.errors == {}
    assert [r.status for r in result.values()] == ["cancelled", "cancelled"]


def test_a_kernel_interrupt_while_waiting_cancels_every_model_and_is_raised(slow):
    models = ["emulator/long", A]
    watchers = Watchers()
    chat = Conversation(client=Recorder(slow.base_url).client)

    def interrupt():
        watchers.wait_for_text(models)
        _thread.interrupt_main()

    threading.Thread(target=interrupt, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        chat.compare("Tell me a long story", models=models, observer=watchers)
    for model in models:
        assert [r.status for r in watchers[model].responses] == ["cancelled"]
        assert chat.branches[model].history[-1]["status"] == "incomplete"


# -- tools ---------------------------------------------------------------------------


def test_each_model_runs_its_own_tool_loop_and_their_calls_run_at_once(emu):
    gathering = threading.Barrier(2, timeout=WAIT)

    @orj.tool
    def meet() -> str:
        """Wait until every model has called this tool."""
        gathering.wait()
        return "met"

    chat = Conversation(tools=[meet], client=Recorder(emu.base_url).client)
    result = chat.compare("Call meet now", models=[A, B])
    assert result.errors == {}
    for model in (A, B):
        kinds = [i["type"] for i in chat.branches[model].history]
        assert kinds == ["message", "function_call", "function_call_output", "message"]
        assert chat.branches[model].history[2]["output"] == "met"
        assert [r.status for r in result.turns[model]] == ["completed", "completed"]
        assert result.turns[model][-1] is result[model]


def test_approvals_are_asked_of_each_models_own_observer(emu):
    ran = []

    @orj.tool(confirm=True)
    def launch() -> str:
        """Launch the rocket."""
        ran.append(1)
        return "launched"

    class Approver(orj.Observer):
        def __init__(self, answer):
            self.answer, self.asked = answer, []

        def confirm(self, tool, call):
            self.asked.append(tool.name)
            return self.answer

    approvers = {A: Approver(True), B: Approver(False)}
    chat = Conversation(tools=[launch], client=Recorder(emu.base_url).client)
    chat.compare("Call launch now", models=[A, B], observer=approvers.get)
    assert approvers[A].asked == approvers[B].asked == ["launch"]
    outputs = {
        model: next(i["output"] for i in branch.history if i["type"] == "function_call_output")
        for model, branch in chat.branches.items()
    }
    assert outputs[A] == "launched" and "declined" in outputs[B]
    assert ran == [1]


# -- save and load -------------------------------------------------------------------


def test_save_and_load_keep_the_branches_and_a_later_compare_continues_them(emu, tmp_path):
    rec = Recorder(emu.base_url)
    chat = Conversation(model=C, client=rec.client, temperature=0.5)
    first = chat.compare("Question", models=[A, E])
    path = tmp_path / "chat.json"
    chat.save(path)
    assert json.loads(path.read_text())["version"] == 2
    loaded = Conversation.load(path, client=rec.client)
    assert list(loaded.branches) == [A, E]
    for model in (A, E):
        assert loaded.branches[model].history == chat.branches[model].history
        assert loaded.branches[model].model == model
        assert loaded.branches[model].params == {"temperature": 0.5}
    loaded.compare("Again", models=[A, E])
    assert answers_sent(rec.of(A)[-1]) == [first[A].output_text]
    assert answers_sent(rec.of(E)[-1]) == [first[E].output_text]


def test_a_file_saved_before_branches_existed_still_loads(tmp_path):
    old = {
        "version": 1,
        "model": A,
        "instructions": None,
        "reasoning": None,
        "max_turns": 8,
        "stream": True,
        "tool_timeout": 300.0,
        "params": {},
        "tools": [],
        "history": [{"type": "message", "role": "user", "content": "Hi"}],
    }
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    loaded = Conversation.load(path)
    assert loaded.history == old["history"] and loaded.branches == {} and loaded.model == A


# -- the one-shot functions ----------------------------------------------------------


def test_orj_compare_sends_one_prompt_with_the_given_settings_to_every_model(emu):
    @orj.tool
    def get_answer() -> int:
        """The answer."""
        return 42

    rec = Recorder(emu.base_url)
    result = orj.compare(
        "Call get_answer now",
        models=[B, A],
        client=rec.client,
        instructions="Be brief.",
        tools=[get_answer],
        temperature=0.25,
    )
    assert list(result) == [B, A] and result.errors == {}
    assert {body["model"] for body in rec.bodies} == {A, B} and len(rec.bodies) == 4
    for body in rec.bodies:
        assert body["instructions"] == "Be brief." and body["temperature"] == 0.25
        assert [t["name"] for t in body["tools"]] == ["get_answer"]
    assert all("42" in r.output_text for r in result.values())


def test_acompare_answers_like_compare_without_blocking_the_event_loop(emu):
    rec = Recorder(emu.base_url)

    async def main():
        ticks = 0

        async def tick():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        ticker = asyncio.create_task(tick())
        result = await orj.acompare("Hello", models=[C, A], client=rec.client)
        ticker.cancel()
        return result, ticks

    result, ticks = asyncio.run(main())
    assert list(result) == [C, A] and result.errors == {}
    assert all(r.status == "completed" for r in result.values())
    assert ticks > 1


def test_cancelling_the_acompare_task_cancels_every_send(slow):
    models = ["emulator/long", A]
    watchers = Watchers()
    client = Recorder(slow.base_url).client

    async def main():
        task = asyncio.create_task(
            orj.acompare("Tell me a long story", models=models, client=client, observer=watchers)
        )
        await asyncio.to_thread(watchers.wait_for_text, models)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    for model in models:
        assert [r.status for r in watchers[model].responses] == ["cancelled"]
