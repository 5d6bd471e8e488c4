"""The last gate before model-derived HTML reaches a notebook.

Model output is untrusted, and HTML in a Jupyter output is live code: an
``onerror=`` in any intermediate display update runs. ``render_markdown`` already
escapes raw HTML (markdown-it-py with ``html=False``) and refuses ``javascript:``
links, so :func:`sanitize` is defence in depth: every fragment we publish passes an
explicit allow-list fitted to what our Markdown renderer emits, nothing more.

Policy, and why:

- Tags: the structural and inline tags CommonMark + GFM tables/strikethrough
  produce, plus ``details``/``summary`` (our collapsible panes) and ``span``/``div``
  (highlighting spans, layout). No ``script``/``style``/``iframe``/``object``/
  ``embed``/``form``/``svg``/``math``: unknown tags are dropped, their text kept
  (escaped); ``script`` and ``style`` lose their content too.
- Attributes: a short per-tag list; no ``on*`` handlers, no ``id``/``name`` (DOM
  clobbering). ``class`` only on ``pre``/``code``/``span``/``div``, which Pygments
  highlighting needs; class names cannot run code.
- ``style`` only on ``th``/``td``, filtered to the single property ``text-align``,
  because that is how Markdown table column alignment is rendered.
- URLs: links may use http, https and mailto (or be relative, e.g. ``#section``);
  images may use http, https or an inline ``data:image/`` PNG, GIF, JPEG or WebP
  (never SVG, which can carry script). ``rel="noopener noreferrer"`` on every link.
  The sanitiser would pass a remote image, but the Markdown renderer never emits
  one: it turns remote images into links, because an image loads without a click
  and a prompt-injected model could use its URL to send data out.
"""

from __future__ import annotations

import html
import re

import nh3

__all__ = ["escape", "sanitize"]

_TAGS = {
    *(f"h{level}" for level in range(1, 7)),
    "p", "br", "hr", "blockquote", "pre", "code",
    "ul", "ol", "li",
    "table", "thead", "tbody", "tr", "th", "td",
    "a", "img", "em", "strong", "del", "s",
    "details", "summary", "span", "div",
}  # fmt: skip

_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
    "details": {"open"},
    **{tag: {"class"} for tag in ("pre", "code", "span", "div")},
}

_LINK_SCHEMES = ("http:", "https:", "mailto:")
_IMAGE_SOURCE = re.compile(r"(?:https?:|data:image/(?:png|gif|jpeg|webp)[;,])", re.IGNORECASE)
# Browsers ignore ASCII whitespace and control characters inside a URL scheme.
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")


def _has_scheme(url: str) -> bool:
    head = _IGNORED_IN_SCHEME.sub("", url).split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return ":" in head


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Per-tag URL policy that nh3's global ``url_schemes`` cannot express."""
    if attribute not in ("href", "src"):
        return value
    if not _has_scheme(value):
        return value  # relative URL: no scheme, nothing to run
    url = _IGNORED_IN_SCHEME.sub("", value)
    allowed = _IMAGE_SOURCE.match(url) if tag == "img" else url.lower().startswith(_LINK_SCHEMES)
    return value if allowed else None


_POLICY: dict = dict(
    tags=_TAGS,
    clean_content_tags={"script", "style"},
    attributes=_ATTRIBUTES,
    url_schemes={"http", "https", "mailto", "data"},  # data: narrowed to images by the filter
    filter_style_properties={"text-align"},
    link_rel="noopener noreferrer",
)
_CLEANER = nh3.Cleaner(**_POLICY, attribute_filter=_filter_attribute)
# The filter is a Python callback nh3 calls for every attribute, retaking the GIL each
# time; while the stream's thread is busy that costs up to a switch interval per call.
# HTML with no href or src (most blocks: paragraphs, lists, highlighted code) has nothing
# for the filter to decide, so it goes through the same policy without it.
_NO_URLS = nh3.Cleaner(**_POLICY)
_URL_ATTRIBUTE = re.compile(r"href|src", re.IGNORECASE)


def sanitize(html: str) -> str:
    """Return ``html`` with everything outside the allow-list removed."""
    cleaner = _CLEANER if _URL_ATTRIBUTE.search(html) else _NO_URLS
    return cleaner.clean(html)


_SPLIT = '<div class="orj-split"></div>'


def sanitize_many(fragments: list[str]) -> list[str]:
    """``sanitize`` each fragment, in one call of the sanitiser.

    nh3 lets go of the GIL for each call, and a busy stream thread may hold it for a
    whole switch interval before giving it back, so one call beats hundreds. The
    fragments are joined by a marker our Markdown renderer never emits (raw HTML is
    escaped), kept by the allow-list, and split again afterwards.
    """
    if len(fragments) < 2:
        return [sanitize(fragment) for fragment in fragments]
    parts = sanitize(_SPLIT.join(fragments)).split(_SPLIT)
    if len(parts) != len(fragments):  # a fragment swallowed a marker: do them one by one
        return [sanitize(fragment) for fragment in fragments]
    return parts


def escape(text: str) -> str:
    """Escape plain text for inclusion in HTML (``&``, ``<``, ``>`` and both quotes)."""
    return html.escape(text, quote=True)
