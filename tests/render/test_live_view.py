"""The live view: Markdown as it streams, reasoning panes, tool cards, errors, safety, bytes."""

from __future__ import annotations

import json
import re
import threading
import time

import pytest
from helpers.display_capture import shell_with_capture
from helpers.hostile_html import PAYLOADS, assert_safe
from helpers.scripted_server import Reply, sse

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.chat.conversation import Conversation
from or_jupyter.notebook import DisplaySurface, run_send
from or_jupyter.render.live import LiveView

REASONING = 'class="orj-pane orj-reasoning'
STYLE = re.compile(r"<style>.*?</style>", re.S)


@pytest.fixture(scope="module")
def emu():
    with emulator.start() as handle:
        yield handle


@pytest.fixture
def capture():
    shell, publisher = shell_with_capture()
    yield publisher
    publisher.reset()


def answer_outputs(capture):
    """Outputs of the answer itself: everything but the header, panes, footer and boxes."""
    marks = ("<style>", 'class="orj-pane', "orj-footer", "orj-notice", "orj-error")
    return [
        o
        for o in capture.outputs()
        if o.get("text/html") and not any(mark in o["text/html"] for mark in marks)
    ]


def send(emu_or_url, prompt, *, tools=None, view=None, chat=None, **overrides):
    base_url = emu_or_url if isinstance(emu_or_url, str) else emu_or_url.base_url
    chat = chat or Conversation(
        model=overrides.pop("model", "emulator/assistant"),
        tools=tools,
        client=orj.Client(api_key="k", base_url=base_url, max_retries=0),
    )
    view = view or LiveView(DisplaySurface())
    view.begin(model=chat.model)
    return chat, run_send(chat, prompt, view, poll_ui=False, **overrides)


def test_answer_is_rendered_markdown_and_its_plain_text_is_the_source(emu, capture):
    _, response = send(emu, "write", model="emulator/long", max_output_tokens=3000)
    html = capture.html()
    assert "<h1>" in html and "<table>" in html and '<pre class="orj-code">' in html
    answer_plain = "".join(o.get("text/plain", "") for o in answer_outputs(capture))
    assert answer_plain.replace("\n", "") == response.output_text.replace("\n", "")


@pytest.mark.slow
def test_frozen_blocks_are_sent_once_and_bytes_stay_linear(emu, capture):
    _, response = send(
        emu,
        "write",
        model="emulator/long",
        max_output_tokens=6000,
        metadata={"emulator_tps": "3000"},
    )
    final = sum(len(o.get("text/html", "")) for o in capture.outputs())
    assert len(response.output_text) > 15_000
    assert capture.total_bytes() < 5 * final
    # updates are throttled: far fewer messages than deltas
    assert len(capture.messages) < 400


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_model_text_is_safe_in_every_published_update(emu, capture, payload):
    send(emu, payload, model="emulator/echo", metadata={"emulator_tps": "0"})
    for message in capture.messages:
        assert_safe(STYLE.sub("", message.data.get("text/html", "")))


def test_reasoning_pane_opens_while_thinking_then_folds_with_a_label(emu, capture):
    send(
        emu,
        "10*5",
        reasoning={"effort": "high", "summary": "detailed"},
        metadata={"emulator_tps": "2000"},
    )
    panes = [
        m.data["text/html"] for m in capture.messages if REASONING in m.data.get("text/html", "")
    ]
    assert any('orj-reasoning" open>' in html for html in panes)
    final = [o["text/html"] for o in capture.outputs() if REASONING in o.get("text/html", "")]
    assert len(final) == 1
    assert 'orj-reasoning">' in final[0] and " open>" not in final[0]
    assert re.search(r"Thought for \d+\.\d s · [\d,]+ reasoning tokens", final[0])


