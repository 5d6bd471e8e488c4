"""Citations, server-tool cards, unknown items and refusals in the live and terminal views,
over real HTTP (the scripted server or the emulator)."""

from __future__ import annotations

import io
import re

import pytest
from helpers.display_capture import shell_with_capture
from helpers.hostile_html import assert_safe, parse_tags
from helpers.scripted_server import Reply, sse

import or_jupyter as orj
from or_jupyter import emulator
from or_jupyter.chat.conversation import Conversation
from or_jupyter.emulator.websearch import PAGES
from or_jupyter.notebook import DisplaySurface, run_send
from or_jupyter.protocol import Event, Response
from or_jupyter.protocol.citations import Citation
from or_jupyter.render import TerminalView
from or_jupyter.render.live import LiveView

TEXT = "Paris is the capital of France. The Seine flows through it."
GOOD = {
    "type": "url_citation",
    "url": "https://en.example.org/wiki/Paris",
    "title": "Paris <b>bold</b> - Example Wiki",
    "start_index": 0,
    "end_index": 31,
}
EVIL = {
    "type": "url_citation",
    "url": "javascript:alert(document.cookie)",
    "title": "Evil",
    "start_index": 32,
    "end_index": len(TEXT),
}
STYLE = re.compile(r"<style>.*?</style>", re.S)


@pytest.fixture(scope="module")
def emu():
    with emulator.start() as handle:
        yield handle


@pytest.fixture
def capture():
    _, publisher = shell_with_capture()
    yield publisher
    publisher.reset()


def send(base_url, prompt="q", *, view=None, **overrides):
    chat = Conversation(
        model=overrides.pop("model", "emulator/assistant"),
        client=orj.Client(api_key="k", base_url=base_url, max_retries=0),
    )
    view = view or LiveView(DisplaySurface())
    view.begin(model=chat.model)
    return run_send(chat, prompt, view, poll_ui=False, **overrides)


def message(content, status="completed"):
    return {"type": "message", "id": "msg_1", "role": "assistant", "status": status,
            "content": content}  # fmt: skip


def cited_stream(final_annotations, *, streamed=(GOOD, EVIL), extra_items=()):
    """A stream: extra items, then a message whose text is cited by `streamed`
    annotation events; the final response carries `final_annotations`."""
    events = []
    output = []
    for index, item in enumerate(extra_items):
        events.append({"type": "response.output_item.added", "output_index": index, "item": item})
        events.append({"type": "response.output_item.done", "output_index": index, "item": item})
        output.append(item)
    at = {"output_index": len(output), "item_id": "msg_1", "content_index": 0}
    events.append(
        {"type": "response.output_item.added", "output_index": len(output), "item": message([])}
    )
    for word in re.findall(r"\S+\s*", TEXT):
        events.append({"type": "response.output_text.delta", **at, "delta": word})
    for number, annotation in enumerate(streamed):
        events.append(
            {
                "type": "response.output_text.annotation.added",
                **at,
                "annotation_index": number,
                "annotation": annotation,
            }  # fmt: skip
        )
    part = {"type": "output_text", "text": TEXT, "annotations": list(final_annotations)}
    events.append({"type": "response.output_item.done", "output_index": len(output),
                   "item": message([part])})  # fmt: skip
    output.append(message([part]))
    final = {"id": "gen-1", "object": "response", "model": "m", "status": "completed",
             "output": output, "usage": {"input_tokens": 3, "output_tokens": 12}}  # fmt: skip
    events.append({"type": "response.completed", "response": final})
    return Reply(200, sse(*events))


def links(html):
    return [dict(attrs).get("href") for tag, attrs in parse_tags(html) if tag == "a"]


def test_citations_become_numbered_links_at_their_places_and_a_sources_list(server, capture):
    server.queue(cited_stream([GOOD, EVIL]))
    response = send(server.base_url)
    html = STYLE.sub("", capture.html())
    assert_safe(html)
    first = html.index("capital of France.")
    marker = html.index('<span class="orj-cite"><a href="https://en.example.org/wiki/Paris"')
    assert first < marker < html.index("The Seine")
    assert ">[1]</a></span>" in html and '<span class="orj-cite">[2]</span>' in html
    sources = html[html.index('class="orj-sources"') :]
    assert "<strong>Sources</strong>" in sources
    assert "Paris &lt;b&gt;bold&lt;/b&gt; - Example Wiki" in sources
    assert "en.example.org" in sources
    assert "https://en.example.org/wiki/Paris" in links(sources)
    assert response.citations == [
        Citation(GOOD["url"], GOOD["title"], 0, 31),
        Citation(EVIL["url"], "Evil", 32, len(TEXT)),
    ]


def test_a_javascript_url_in_an_annotation_never_becomes_a_link(server, capture):
    server.queue(cited_stream([EVIL], streamed=[EVIL]))
    send(server.base_url)
    html = capture.html()
    assert not any((href or "").lower().startswith("javascript") for href in links(html))
    assert "javascript:alert(document.cookie)" in html  # shown, as text
    assert_safe(STYLE.sub("", html))


def test_streamed_annotations_are_enough_when_the_final_message_has_none(server, capture):
    server.queue(cited_stream([], streamed=[GOOD]))
    response = send(server.base_url)
    assert [c.url for c in response.citations] == [GOOD["url"]]
    assert 'href="https://en.example.org/wiki/Paris"' in capture.html()
    assert "orj-sources" in capture.html()


