"""Citations drawn: numbered superscript links in the answer, and a Sources list under it.

How markers get into the answer, robustly: once the answer's text is final (its message
item is done, or the response ended), each citation's number is inserted at its
`end` index as one private-use character (`MARK_BASE + n`, never split by the Markdown
renderer or Pygments), the whole text is rendered as Markdown, and in the HTML's text
(never inside a tag) each marker becomes `<span class="orj-cite"><a href=URL>[n]</a></span>`.
Streaming itself is untouched: deltas are drawn as they come, and the cited drawing
replaces them at the end. Citations are numbered by URL, in the order they are cited.

Only http and https URLs become links; any other (`javascript:`, `data:`) is shown as
text. Everything from the model (titles, URLs) is escaped, and the result passes
`sanitize` like every answer. At most `MAX_SOURCES` URLs are numbered; the Sources list
says how many more there were. The plain-text list has no control characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from ..protocol.citations import Citation, is_web_url
from .ansi import strip_controls
from .markdown import render_markdown
from .sanitize import escape, sanitize

__all__ = ["cited_html", "numbered", "sources_list", "sources_text"]

MARK_BASE = 0xF0000  # Supplementary Private Use Area-A: no model text uses it
_MARK = re.compile("[\U000f0000-\U000ffffd]")
_TAG = re.compile(r"(<[^>]*>)")
_WORD = re.compile(r"\w")
_DELIMITERS = "*_~`"
TITLE_LIMIT = 200
MAX_SOURCES = 100


def numbered(citations: Sequence[Citation]) -> dict[str, int]:
    """Each cited URL's number (1, 2, ...), in order of first citation; the first
    `MAX_SOURCES` URLs only."""
    numbers: dict[str, int] = {}
    for cited in citations:
        if len(numbers) < MAX_SOURCES:
            numbers.setdefault(cited.url, len(numbers) + 1)
    return numbers


def _left_out(citations: Sequence[Citation], shown: int) -> int:
    return len({cited.url for cited in citations}) - shown


def marked_text(text: str, citations: Sequence[Citation]) -> str:
    """`text` with a marker character after each cited span (at its end, moved to the end
    of a word it would split; at the end of the text when it has no index)."""
    numbers = numbered(citations)
    stripped = _MARK.sub("\ufffd", text)  # the model's own cannot pose as marks (same length)
    places: dict[int, list[int]] = {}
    for cited in citations:
        if cited.url not in numbers:
            continue
        at = len(stripped) if cited.end is None else min(cited.end, len(stripped))
        at = _after_word(stripped, at)
        marks = places.setdefault(at, [])
        if numbers[cited.url] not in marks:
            marks.append(numbers[cited.url])
    pieces, last = [], 0
    for at in sorted(places):
        pieces += [stripped[last:at], *(chr(MARK_BASE + n) for n in sorted(places[at]))]
        last = at
    pieces.append(stripped[last:])
    return "".join(pieces)


def _after_word(text: str, at: int) -> int:
    """`at` moved past the rest of a word it splits, then past a closing emphasis run
    (`**`, `_`, `~~`) it would break."""
    while 0 < at < len(text) and _WORD.match(text[at - 1]) and _WORD.match(text[at]):
        at += 1
    if 0 < at < len(text) and not text[at - 1].isspace() and text[at] in _DELIMITERS:
        while at < len(text) and text[at] in _DELIMITERS:
            at += 1
    return at


def cited_html(text: str, citations: Sequence[Citation]) -> str:
    """The answer as sanitised HTML with numbered citation links at their places."""
    links = {number: url for url, number in numbered(citations).items()}
    titles: dict[str, str] = {}
    for cited in citations:
        titles.setdefault(cited.url, cited.title)
    html = render_markdown(marked_text(text, citations))

    def link(match: re.Match[str]) -> str:
        number = ord(match.group()) - MARK_BASE
        url = links.get(number)
        if url is None:
            return ""
        label = f"[{number}]"
        if not is_web_url(url):
            return f'<span class="orj-cite">{label}</span>'
        title = escape(titles.get(url, "")[:TITLE_LIMIT] or url)
        return f'<span class="orj-cite"><a href="{escape(url)}" title="{title}">{label}</a></span>'

    pieces = _TAG.split(html)
    for i, piece in enumerate(pieces):
        pieces[i] = _MARK.sub("", piece) if i % 2 else _MARK.sub(link, piece)
    return sanitize("".join(pieces))


def domain(url: str) -> str:
    """The host of a URL, without `www.` ("" when it has none)."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def sources_list(citations: Sequence[Citation]) -> str:
    """The Sources list under the answer: number, title (linked when http/https), domain."""
    titles: dict[str, str] = {}
    for cited in citations:
        titles.setdefault(cited.url, cited.title)
    rows = []
    numbers = numbered(citations)
    for url, number in numbers.items():
        title = escape((titles[url] or url)[:TITLE_LIMIT])
        host = domain(url) if is_web_url(url) else ""
        if is_web_url(url):
            shown = f'<a href="{escape(url)}">{title}</a>'
        else:
            shown = f"{title} <code>{escape(url[:TITLE_LIMIT])}</code>"
        where = f' <span class="orj-source-domain">{escape(host)}</span>' if host else ""
        rows.append(f'<li><span class="orj-source-number">[{number}]</span> {shown}{where}</li>')
    more = _left_out(citations, len(numbers))
    if more:
        rows.append(f"<li>… and {more:,} more sources not shown</li>")
    body = "".join(rows)
    return sanitize(f'<div class="orj-sources"><strong>Sources</strong><ul>{body}</ul></div>')


def sources_text(citations: Sequence[Citation]) -> str:
    """The Sources list as plain text: `[n] title — url` per line."""
    titles: dict[str, str] = {}
    for cited in citations:
        titles.setdefault(cited.url, cited.title)
    numbers = numbered(citations)
    lines = [
        f"[{n}] {(titles[url] or url)[:TITLE_LIMIT]} — {url[:TITLE_LIMIT]}"
        for url, n in numbers.items()
    ]
    more = _left_out(citations, len(numbers))
    if more:
        lines.append(f"… and {more:,} more sources not shown")
    return strip_controls("Sources:\n" + "\n".join(lines))
