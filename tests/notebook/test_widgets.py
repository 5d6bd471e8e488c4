"""`ChatForm` driven from Python (no frontend needed) against a real emulator."""

from __future__ import annotations

import socket
import time

import ipywidgets
import pytest
from helpers.hostile_html import PAYLOADS, parse_tags

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.chat.conversation import Conversation
from or_jupyter.notebook.chatform import FALLBACK_MODELS, ChatForm
from or_jupyter.notebook.form_page import REOPEN_NOTE

REASONING = 'class="orj-pane orj-reasoning'
TOOL_CARD = 'class="orj-pane orj-tool'


@pytest.fixture(scope="module")
def emu():
    with emulator.start() as handle:
        yield handle


@pytest.fixture
def client(emu):
    return orj.Client(api_key="x", base_url=emu.base_url, max_retries=0)


def widgets_in(box):
    for child in box.children:
        yield child
        if isinstance(child, ipywidgets.Box):
            yield from widgets_in(child)


def live_widgets(form):
    """The widgets the running turn draws in (none while it is drawn as plain HTML)."""
    canvas = form.live
    return list(widgets_in(canvas.root)) if canvas is not None and canvas.root else []


def transcript_html(form) -> str:
    """The finished turns (the saved display outputs) and the turn being drawn."""
    live = form.live.bundle()["text/html"] if form.live is not None else ""
    return "\n".join([form.saved["text/html"], live])


def until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def button(form, description):
    found = [
        w
        for w in live_widgets(form)
        if isinstance(w, ipywidgets.Button) and w.description == description
    ]
    return found[-1] if found else None


def send(form, prompt, timeout=20):
    form.prompt.value = prompt
    form.send_button.click()
    assert form.wait(timeout), "the send did not finish"


def test_send_shows_prompt_reasoning_answer_and_footer(client):
    form = ChatForm(model="emulator/assistant", client=client)
    assert form.wait(10)
    assert "emulator/echo" in form.model.options and form.models_note.value == ""
    form.effort.value = "low"
    form.prompt.value = "What is 6*7? Tell me & <b>quickly</b>"
    form.send_button.click()
    assert form.prompt.value == ""  # cleared once the send started
    assert form.wait(20)
    html = transcript_html(form)
    assert "What is 6*7? Tell me &amp; &lt;b&gt;quickly&lt;/b&gt;" in html
    assert "<b>quickly</b>" not in html
    assert REASONING in html
    assert "<strong>42</strong>" in html
    assert 'class="orj-footer"' in html and "emulator/assistant" in html
    assert form.error is None and form.response.status == "completed"
    kinds = [item.get("role") or item["type"] for item in form.conversation.history]
    assert kinds == ["user", "reasoning", "assistant"]
    assert form.stop_button.disabled and not form.send_button.disabled


def test_without_effort_there_is_no_reasoning_pane(client):
    form = ChatForm(model="emulator/assistant", client=client)
    send(form, "What is 6*7?")
    html = transcript_html(form)
    assert "<strong>42</strong>" in html and REASONING not in html


def test_controls_become_request_overrides(client):
    form = ChatForm(model="emulator/assistant", client=client)
    assert form.overrides() == {"model": "emulator/assistant"}
    form.effort.value, form.summary.value = "high", True
    form.default_temperature.value, form.temperature.value = False, 0.3
    form.max_output_tokens.value = 500
    form.model.value = "  openai/gpt-5-mini "
    assert form.temperature.disabled is False
    assert form.overrides() == {
        "model": "openai/gpt-5-mini",
        "reasoning": {"effort": "high", "summary": "auto"},
        "temperature": 0.3,
        "max_output_tokens": 500,
    }
    send(form, "What is 1+1?")
    assert form.response.model == "openai/gpt-5-mini"
    assert "Thought for" in transcript_html(form)  # summaries stream into the pane