def test_the_answer_is_drawn_once_cited_and_its_text_stays_the_source(server, capture):
    server.queue(cited_stream([GOOD]))
    send(server.base_url)
    outputs = [o for o in capture.outputs() if "Paris is the capital" in o.get("text/html", "")]
    assert len(outputs) == 1  # no streamed copy left beside the cited one
    assert outputs[0]["text/plain"] == TEXT


def test_an_unknown_item_type_gets_a_generic_card_capped_and_escaped(server, capture):
    odd = {"type": "x_future_call", "id": "xf_1", "status": "completed",
           "payload": "<img src=x onerror=alert(1)>" + "y" * 5000}  # fmt: skip
    fetch = {"type": "openrouter:web_fetch", "id": "wf_1", "status": "completed",
             "url": "https://example.com", "title": "Example Domain", "httpStatus": 200}  # fmt: skip
    server.queue(cited_stream([], streamed=[], extra_items=[odd, fetch]))
    response = send(server.base_url)
    html = STYLE.sub("", capture.html())
    assert_safe(html)
    card = next(o for o in capture.outputs() if "x_future_call" in o.get("text/html", ""))
    assert "&lt;img src=x onerror=alert(1)&gt;" in card["text/html"]
    assert len(card["text/html"]) < 3_000 and "more characters not shown" in card["text/html"]
    assert "openrouter:web_fetch" in html and "https://example.com · HTTP 200" in html
    assert [item["type"] for item in response.output][:2] == [
        "x_future_call",
        "openrouter:web_fetch",
    ]


def test_emulator_web_search_draws_a_search_card_citations_and_counts_the_search(emu, capture):
    response = send(emu.base_url, "what is new in streaming?", web={"max_results": 2})
    html = capture.html()
    card = next(
        o["text/html"] for o in capture.outputs() if "web_search_call" in o.get("text/html", "")
    )
    assert "“what is new in streaming?”" in card and "2 results" in card and "completed" in card
    for url, title, _ in PAGES[:2]:
        assert f'href="{url}"' in html and title in html
    assert "[1]" in html and "[2]" in html
    footer = next(
        o["text/plain"] for o in capture.outputs() if 'class="orj-footer"' in o.get("text/html", "")
    )
    assert "1 web search" in footer
    assert len(response.citations) == 2


def test_a_refusal_is_drawn_as_a_refusal_box(emu, capture):
    response = send(emu.base_url, "do something bad", model="emulator/refuse")
    box = next(o for o in capture.outputs() if 'class="orj-refusal"' in o.get("text/html", ""))
    assert "The model refused" in box["text/html"]
    assert response.refusal.startswith("I'm sorry") and "I&#x27;m sorry" in box["text/html"]
    assert box["text/plain"] == f"[refusal] {response.refusal}"
    assert not any(
        "I&#x27;m sorry" in o.get("text/html", "")
        for o in capture.outputs()
        if 'class="orj-refusal"' not in o.get("text/html", "")
    )


def test_not_streamed_a_cited_answer_is_drawn_with_its_links_and_sources(emu, capture):
    chat = Conversation(
        model="emulator/assistant",
        client=orj.Client(api_key="k", base_url=emu.base_url, max_retries=0),
        stream=False,
    )
    view = LiveView(DisplaySurface())
    view.begin(model=chat.model)
    run_send(chat, "news?", view, poll_ui=False, web=True)
    html = capture.html()
    assert f'href="{PAGES[0][0]}"' in html and "orj-sources" in html and "web_search_call" in html


def test_the_terminal_view_prints_the_sources_and_the_search(emu):
    out = io.StringIO()
    send(emu.base_url, "news?", view=TerminalView(out, color=False), web=True)
    text = out.getvalue()
    assert "Sources:" in text and f"[1] {PAGES[0][1]} — {PAGES[0][0]}" in text
    assert "[web_search_call] completed" in text and "1 web search" in text


def test_odd_fields_in_annotation_search_and_refusal_events_never_make_the_view_raise(capture):
    view = LiveView(DisplaySurface(), interval=0)
    view.begin(model="m")
    odd = [
        {"type": "response.output_item.added", "output_index": 0, "item": {"type": ["x"]}},
        {
            "type": "response.output_item.added",
            "output_index": 1,
            "item": {
                "type": "web_search_call",
                "action": {"type": "search", "query": 5, "sources": "many"},
                "status": 3,
            },
        },  # fmt: skip
        {"type": "response.web_search_call.searching", "output_index": "1"},
        {"type": "response.web_search_call.completed", "output_index": 9},
        {"type": "response.output_text.annotation.added", "output_index": 2, "annotation": "x"},
        {
            "type": "response.output_text.annotation.added",
            "output_index": 2,
            "annotation": {"type": "url_citation", "url": ["a"], "end_index": "9"},
        },  # fmt: skip
        {"type": "response.output_text.delta", "output_index": 2, "delta": "text"},
        {
            "type": "response.output_text.annotation.added",
            "output_index": 2,
            "annotation": {
                "type": "url_citation",
                "url": "https://a.example",
                "end_index": 10**9,
                "start_index": -4,
                "title": {"t": 1},
            },
        },  # fmt: skip
        {"type": "response.refusal.delta", "output_index": 3, "delta": None},
        {
            "type": "response.output_item.done",
            "output_index": 2,
            "item": {"type": "message", "content": [{"type": "refusal", "refusal": 7}, "x"]},
        },  # fmt: skip
    ]
    for data in odd:
        view.on_event(Event(data["type"], data))
        view.tick()
    view.on_response(Response(status="completed", output=[{"type": None}], usage={"x": []}))
    view.finish(Response(status="completed"))
    html = STYLE.sub("", capture.html())
    assert_safe(html)
    assert 'href="https://a.example"' in html and "text" in html
