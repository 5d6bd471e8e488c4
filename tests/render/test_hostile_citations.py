"""Citations and generated images from a hostile server: odd indexes never raise,
thousands of citations are capped, only short printable http(s) URLs become links,
titles are escaped and the plain-text list has no terminal escapes; huge, invalid or
disguised image base64 is never drawn."""

from __future__ import annotations

import base64

import pytest
from helpers.hostile_html import assert_safe, parse_tags

import or_jupyter as orj
from or_jupyter.protocol import decode_image
from or_jupyter.protocol.citations import (
    MAX_CITATIONS,
    MAX_URL,
    Citation,
    citation,
    citations_of,
    is_web_url,
    message_citations,
)
from or_jupyter.protocol.images import MAX_IMAGE_BYTES
from or_jupyter.render.citations import MAX_SOURCES, cited_html, sources_list, sources_text
from or_jupyter.render.live import LiveView

TEXT = "Paris is the capital of France. The Seine runs through it."


def annotation(url="https://ok.example/", **fields):
    return {"type": "url_citation", "url": url, "title": "T", **fields}


def links(html):
    return [dict(attrs).get("href") for tag, attrs in parse_tags(html) if tag == "a"]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (-5, -1),
        (0, 10**12),
        ("3", "9"),
        (1.5, 2.5),
        (True, False),
        (None, None),
        (40, 3),
        (2**70, 2**70),
        ([1], {"a": 1}),
    ],  # fmt: skip
)
def test_odd_indexes_never_raise_and_keep_every_word(start, end):
    cited = citation(annotation(start_index=start, end_index=end))
    html = cited_html(TEXT, [cited])
    assert_safe(html)
    assert all(part in html for part in ("Paris", "is the capital of France.", "runs through it."))
    assert links(html) == ["https://ok.example/"]


def test_overlapping_spans_each_get_their_number_once():
    cited = [citation(annotation(f"https://{n}.example/", start_index=0, end_index=30 + n))
             for n in range(3)] * 2  # fmt: skip
    html = cited_html(TEXT, cited)
    assert [html.count(f">[{n}]</a>") for n in (1, 2, 3)] == [1, 1, 1]


def test_thousands_of_citations_in_a_message_are_capped():
    listed = [annotation(f"https://e.example/{n}", end_index=n % 50) for n in range(5_000)]
    item = {"type": "message", "content": [{"type": "output_text", "text": TEXT,
                                             "annotations": listed}]}  # fmt: skip
    found = message_citations(item)
    assert len(found) == MAX_CITATIONS
    assert found[0] == Citation("https://e.example/0", "T", None, 0)
    assert len(citations_of([item, item])) == MAX_CITATIONS


def test_at_most_max_sources_are_numbered_and_the_list_says_how_many_more():
    cited = [Citation(f"https://e.example/{n}", f"page {n}", 0, 5) for n in range(MAX_SOURCES + 40)]
    html, sources, text = cited_html(TEXT, cited), sources_list(cited), sources_text(cited)
    assert len(links(html)) == MAX_SOURCES
    assert len(links(sources)) == MAX_SOURCES and "… and 40 more sources not shown" in sources
    assert text.count("\n[") == MAX_SOURCES and text.endswith("… and 40 more sources not shown")
    assert "\U000f0000" not in html and not any(0xF0000 <= ord(c) <= 0xFFFFD for c in html)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "  javascript:alert(1)",
        "\tjava\nscript:alert(1)",
        "\x00javascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "DATA:text/html,<script>alert(1)</script>",
        "//evil.example/x",
        "vbscript:msgbox(1)",
        "https://ok.example/\x1b]0;pwned\x07",
        "https://ok.example/" + "a" * MAX_URL,
    ],
)
def test_urls_that_are_not_short_printable_http_never_become_links(url):
    assert not is_web_url(url)
    cited = [Citation(url, "<b>bold</b>", 0, 5)]
    for html in (cited_html(TEXT, cited), sources_list(cited)):
        assert_safe(html)
        assert links(html) == []
        assert "<b>bold</b>" not in html
    assert len(sources_list(cited)) < 1000


@pytest.mark.parametrize(
    "url", ["HTTPS://ok.example/", " https://ok.example/", "http://ok.example/a b"]
)
def test_http_urls_in_any_case_or_with_spaces_stay_links(url):
    assert is_web_url(url)
    assert len(links(sources_list([Citation(url, "t", 0, 1)]))) == 1


def test_titles_with_html_and_terminal_escapes_are_escaped_and_stripped():
    title = '<img src=x onerror=alert(1)>\x1b]0;pwned\x07\x1b[2J"quoted"' + "t" * 1000
    cited = [Citation("https://ok.example/", title, 0, 5)]
    for html in (cited_html(TEXT, cited), sources_list(cited)):
        assert_safe(html)
        assert "<img" not in html and "&lt;img" in html
    text = sources_text(cited)
    assert "\x1b" not in text and "\x07" not in text and len(text) < 500
    assert text.startswith("Sources:\n[1] <img src=x")


# -- generated images ------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.mark.parametrize(
    "value",
    [
        "A" * (MAX_IMAGE_BYTES * 4 // 3 + 1000),  # over the cap: refused before decoding
        "data:image/png;base64," + base64.b64encode(b"<svg onload=alert(1)/>").decode(),
        "data:image/png;base64," + base64.b64encode(PNG).decode() + "!!",
        base64.b64encode(PNG).decode()[:-3],  # cut mid-quantum
        "data:image/svg+xml;base64," + base64.b64encode(PNG).decode(),
        5,
        None,
    ],
    ids=["huge", "svg-claimed-as-png", "invalid-tail", "truncated", "svg-type", "int", "none"],
)
def test_image_base64_that_is_huge_invalid_or_not_an_image_is_refused(value):
    assert decode_image(value) is None


def test_a_huge_partial_image_is_never_drawn_and_the_view_goes_on():
    published: list[str] = []

    class Surface:
        def show(self, html, text):
            published.append(html)
            return self

        def update(self, html, text):
            published.append(html)

        def show_widget(self, widget):
            return self

    view = LiveView(Surface())
    view.begin(model="m")
    huge = base64.b64encode(PNG).decode() + "A" * (MAX_IMAGE_BYTES * 4 // 3 + 1000)
    kind = "response.image_generation_call.partial_image"
    view.on_event(orj.Event(kind, {"type": kind, "output_index": 0, "partial_image_index": 0,
                                   "partial_image_b64": huge}))  # fmt: skip
    view.flush()
    html = " ".join(published)
    assert "<img" not in html and len(html) < 100_000