def test_a_checked_tool_named_in_the_prompt_gets_a_card_and_runs(client):
    calls = []

    def get_weather(city: str) -> dict:
        """Weather in a city."""
        calls.append(city)
        return {"city": city, "sky": "clear"}

    form = ChatForm(model="emulator/assistant", client=client, tools=[get_weather])
    assert list(form.tool_boxes) == ["get_weather"] and form.tool_boxes["get_weather"].value
    send(form, "What is the weather? Use get_weather, city=Paris")
    html = transcript_html(form)
    assert calls == ["Paris"]
    assert TOOL_CARD in html and "get_weather" in html and "clear" in html
    form.tool_boxes["get_weather"].value = False
    form.clear()
    send(form, "What is the weather? Use get_weather, city=Rome")
    assert calls == ["Paris"] and TOOL_CARD not in transcript_html(form)


def test_stop_keeps_the_partial_answer_and_marks_it_stopped(client):
    chat = Conversation(model="emulator/long", client=client, metadata={"emulator_tps": "200"})
    form = ChatForm(conversation=chat)
    form.prompt.value = "Write a long document"
    form.send_button.click()
    until(lambda: "<h" in transcript_html(form).split("</style>")[-1])
    until(lambda: not form.stop_button.disabled)  # once the send ran CONTROLS_DELAY
    assert form.running and form.send_button.disabled
    form.stop_button.click()
    assert form.wait(60)  # unstopped, the answer would end on its own, completed, after 15 s
    html = transcript_html(form)
    assert form.response.status == "cancelled"
    assert "Stopped" in html and "cancelled" in html
    partial = form.response.output_text
    assert partial and len(partial) < 10_000  # 3,000 tokens at 200 per second would take 15 s
    assert chat.history[-1]["role"] == "assistant" and chat.history[-1]["status"] == "incomplete"
    assert not form.send_button.disabled  # usable again
    form.model.value = "emulator/assistant"
    send(form, "What is 2+2?")
    assert "<strong>4</strong>" in transcript_html(form)


def test_an_error_shows_a_box_keeps_the_prompt_and_the_form_stays_usable(client):
    form = ChatForm(model="emulator/error-402", client=client)
    send(form, "my carefully typed question")
    html = transcript_html(form)
    assert 'class="orj-error"' in html and "402" in html
    assert isinstance(form.error, orj.InsufficientCreditsError)
    assert form.prompt.value == "my carefully typed question"
    assert form.last_prompt == "my carefully typed question"
    assert "prompt is back" in form.status.value
    assert form.conversation.history == []
    assert not form.send_button.disabled and form.stop_button.disabled
    form.model.value = "emulator/echo"
    send(form, form.prompt.value)
    assert form.error is None and form.response.output_text == "my carefully typed question"
    assert form.prompt.value == ""


def test_an_error_outside_the_request_is_shown_too(client):
    chat = Conversation(model="emulator/assistant", client=client)
    chat.max_turns = "many"  # breaks the tool loop itself, before any request
    form = ChatForm(conversation=chat)
    send(form, "hello")
    assert isinstance(form.error, TypeError)
    assert 'class="orj-error"' in transcript_html(form) and "TypeError" in transcript_html(form)
    assert form.prompt.value == "hello" and not form.send_button.disabled


def test_an_empty_prompt_is_not_sent(client):
    form = ChatForm(model="emulator/assistant", client=client)
    form.prompt.value = "   \n"
    form.send_button.click()
    assert not form.running and form.conversation.history == []
    assert "Type a prompt" in form.status.value


def test_the_model_list_falls_back_when_the_catalogue_cannot_be_fetched():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed when the block ends: nothing listens there
    dead = orj.Client(api_key="x", base_url=f"http://127.0.0.1:{port}/api/v1", max_retries=0)
    form = ChatForm(client=dead)
    assert form.wait(15)
    assert list(form.model.options) == list(FALLBACK_MODELS)
    assert form.model.value == Conversation().model and not form.model.ensure_option
    assert "Could not fetch the model list" in form.models_note.value
    form.model.value = "some/unlisted-model"
    assert form.overrides()["model"] == "some/unlisted-model"


def test_clear_resets_the_conversation_and_the_transcript(client):
    form = ChatForm(model="emulator/assistant", client=client)
    send(form, "What is 3*3?")
    assert form.conversation.history and "3*3" in form.saved["text/html"]
    form.prompt.value = "a draft"
    form.clear_button.click()
    assert form.conversation.history == [] and form.live is None
    assert form.saved == {"text/html": "", "text/plain": ""}
    assert form.prompt.value == "a draft"
    send(form, "What is 5*5?")
    assert len(form.conversation.history) == 2 and "3*3" not in transcript_html(form)


