"""The sanitiser, and hostile model text through every rendering path."""

from __future__ import annotations

import pytest
from helpers.hostile_html import PAYLOADS, assert_safe, parse_tags

from or_jupyter.render.markdown import _MD, StreamingMarkdown, render_markdown
from or_jupyter.render.sanitize import escape, sanitize


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sanitize_neutralises_raw_html(payload: str) -> None:
    assert_safe(sanitize(payload))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_render_markdown_neutralises_model_text(payload: str) -> None:
    html = render_markdown(f"Before\n\n{payload}\n\nafter *{payload}*\n\n- {payload}")
    assert_safe(html)
    assert "javascript:" not in " ".join(v or "" for _, a in parse_tags(html) for _, v in a)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_streaming_is_safe_at_every_step(payload: str) -> None:
    stream = StreamingMarkdown()
    for char in f"Intro\n\n{payload}\n\n> {payload}\n":
        stream.feed(char)
        assert_safe(stream.tail_html())
        for block in stream.take_newly_frozen():
            assert_safe(block)
    stream.close()
    for block in [*stream.take_newly_frozen(), *stream.take_revisions().values()]:
        assert_safe(block)
    assert_safe(stream.html())


def test_links_get_rel_and_keep_safe_schemes() -> None:
    html = sanitize('<a href="https://a.example/x?y=1">a</a> <a href="mailto:me@a.example">m</a>')
    assert html.count('rel="noopener noreferrer"') == 2
    assert 'href="https://a.example/x?y=1"' in html
    assert 'href="mailto:me@a.example"' in html


def test_relative_links_pass_and_unknown_schemes_do_not() -> None:
    assert 'href="#usage"' in sanitize('<a href="#usage">u</a>')
    assert "href" not in sanitize('<a href="file:///etc/passwd">f</a>')
    assert "href" not in sanitize('<a href="data:image/png;base64,AAAA">f</a>')


def test_images_allow_http_and_raster_data_only() -> None:
    assert 'src="https://a.example/p.png"' in sanitize('<img src="https://a.example/p.png">')
    assert 'src="data:image/png;base64,AAAA"' in sanitize('<img src="data:image/png;base64,AAAA">')
    assert "src" not in sanitize('<img src="data:image/svg+xml;base64,AAAA">')
    assert "src" not in sanitize('<img src="data:text/html,hi">')


def test_style_is_reduced_to_text_align() -> None:
    html = sanitize('<table><tr><td style="text-align:center;color:red">a</td></tr></table>')
    assert 'style="text-align:center"' in html
    assert "style" not in sanitize('<p style="text-align:center">x</p>')


def test_classes_kept_where_highlighting_needs_them() -> None:
    html = '<pre class="orj-code"><code class="language-python"><span class="k">def</span></code></pre>'
    assert sanitize(html) == html
    assert "class" not in sanitize('<p class="x">p</p>')


def test_details_summary_survive() -> None:
    html = "<details open><summary>Reasoning</summary><p>thought</p></details>"
    assert sanitize(html) == '<details open=""><summary>Reasoning</summary><p>thought</p></details>'


def test_allow_list_keeps_everything_our_renderer_emits() -> None:
    doc = (
        "# H1\n\nSet\n---\n\n1. one\n2. two\n\n3. three\n\n- *em* **strong** ~~del~~ `code`\n"
        "\n> quote\n\n| l | c | r |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n\n```python\nx = 1\n```\n"
        "\n    indented\n\n***\n\n[link](https://a.example 'title') ![img](https://a.example/i.png)"
        "\nline  \nbreak\n"
    )
    raw = parse_tags(_MD.render(doc))
    cleaned = parse_tags(render_markdown(doc))
    without_rel = [(tag, [a for a in attrs if a[0] != "rel"]) for tag, attrs in cleaned]
    assert without_rel == raw


def test_escape() -> None:
    assert (
        escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"
    )
