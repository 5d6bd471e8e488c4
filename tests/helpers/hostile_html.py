"""Hostile HTML payloads and the check that rendered HTML is safe, for every rendering test."""

from __future__ import annotations

import re
from html.parser import HTMLParser

ALLOWED_TAGS = {
    *(f"h{level}" for level in range(1, 7)),
    "p", "br", "hr", "blockquote", "pre", "code", "ul", "ol", "li",
    "table", "thead", "tbody", "tr", "th", "td",
    "a", "img", "em", "strong", "del", "s", "details", "summary", "span", "div",
}  # fmt: skip
IMAGE_DATA = re.compile(r"data:image/(png|gif|jpeg|webp)[;,]")

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(7)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](<javascript:alert(1)>)",
    "[x](&#106;avascript:alert(1))",
    "<javascript:alert(1)>",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x][a]\n\n[a]: javascript:alert(1)",
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="mailto:a@b.example" onclick="alert(1)">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<style>@import 'http://evil.example/x.css'; body{display:none}</style>",
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">click</math>',
    "<details open ontoggle=alert(1)><summary>s</summary>x</details>",
    '<a href="javascript:alert(1)" title=\'x">y</a>',
    '<img """><script>alert(1)</script>">',
    "<<script>script>alert(1)<</script>/script>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<body onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:/">',
    "<template><script>alert(1)</script></template>",
    '```" onmouseover="alert(1)\ncode\n```',
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    '[x](http://a.example "\\" onmouseover=alert(1) x=\\"")',
]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def parse_tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def _url_is_safe(tag: str, url: str) -> bool:
    url = re.sub(r"[\x00-\x20\x7f]", "", url).lower()
    scheme = url.partition(":")[0] if re.match(r"[^/?#]*:", url) else ""
    if tag == "img":
        return scheme in ("", "http", "https") or bool(IMAGE_DATA.match(url))
    return scheme in ("", "http", "https", "mailto")


def assert_safe(html: str) -> None:
    assert "<script" not in html.lower()
    for tag, attrs in parse_tags(html):
        assert tag in ALLOWED_TAGS, html
        for name, value in attrs:
            assert not name.startswith("on"), html
            if name in ("href", "src"):
                assert _url_is_safe(tag, value or ""), html
            if name == "style":
                assert re.fullmatch(r"(text-align:\s*(left|right|center);?)?", value or ""), html