def _confirm_form(client):
    ran = []

    @orj.tool(confirm=True)
    def delete_file(path: str) -> str:
        """Delete a file."""
        ran.append(path)
        return f"deleted {path}"

    form = ChatForm(model="emulator/assistant", client=client, tools=[delete_file])
    form.prompt.value = "Please delete_file path=notes.txt"
    form.send_button.click()
    until(lambda: button(form, "Approve") is not None)
    assert button(form, "Deny") is not None and "notes.txt" in transcript_html(form)
    return form, ran


def test_approve_runs_a_confirm_tool(client):
    form, ran = _confirm_form(client)
    button(form, "Approve").click()
    assert form.wait(20)
    html = transcript_html(form)
    assert ran == ["notes.txt"] and "deleted notes.txt" in html
    assert "approved" in html and button(form, "Approve") is None


def test_deny_refuses_a_confirm_tool(client):
    form, ran = _confirm_form(client)
    button(form, "Deny").click()
    assert form.wait(20)
    html = transcript_html(form)
    assert ran == [] and "denied" in html and "deleted notes.txt" not in html
    outputs = [i for i in form.conversation.history if i["type"] == "function_call_output"]
    assert len(outputs) == 1 and "declined" in outputs[0]["output"]


def test_stop_while_waiting_for_approval_denies_and_ends(client):
    form, ran = _confirm_form(client)
    form.stop_button.click()
    assert form.wait(10)
    assert ran == [] and "denied" in transcript_html(form) and button(form, "Approve") is None


@pytest.mark.parametrize("payload", [p for p in PAYLOADS if "<" in p][:8])
def test_hostile_html_in_the_prompt_is_escaped_everywhere(client, payload):
    form = ChatForm(model="emulator/echo", client=client)
    send(form, payload)
    assert form.response.output_text == payload  # the echo streamed it back verbatim
    html = transcript_html(form)
    for tag, attrs in parse_tags(html):
        assert tag not in ("img", "script", "svg", "iframe", "meta", "base"), html
        assert not any(name.startswith("on") for name, _ in attrs), html


def test_the_form_displays_as_a_widget(client):
    form = ChatForm(model="emulator/assistant", client=client)
    bundle = form._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == form.widget.model_id
    assert bundle["text/plain"] == REOPEN_NOTE  # what a frontend without the model shows
    assert form.conversation.client is client and "ChatForm" in repr(form)


def test_an_existing_conversation_is_driven_and_offline_is_announced():
    chat = Conversation(model="emulator/assistant", client=orj.Client(offline=True))
    form = ChatForm(conversation=chat, instructions="Be brief.")
    assert form.conversation is chat and chat.instructions == "Be brief."
    send(form, "What is 2*3?")
    html = transcript_html(form)
    assert "Offline mode" in html and "<strong>6</strong>" in html
    assert len(chat.history) == 2


def test_compare_toggle_sends_to_every_chosen_model_in_columns_with_a_table(client):
    form = ChatForm(model="emulator/assistant", client=client)
    assert form.wait(10)
    assert form.models.layout.display == "none"
    form.compare.value = True
    assert form.models.layout.display == "" and form.model.layout.display == "none"
    form.models.value = ("emulator/echo",)
    form.prompt.value = "compare this"
    assert form.send() is False and "two or more" in form.status.value
    form.models.value = ("emulator/echo", "emulator/assistant")
    send(form, "compare this")
    assert form.error is None
    assert list(form.response) == ["emulator/echo", "emulator/assistant"]
    assert form.live is None  # the columns went into the saved output
    html = transcript_html(form)
    assert html.count('<div class="orj-column">') == 2
    echo_column = html.split('<div class="orj-column">')[1]
    assert "emulator/echo" in echo_column and "compare this" in echo_column
    assert '<table class="orj-compare">' in html and "2 of 2 completed" in html
    assert set(form.conversation.branches) == {"emulator/echo", "emulator/assistant"}
