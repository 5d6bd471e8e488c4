"""The emulator's deterministic web search and refusals, over real HTTP."""

from __future__ import annotations

import pytest
from helpers.emulator import post, schema_errors, stream, terminal

from or_jupyter import Client, emulator
from or_jupyter.emulator.websearch import PAGES


@pytest.fixture(scope="module")
def url():
    with emulator.start() as handle:
        yield handle.base_url


def _body(parameters=None, **extra):
    tool = {"type": "openrouter:web_search"}
    if parameters:
        tool["parameters"] = parameters
    return {"model": "emulator/assistant", "input": "What is new?", "tools": [tool], **extra}


def test_a_search_call_streams_the_real_event_sequence_before_the_cited_answer(url):
    evts = stream(url, _body({"max_results": 2}))
    search = [e["type"] for e in evts if "web_search_call" in e["type"]]
    assert search == [
        "response.web_search_call.in_progress",
        "response.web_search_call.searching",
        "response.web_search_call.completed",
    ]
    added = [e for e in evts if e["type"] == "response.output_item.added"]
    assert [e["item"]["type"] for e in added] == ["web_search_call", "message"]
    annotations = [e for e in evts if e["type"] == "response.output_text.annotation.added"]
    assert [e["annotation_index"] for e in annotations] == [0, 1]
    assert [e["annotation"]["url"] for e in annotations] == [page[0] for page in PAGES[:2]]
    assert [p for e in evts for p in schema_errors(e)] == []


def test_citations_index_the_sentences_they_support_and_repeat_in_the_final_message(url):
    final = terminal(stream(url, _body()))
    message = next(item for item in final["output"] if item["type"] == "message")
    part = message["content"][0]
    assert len(part["annotations"]) == 3
    for annotation, (_, title, sentence) in zip(part["annotations"], PAGES, strict=False):
        assert part["text"][annotation["start_index"] : annotation["end_index"]] == sentence
        assert annotation["title"] == title
    search = next(item for item in final["output"] if item["type"] == "web_search_call")
    assert search["status"] == "completed" and len(search["action"]["sources"]) == 3
    assert final["usage"]["server_tool_use_details"]["web_search_requests"] == 1


def test_allowed_and_excluded_domains_filter_the_fake_results(url):
    only = terminal(stream(url, _body({"allowed_domains": ["example.org"]})))
    urls = [s["url"] for s in only["output"][0]["action"]["sources"]]
    assert urls == ["https://news.example.org/2026/search-grounding"]
    without = terminal(stream(url, _body({"excluded_domains": ["example.com"]})))
    urls = [s["url"] for s in without["output"][0]["action"]["sources"]]
    assert urls and not any("example.com/" in u for u in urls)


def test_the_same_search_answers_the_same_streamed_or_not(url):
    streamed = terminal(stream(url, _body()))
    whole = post(url, _body()).json()
    assert whole["output_text"] == streamed["output_text"]
    assert (
        whole["output"][1]["content"][0]["annotations"]
        == (streamed["output"][1]["content"][0]["annotations"])
    )


def test_the_client_reads_citations_from_the_emulators_stream(url):
    client = Client(base_url=url, api_key="k")
    with client.stream(model="emulator/assistant", input="news?", web={"max_results": 2}) as s:
        for _ in s:
            pass
    cited = s.response.citations
    assert [(c.url, c.title) for c in cited] == [(p[0], p[1]) for p in PAGES[:2]]
    assert s.response.output_text[cited[0].start : cited[0].end] == PAGES[0][2]


def test_refuse_streams_a_refusal_part_that_the_client_keeps_as_refusal(url):
    evts = stream(url, {"model": "emulator/refuse", "input": "do harm"})
    assert any(e["type"] == "response.refusal.delta" for e in evts)
    assert [p for e in evts for p in schema_errors(e)] == []
    response = Client(base_url=url, api_key="k").create(model="emulator/refuse", input="x")
    assert response.refusal.startswith("I'm sorry") and response.output_text == ""
