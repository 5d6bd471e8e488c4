"""`Response.citations` and the accumulator's handling of annotations and search items."""

from __future__ import annotations

from or_jupyter.protocol import Accumulator, Event, response_from_json
from or_jupyter.protocol.citations import Citation, is_web_url
from or_jupyter.protocol.server_tools import web_search_tool


def feed(*events):
    acc = Accumulator()
    for data in events:
        acc.add(Event(data["type"], data))
    return acc.response()


def _message(*parts):
    return {"type": "message", "id": "m", "role": "assistant", "content": list(parts)}


def test_citation_indexes_follow_the_joined_text_of_several_parts():
    one = {"type": "output_text", "text": "abc ", "annotations": []}
    two = {
        "type": "output_text",
        "text": "def",
        "annotations": [
            {
                "type": "url_citation",
                "url": "https://x.org",
                "title": "X",
                "start_index": 0,
                "end_index": 3,
            }  # fmt: skip
        ],
    }
    response = response_from_json({"output": [_message(one, two)]})
    assert response.citations == [Citation("https://x.org", "X", 4, 7)]
    assert response.output_text[4:7] == "def"


def test_annotations_that_are_not_url_citations_or_lack_a_url_are_passed_over():
    part = {
        "type": "output_text",
        "text": "t",
        "annotations": [
            {"type": "file_citation", "file_id": "f"},
            {"type": "url_citation", "url": 5, "title": "bad"},
            "junk",
            {
                "type": "url_citation",
                "url": "https://ok.example",
                "title": None,
                "start_index": "0",
                "end_index": -1,
            },  # fmt: skip
        ],
    }
    response = response_from_json({"output": [_message(part)]})
    assert response.citations == [Citation("https://ok.example", "", None, None)]


def test_streamed_annotations_fill_a_final_message_that_has_none_and_not_one_that_has():
    streamed = {"type": "url_citation", "url": "https://a.example", "title": "A",
                "start_index": 0, "end_index": 1}  # fmt: skip
    own = {**streamed, "url": "https://b.example"}
    at = {"output_index": 0, "item_id": "m", "content_index": 0}
    events = [
        {"type": "response.output_item.added", "output_index": 0, "item": _message()},
        {"type": "response.output_text.delta", **at, "delta": "hello"},
        {"type": "response.output_text.annotation.added", **at, "annotation": streamed},
    ]
    bare = {"type": "output_text", "text": "hello", "annotations": []}
    final = {"type": "response.completed",
             "response": {"status": "completed", "output": [_message(bare)]}}  # fmt: skip
    assert [c.url for c in feed(*events, final).citations] == ["https://a.example"]
    final["response"]["output"] = [_message({**bare, "annotations": [own]})]
    assert [c.url for c in feed(*events, final).citations] == ["https://b.example"]


def test_a_search_items_status_follows_its_events():
    item = {"type": "web_search_call", "id": "ws", "status": "in_progress",
            "action": {"type": "search", "query": "q"}}  # fmt: skip
    at = {"output_index": 0, "item_id": "ws"}
    response = feed(
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {"type": "response.web_search_call.searching", **at},
    )
    assert response.output[0]["status"] == "searching"


def test_only_http_and_https_are_web_urls():
    assert is_web_url("https://a.example") and is_web_url(" HTTP://a.example")
    assert not is_web_url("javascript:alert(1)") and not is_web_url("java\nscript:x")
    assert not is_web_url("data:text/html,x") and not is_web_url("//a.example")


def test_web_false_adds_nothing_and_empty_domains_are_dropped():
    assert web_search_tool(False) is None and web_search_tool(None) is None
    assert web_search_tool({"allowed_domains": " , "}) == {"type": "openrouter:web_search"}