def test_encrypted_only_reasoning_says_it_is_hidden_by_the_provider(server, capture):
    item = {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAAAB"}
    message = {
        "type": "message",
        "id": "m",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": "Hi", "annotations": []}],
    }
    server.queue(
        Reply(
            200,
            sse(
                {"type": "response.output_item.added", "output_index": 0, "item": item},
                {"type": "response.output_item.done", "output_index": 0, "item": item},
                {
                    "type": "response.output_item.added",
                    "output_index": 1,
                    "item": {**message, "content": []},
                },
                {
                    "type": "response.output_text.delta",
                    "output_index": 1,
                    "content_index": 0,
                    "delta": "Hi",
                },
                {
                    "type": "response.completed",
                    "response": {"id": "g", "status": "completed", "output": [item, message]},
                },
            ),
        )
    )
    send(server.base_url, "hello", model="openai/o4-mini")
    assert "reasoning hidden by the provider" in capture.html()


def tool_cards(capture):
    return [
        o["text/html"]
        for o in capture.outputs()
        if 'class="orj-pane orj-tool' in o.get("text/html", "")
    ]


def test_tool_card_for_a_successful_call_folds_with_its_result(emu, capture):
    @orj.tool
    def get_weather(city: str) -> dict:
        """Weather."""
        return {"city": city, "sky": "clear"}

    send(emu, "get_weather city=Oslo", tools=[get_weather])
    [card] = tool_cards(capture)
    assert "get_weather" in card and "orj-status-done" in card
    assert "&quot;city&quot;: &quot;Oslo&quot;" in card  # pretty-printed arguments
    assert "clear" in card and '<details class="orj-pane orj-tool">' in card
    assert re.search(r"\d+\.\d\d s", card)
    running = [
        m.data["text/html"]
        for m in capture.messages
        if "orj-status-running" in m.data.get("text/html", "")
    ]
    assert running


def test_a_tool_card_shows_the_label_the_view_was_given_for_its_name(emu, capture):
    @orj.tool(name="time__get_current_time")
    def now(timezone: str) -> str:
        """The time."""
        return f"12:00 in {timezone}"

    view = LiveView(DisplaySurface())
    view.label_tools({"time__get_current_time": "time › get_current_time"})
    send(emu, "call time__get_current_time timezone=UTC", tools=[now], view=view)
    [card] = tool_cards(capture)
    assert "<code>time › get_current_time</code>" in card and "orj-status-done" in card
    assert "time__get_current_time" not in card and "12:00 in UTC" in card


def test_tool_card_for_a_raising_tool_shows_the_error_and_traceback(emu, capture):
    @orj.tool
    def explode() -> str:
        """Fails."""
        raise RuntimeError("kaboom")

    send(emu, "call explode", tools=[explode])
    [card] = tool_cards(capture)
    assert "orj-status-error" in card and "kaboom" in card and "traceback" in card
    assert " open>" in card


def test_tool_card_for_a_refused_confirm_tool_says_denied(emu, capture):
    @orj.tool(confirm=True)
    def delete_all() -> str:
        """Dangerous."""
        return "deleted"

    chat, _ = send(emu, "call delete_all", tools=[delete_all])
    [card] = tool_cards(capture)
    assert "orj-status-denied" in card
    output = next(i for i in chat.history if i["type"] == "function_call_output")
    assert output["output"] != "deleted"


def test_long_tool_results_are_truncated_with_a_way_to_see_all(emu, capture):
    @orj.tool
    def big() -> str:
        """Lots of text."""
        return "x" * 5000

    send(emu, "call big", tools=[big])
    [card] = tool_cards(capture)
    assert "5,000 characters" in card and "show all" in card


def test_stop_keeps_the_partial_answer_and_says_so(emu, capture):
    chat = Conversation(
        model="emulator/long", client=orj.Client(api_key="k", base_url=emu.base_url)
    )
    threading.Timer(0.4, chat.cancel).start()
    _, response = send(
        emu, "write", chat=chat, max_output_tokens=5000, metadata={"emulator_tps": "300"}
    )
    assert response.status == "cancelled" and response.output_text
    html = capture.html()
    assert "Stopped" in html and "cancelled" in html
    assert chat.history[-1]["status"] == "incomplete"


FAULTS = [
    ("emulator/error-400", "BadRequestError 400"),
    ("emulator/error-401", "AuthenticationError 401"),
    ("emulator/error-402", "InsufficientCreditsError 402"),
    ("emulator/error-403", "PermissionDeniedError 403"),
    ("emulator/error-404", "NotFoundError 404"),
    ("emulator/error-408", "RequestTimeoutError 408"),
    ("emulator/error-429", "RateLimitError 429"),
    ("emulator/error-500", "ServerError 500"),
    ("emulator/error-502", "ServerError 502"),
    ("emulator/error-503", "ServerError 503"),
    ("emulator/midstream-error", "ResponseFailedError"),
    ("emulator/failed", "ResponseFailedError"),
    ("emulator/truncated", "StreamError"),
]


@pytest.mark.parametrize(("model", "title"), FAULTS)
def test_faults_show_a_readable_error_box_with_what_to_do(emu, capture, model, title):
    with pytest.raises(orj.APIError):
        send(emu, "hello there, tell me a story", model=model)
    boxes = [
        o["text/html"] for o in capture.outputs() if 'class="orj-error"' in o.get("text/html", "")
    ]
    assert len(boxes) == 1
    assert f"<strong>{title}</strong>" in boxes[0]
    assert "What to do:" in boxes[0]
    if model in ("emulator/midstream-error", "emulator/failed", "emulator/truncated"):
        assert capture.html().index("<p>") < capture.html().index(
            'class="orj-error"'
        )  # partial text above


def test_402_box_tells_the_user_to_add_credits(emu, capture):
    with pytest.raises(orj.InsufficientCreditsError):
        send(emu, "hi", model="emulator/error-402")
    assert "add credits" in capture.html()


def test_footer_reports_model_tokens_cost_and_timings(emu, capture):
    send(emu, "10*5", reasoning={"effort": "low"})
    footer = [
        o["text/plain"] for o in capture.outputs() if 'class="orj-footer"' in o.get("text/html", "")
    ]
    assert len(footer) == 1
    assert re.match(
        r"emulator/assistant · via Emulator · [\d,]+ in / [\d,]+ out tokens · "
        r"[\d,]+ reasoning · conversation [\d,]+ tokens · \$0\.\d+ · "
        r"first token \d+\.\d\d s · total \d+\.\d\d s$",
        footer[0],
    )


def test_offline_notice_is_shown_when_offline(capture):
    view = LiveView(DisplaySurface())
    view.begin(model="m", offline=True)
    assert "scripted by the local emulator, not a model" in capture.html()


def test_parallel_calls_of_one_tool_each_get_their_own_result(server, capture):
    calls = [
        {
            "type": "function_call",
            "id": f"fc_{n}",
            "call_id": f"call_{n}",
            "name": "slow_echo",
            "arguments": json.dumps({"word": word, "wait": wait}),
            "status": "completed",
        }
        for n, (word, wait) in enumerate([("first", 0.6), ("second", 0.0)])
    ]
    events = [
        {"type": "response.output_item.added", "output_index": i, "item": c}
        for i, c in enumerate(calls)
    ]
    events.append(
        {
            "type": "response.completed",
            "response": {"id": "g", "status": "completed", "output": calls},
        }
    )
    answer = {
        "type": "response.completed",
        "response": {
            "id": "g2",
            "status": "completed",
            "output": [
                {
                    "type": "message",
                    "id": "m",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": "ok", "annotations": []}],
                }
            ],
        },
    }
    server.queue(Reply(200, sse(*events)), Reply(200, sse(answer)))

    @orj.tool
    def slow_echo(word: str, wait: float) -> str:
        """Echo a word after a wait."""
        time.sleep(wait)
        return f"echo {word}"

    send(server.base_url, "go", tools=[slow_echo])
    cards = tool_cards(capture)
    assert len(cards) == 2
    assert "first" in cards[0] and "echo first" in cards[0] and "echo second" not in cards[0]
    assert "second" in cards[1] and "echo second" in cards[1] and "echo first" not in cards[1]
