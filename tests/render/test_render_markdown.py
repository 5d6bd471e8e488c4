"""Markdown rendering, full and streamed."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from or_jupyter.render import markdown
from or_jupyter.render.markdown import StreamingMarkdown, render_markdown, stylesheet


def stream(text: str, size: int = 1) -> StreamingMarkdown:
    """Feed ``text`` in ``size``-character deltas."""
    result = StreamingMarkdown()
    for start in range(0, len(text), size):
        result.feed(text[start : start + size])
    return result


# -- full render -----------------------------------------------------------------


def test_list_right_after_paragraph() -> None:
    assert render_markdown("Steps:\n- one\n- two") == (
        "<p>Steps:</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
    )


def test_two_space_nested_list() -> None:
    html = render_markdown("- fruit\n  - apple\n  - pear\n- veg")
    assert html == (
        "<ul>\n<li>fruit\n<ul>\n<li>apple</li>\n<li>pear</li>\n</ul>\n</li>\n<li>veg</li>\n</ul>\n"
    )


def test_table_with_alignment_and_escaped_pipe() -> None:
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | `x\\|y` |")
    assert html == (
        "<table>\n<thead>\n<tr>\n"
        '<th style="text-align:left">a</th>\n<th style="text-align:right">b</th>\n'
        "</tr>\n</thead>\n<tbody>\n<tr>\n"
        '<td style="text-align:left">1</td>\n<td style="text-align:right"><code>x|y</code></td>\n'
        "</tr>\n</tbody>\n</table>\n"
    )


def test_fenced_code_is_highlighted_with_classes() -> None:
    html = render_markdown("```python\ndef f(x):\n    return x < 1\n```")
    assert html.startswith('<pre class="orj-code"><code class="language-python">')
    assert '<span class="k">def</span>' in html
    assert '<span class="nf">f</span>' in html
    assert "&lt;" in html and "style=" not in html
    assert html.endswith("</code></pre>\n")


@pytest.mark.parametrize(
    "opening, closing, expected_class",
    [("~~~~", "~~~~~", ""), ("```no-such-language", "```", ' class="language-no-such-language"')],
)
def test_fence_without_known_language_is_escaped(
    opening: str, closing: str, expected_class: str
) -> None:
    html = render_markdown(f"{opening}\n<b>bold</b>\n{closing}")
    assert (
        html
        == f'<pre class="orj-code"><code{expected_class}>&lt;b&gt;bold&lt;/b&gt;\n</code></pre>\n'
    )


def test_fence_language_cannot_break_out_of_class() -> None:
    html = render_markdown('```py" onclick="x\ncode\n```')
    assert 'class="language-py&quot;' in html or 'class="language-py\\"' in html
    assert "onclick=" not in html.replace("&quot;", "")


def test_inline_code_and_raw_html_are_escaped() -> None:
    assert render_markdown("Use `<b>` not <b>bold</b>") == (
        "<p>Use <code>&lt;b&gt;</code> not &lt;b&gt;bold&lt;/b&gt;</p>\n"
    )


def test_headings_atx_and_setext() -> None:
    html = render_markdown("# One\n\nTwo\n===\n\nThree\n---\n\n### Four ###")
    assert html == "<h1>One</h1>\n<h1>Two</h1>\n<h2>Three</h2>\n<h3>Four</h3>\n"


def test_emphasis_strikethrough_and_links() -> None:
    html = render_markdown("*a* **b** ~~c~~ [d](https://e.example) <https://f.example> g.example")
    assert "<em>a</em> <strong>b</strong> <s>c</s>" in html
    assert '<a href="https://e.example" rel="noopener noreferrer">d</a>' in html
    assert '<a href="https://f.example" rel="noopener noreferrer">https://f.example</a>' in html
    assert "g.example</p>" in html  # no linkify


def test_line_endings_are_normalised() -> None:
    assert render_markdown("a\r\nb\r\rc") == render_markdown("a\nb\n\nc")


def test_stylesheet_styles_our_code_class() -> None:
    assert ".orj-code" in stylesheet()


# -- streaming: behaviour ---------------------------------------------------------


def test_blocks_freeze_once_the_next_blocks_first_line_is_complete() -> None:
    md = stream("First paragraph.\n\nSecond")
    assert list(md.frozen_blocks) == []  # "Second" could still become e.g. "Second | table"
    assert md.tail_html() == "<p>First paragraph.</p>\n<p>Second</p>\n"
    md.feed(" line\n")
    assert list(md.frozen_blocks) == ["<p>First paragraph.</p>\n"]
    assert md.tail == "Second line\n"
    assert md.tail_html() == "<p>Second line</p>\n"
    assert md.text == "First paragraph.\n\nSecond line\n"


def test_frozen_blocks_are_append_only_and_taken_once() -> None:
    text = "# Title\n\nPara one.\n\n- a\n- b\n\n```\ncode\n```\n\n| x |\n|---|\n| 1 |\n\nEnd."
    md = StreamingMarkdown()
    snapshots: list[list[str]] = []
    taken: list[str] = []
    for char in text:
        md.feed(char)
        snapshots.append(list(md.frozen_blocks))
        taken += md.take_newly_frozen()
        assert md.take_newly_frozen() == []
    for before, after in pairwise(snapshots):
        assert after[: len(before)] == before
    md.close()
    taken += md.take_newly_frozen()
    assert taken == list(md.frozen_blocks)
    assert len(taken) == 6
    assert "".join(taken) == render_markdown(text)


def test_unclosed_fence_renders_as_code_so_far() -> None:
    md = stream("Intro\n\n````python\nx = '```'\n```\n\ny = 2")
    assert md.frozen_blocks[0] == "<p>Intro</p>\n"
    tail = md.tail_html()
    assert tail.startswith('<pre class="orj-code"><code class="language-python">')
    assert "```" in tail and '<span class="n">y</span>' in tail
    md.feed("\n````\nafter\n")
    assert len(md.frozen_blocks) == 2 and md.tail_html() == "<p>after</p>\n"


def test_tail_ending_mid_table_renders_a_table() -> None:
    md = stream("Intro\n\n| a | b |\n|---|---|\n| 1 | 2 |\n| 3")
    assert md.tail_html().startswith("<table>")
    assert "<td>3</td>" in md.tail_html()


def test_tail_ending_mid_list_renders_a_list() -> None:
    md = stream("Intro\n\n- one\n- two\n  - nested")
    assert md.tail_html().startswith("<ul>")
    assert "<li>nested</li>" in md.tail_html()


def test_loose_list_stays_in_tail_until_it_ends() -> None:
    md = stream("- a\n\n- b\n\n")
    assert list(md.frozen_blocks) == []  # a third item could still follow
    md.feed("After.\n")
    assert md.frozen_blocks[0] == "<ul>\n<li>\n<p>a</p>\n</li>\n<li>\n<p>b</p>\n</li>\n</ul>\n"


def test_indented_code_and_fence_keep_their_blank_lines() -> None:
    text = "    one\n\n    two\n\n```\nthree\n\n\nfour\n```\n\nend\n"
    md = stream(text)
    assert len(md.frozen_blocks) == 2
    assert "".join(md.frozen_blocks) + md.tail_html() == render_markdown(text)


def test_setext_underline_is_not_mistaken_for_a_list() -> None:
    md = stream("Title\n-")
    assert md.tail_html() == "<h2>Title</h2>\n"
    md.feed(" item\n\nnext\n")
    assert list(md.frozen_blocks) == ["<p>Title</p>\n", "<ul>\n<li>item</li>\n</ul>\n"]


def test_a_line_still_being_written_does_not_freeze_anything() -> None:
    # "|-" would complete a table under "| a |" and end the paragraph; "|-x" does not.
    md = stream("para\n| a |\n|-")
    assert list(md.frozen_blocks) == []
    md.feed("x\n")
    assert list(md.frozen_blocks) == []
    assert md.tail_html() == render_markdown(md.text) == "<p>para\n| a |\n|-x</p>\n"


def test_reference_defined_after_use_is_revised() -> None:
    md = stream("See [docs][1].\n\n- item\n\n[1]: https://a.example\n\nEnd.\n")
    assert md.frozen_blocks[0] == "<p>See [docs][1].</p>\n"
    revisions = md.take_revisions()
    assert revisions == {
        0: '<p>See <a href="https://a.example" rel="noopener noreferrer">docs</a>.</p>\n'
    }
    assert md.take_revisions() == {}
    assert md.html() == render_markdown(md.text)


def test_reference_defined_before_use_needs_no_revision() -> None:
    text = "[1]: https://a.example\n\nSee [docs][1].\n\nEnd.\n"
    md = stream(text)
    assert md.take_revisions() == {}
    assert "".join(md.frozen_blocks) + md.tail_html() == render_markdown(text)


def test_crlf_split_across_feeds() -> None:
    md = StreamingMarkdown()
    for delta in ["a\r", "\nb\r", "\r", "\nc\r"]:
        md.feed(delta)
    assert md.text == "a\nb\n\nc"
    md.close()
    assert md.html() == render_markdown("a\r\nb\r\n\r\nc\r")


def test_close_freezes_the_tail_and_ends_the_stream() -> None:
    md = stream("Para.\n\n```\nunclosed")
    md.close()
    assert md.tail == "" and md.tail_html() == ""
    assert md.html() == render_markdown("Para.\n\n```\nunclosed")
    assert len(md.take_newly_frozen()) == 2
    with pytest.raises(RuntimeError):
        md.feed("more")


@pytest.mark.slow
def test_rendering_cost_is_proportional_to_the_tail(monkeypatch: pytest.MonkeyPatch) -> None:
    rendered = 0
    real_render = markdown._render

    def counting_render(source: str, env: dict) -> str:
        nonlocal rendered
        rendered += len(source)
        return real_render(source, env)

    monkeypatch.setattr(markdown, "_render", counting_render)
    section = "## Part\n\nSome *text* that goes on for a while, twice over.\n\n- a\n- b\n\n"
    text = section * 200  # about 16 KB
    md = StreamingMarkdown()
    for start in range(0, len(text), 4):
        md.feed(text[start : start + 4])
        md.tail_html()
    # Re-rendering everything per delta would be ~len(text)**2 / 8 = 32 million characters.
    assert rendered < 40 * len(text)


# -- streaming: equivalence with the full render ----------------------------------
#
# "Equivalent" here is the strictest choice: the same HTML string. It holds at every
# step, for any prefix, as long as no link reference definition follows its use;
# when one does, html() (which applies revisions) is equal after close().

WORDS = st.sampled_from(
    ["word", "*em*", "**strong**", "`co<de>`", "[a](http://x.example)", "~~s~~", "<b>x</b>",
     "a_b", "1.", "|", "\\", "&amp;", "[ref]", "#", "-", "> q", "  "]
)  # fmt: skip
LINE = st.lists(WORDS, min_size=1, max_size=5).map(" ".join)
LINES = st.lists(LINE, min_size=1, max_size=3).map("\n".join)


@st.composite
def fenced_code(draw: st.DrawFn) -> str:
    char = draw(st.sampled_from("`~"))
    fence = char * draw(st.integers(3, 5))
    language = draw(st.sampled_from(["", "python", "js", "nolang"]))
    body = draw(st.lists(st.sampled_from(["x = 1", "", "    y", char * 3, "<p>"]), max_size=5))
    closing = [fence] if draw(st.booleans()) else []
    return "\n".join([fence + language, *body, *closing])


@st.composite
def bullet_list(draw: st.DrawFn) -> str:
    marker = draw(st.sampled_from(["-", "*", "+", "1.", "2)"]))
    joiner = draw(st.sampled_from(["\n", "\n\n"]))
    items = []
    for _ in range(draw(st.integers(1, 4))):
        item = f"{marker} {draw(LINE)}"
        if draw(st.booleans()):
            item += f"\n  - {draw(LINE)}"
        items.append(item)
    return joiner.join(items)


def table_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


@st.composite
def table(draw: st.DrawFn) -> str:
    columns = draw(st.integers(1, 3))
    header = table_row(draw(st.lists(LINE, min_size=columns, max_size=columns)))
    alignments = draw(st.lists(st.sampled_from(["---", ":--", "--:", ":-:"]), min_size=columns,
                               max_size=columns))  # fmt: skip
    rows = draw(st.lists(st.lists(WORDS, min_size=1, max_size=columns), max_size=3))
    return "\n".join([header, table_row(alignments), *map(table_row, rows)])


BLOCKS = st.one_of(
    LINES,
    LINE.map("## {}".format),
    st.tuples(LINE, st.sampled_from(["===", "---", "-"])).map("\n".join),
    fenced_code(),
    bullet_list(),
    table(),
    LINES.map(lambda lines: "> " + lines),
    st.just("    indented code\n\n    more code"),
    st.sampled_from(["---", "***", "<div>html-looking</div>", "<!-- comment -->"]),
)
DOCUMENTS = st.lists(
    st.tuples(BLOCKS, st.sampled_from(["\n", "\n\n", "\n\n\n", "\n  \n"])), min_size=1, max_size=8
).map(lambda pairs: "".join(block + sep for block, sep in pairs))

EQUIVALENCE = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_streams_like_full_render(text: str, cuts: list[int]) -> None:
    md = StreamingMarkdown()
    bounds = [0, *sorted(set(cuts)), len(text)]
    for start, end in pairwise(bounds):
        md.feed(text[start:end])
        assert "".join(md.frozen_blocks) + md.tail_html() == render_markdown(md.text)
    assert md.text == text
    md.close()
    assert md.html() == render_markdown(text)


@pytest.mark.slow
@EQUIVALENCE
@given(st.data())
def test_streamed_structured_documents_match_full_render(data: st.DataObject) -> None:
    text = data.draw(DOCUMENTS)
    cuts = data.draw(st.lists(st.integers(0, len(text)), max_size=30))
    assert_streams_like_full_render(text, cuts)


@EQUIVALENCE
@given(st.data())
def test_streamed_markdown_noise_matches_full_render(data: st.DataObject) -> None:
    # Arbitrary text over Markdown's special characters, without ":" so no definitions.
    text = data.draw(st.text(alphabet="-*+_`~#>|[]()!<=\\ \t\n1.aé", max_size=120))
    cuts = data.draw(st.lists(st.integers(0, len(text)), max_size=30))
    assert_streams_like_full_render(text, cuts)


@EQUIVALENCE
@given(st.text(alphabet="[]:ab \n-#`>", max_size=120))
def test_streamed_with_reference_definitions_matches_after_close(text: str) -> None:
    md = stream(text)
    blocks = md.take_newly_frozen()
    md.close()
    blocks += md.take_newly_frozen()
    for index, html in md.take_revisions().items():
        blocks[index] = html
    assert "".join(blocks) == md.html() == render_markdown(text)


def test_remote_images_become_links_so_nothing_loads_by_itself():
    html = render_markdown("![chart](https://example.org/c.png?q=secret)")
    assert "<img" not in html
    assert '<a href="https://example.org/c.png?q=secret"' in html and "[image: chart]" in html


def test_inline_data_images_still_show():
    html = render_markdown("![dot](data:image/png;base64,iVBORw0KGgo=)")
    assert '<img src="data:image/png;base64,iVBORw0KGgo=" alt="dot"' in html
