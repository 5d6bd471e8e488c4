"""Markdown to safe HTML for the live view: a full render and an incremental one.

The full render is markdown-it-py in CommonMark mode with ``html=False`` (raw HTML in
model output is shown as text), GFM tables and strikethrough, fenced code highlighted
by Pygments with CSS classes, and the result passed through :func:`sanitize`.

:class:`StreamingMarkdown` keeps a growing answer cheap to show. Re-rendering the
whole answer on every delta is quadratic, so the text is split into *frozen* blocks,
rendered once and never again, and a *tail*, the last block, which may still change
and is the only part re-rendered.

The splitting rule: parse the tail's complete lines with markdown-it's block parser;
every top-level block except the last is finished. In CommonMark a top-level block
is closed for good once a later line starts another top-level block, and nothing
after that line can reopen or reshape it -- that is what makes the split safe where
a hand-written "blank line outside a fence" rule is not: a blank line does not end a
list (a later item makes it loose), an indented code block or a fence, and a table
or list can start without one. Only complete lines are parsed, because a line still
being written can change the lines above it: under ``para`` and ``| a |``, ``|-``
completes a table that ends the paragraph, ``|-x`` does not. The price is a lag of
one line before a block freezes, and a long list or code block stays in the tail
until it ends. Property tests check the rule against the full render.

The one thing later text can change in earlier blocks is a link reference
definition (``[1]: https://...``) used before it appears. Frozen blocks are
rendered with the definitions known so far; when a newly frozen block brings new
ones, earlier blocks that render differently are re-rendered and reported by
:meth:`StreamingMarkdown.take_revisions` (``frozen_blocks`` itself stays
append-only). :meth:`StreamingMarkdown.html` includes the revisions.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from importlib import resources
from itertools import pairwise
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from .sanitize import escape, sanitize, sanitize_many

__all__ = ["StreamingMarkdown", "render_markdown", "stylesheet"]

_FORMATTER = HtmlFormatter(nowrap=True)


@functools.lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer | None:
    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def _highlight_fence(code: str, language: str, _attrs: str) -> str:
    """Render a fenced code block; markdown-it uses output starting with ``<pre`` as is."""
    lexer = _lexer(language) if language else None
    body = highlight(code, lexer, _FORMATTER) if lexer else escape(code)
    css_class = f' class="language-{escape(language)}"' if language else ""
    return f'<pre class="orj-code"><code{css_class}>{body}</code></pre>'


def _remote_image_as_link(self: Any, tokens: list, idx: int, options: Any, env: Any) -> str:
    """A remote image becomes a link to it: an image loads by itself, so a model tricked by
    injected text could send data out in its URL. Inline ``data:`` images still show."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    if src.startswith("data:image/"):
        return self.image(tokens, idx, options, env)
    alt = self.renderInlineAsText(token.children or [], options, env) or src
    return f'<a href="{escape(src)}">[image: {escape(alt)}]</a>'


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "highlight": _highlight_fence})
    md.add_render_rule("image", _remote_image_as_link)
    return md.enable(["table", "strikethrough"])


_MD = _parser()
_NEWLINES = re.compile(r"\r\n?")


def _normalize(text: str) -> str:
    """Line endings and NULs as markdown-it normalises them, so line numbers agree."""
    return _NEWLINES.sub("\n", text).replace("\0", "\ufffd")


def _render(source: str, env: dict[str, Any]) -> str:
    return sanitize(_MD.render(source, env))


def render_markdown(text: str) -> str:
    """Render untrusted Markdown ``text`` to sanitised HTML."""
    return _render(_normalize(text), {})


def stylesheet() -> str:
    """CSS for the HTML we emit (code highlighting); publish it once, outside sanitising."""
    return resources.files(__package__).joinpath("style.css").read_text(encoding="utf-8")


_LABEL = re.compile(r"\[((?:[^\[\]\\]|\\.)*)\]", re.S)


def _labels(source: str) -> set[str]:
    """Every bracketed text in `source`, normalised as link labels are: a superset of the
    labels the block can reference (CommonMark labels hold no unescaped brackets)."""
    return {normalizeReference(match.group(1)) for match in _LABEL.finditer(source)}


def _block_offsets(source: str) -> tuple[list[int], int]:
    """Character offsets at which the top-level blocks of ``source`` start, and the offset
    where the last one ends (link definitions after it make no block)."""
    tokens = _MD.block.parse(source, _MD, {}, []) or []
    line_starts = [0, *(match.end() for match in re.finditer("\n", source)), len(source)]
    blocks = [t for t in tokens if t.level == 0 and t.nesting >= 0 and t.map]
    end = max((t.map[1] for t in blocks), default=0)
    return [line_starts[t.map[0]] for t in blocks], line_starts[min(end, len(line_starts) - 1)]


class StreamingMarkdown:
    """Incremental Markdown rendering for a growing answer.

    ``feed`` text as it arrives; publish :meth:`take_newly_frozen` blocks once each in
    outputs that never change, and :meth:`tail_html` in the one output that does.
    After any feeds, ``"".join(frozen_blocks) + tail_html()`` is exactly
    ``render_markdown(text)`` unless a link reference definition arrived after its
    use (see :meth:`take_revisions`); ``html()`` always is.
    """

    def __init__(self) -> None:
        self._sources: list[str] = []  # source of each frozen block
        self._frozen: list[str] = []  # first rendering of each frozen block
        self._current: list[str] = []  # latest rendering of each frozen block
        self._revisions: dict[int, str] = {}
        self._uses: dict[str, list[int]] = {}  # link label -> frozen blocks that may use it
        self._taken = 0
        self._env: dict[str, Any] = {}  # reference definitions of the frozen blocks
        self._tail = ""
        self._tail_html: str | None = None
        self._carriage_return = False  # a "\r" that may be the first half of "\r\n"
        self._closed = False

    @property
    def text(self) -> str:
        """The whole source fed so far, with line endings normalised to ``\\n``."""
        return "".join(self._sources) + self._tail

    @property
    def tail(self) -> str:
        """Source of the unfinished tail."""
        return self._tail

    @property
    def frozen_blocks(self) -> Sequence[str]:
        """HTML of the finished blocks, in order; append-only (do not mutate)."""
        return self._frozen

    def feed(self, delta: str) -> None:
        """Append ``delta`` to the source and freeze the blocks it finishes."""
        if self._closed:
            raise RuntimeError("StreamingMarkdown is closed")
        if self._carriage_return:
            delta = "\r" + delta
        self._carriage_return = delta.endswith("\r")
        if self._carriage_return:
            delta = delta[:-1]
        if not delta:
            return
        self._tail += _normalize(delta)
        self._tail_html = None
        if "\n" in delta or "\r" in delta:
            self._freeze_finished()

    def close(self) -> None:
        """End of stream: the tail is finished too, so freeze it. Further feeds are errors."""
        if self._carriage_return:
            self._carriage_return = False
            self._tail += "\n"
        if self._tail.strip():
            self._freeze_finished(final=True)
            self._tail_html = None
        self._closed = True

    def take_newly_frozen(self) -> list[str]:
        """HTML of the blocks frozen since the last call, each returned once."""
        new = self._frozen[self._taken :]
        self._taken = len(self._frozen)
        return new

    def take_revisions(self) -> dict[int, str]:
        """New HTML for frozen blocks (by index) that a later link definition changed."""
        revisions, self._revisions = self._revisions, {}
        return revisions

    def tail_html(self) -> str:
        """HTML of the unfinished tail alone; an unclosed fence renders as code so far."""
        if self._tail_html is None:
            self._tail_html = _render(self._tail, self._env_copy()) if self._tail else ""
        return self._tail_html

    def html(self) -> str:
        """HTML of the whole text: frozen blocks (with revisions) and tail."""
        return "".join(self._current) + self.tail_html()

    def _freeze_finished(self, final: bool = False) -> None:
        """Freeze every block of the tail but the last (and the last too if ``final``)."""
        complete = self._tail if final else self._tail[: self._tail.rfind("\n") + 1]
        # The first block takes whatever precedes it (blank lines, link definitions).
        offsets, end = _block_offsets(complete)
        bounds = [0, *offsets[1:]]
        if complete.endswith("\n\n") and complete[end:].strip():
            # Link definitions after the last block, closed by a blank line: they make no
            # block of their own, so nothing would ever freeze them (or the block before
            # them) and they would be re-parsed at every line. Everything here is finished.
            bounds.append(len(complete))
        if final:
            bounds.append(len(self._tail))
        sources = [self._tail[start:end] for start, end in pairwise(bounds)]
        self._tail = self._tail[bounds[-1] :]
        if sources:
            self._freeze(sources)

    def _freeze(self, sources: list[str]) -> None:
        """Render finished blocks in order (each sees the definitions before it) and keep
        them; sanitised together, which is far cheaper than one by one."""
        known = set(self._env.get("references", ()))
        rendered = sanitize_many([_MD.render(source, self._env) for source in sources])
        first = len(self._sources)
        for index, source in enumerate(sources, first):
            for label in _labels(source):
                self._uses.setdefault(label, []).append(index)
        self._sources += sources
        self._frozen += rendered
        self._current += rendered
        new = set(self._env.get("references", ())) - known
        if new:
            self._revise_earlier_blocks(new, first)

    def _revise_earlier_blocks(self, labels: set[str], before: int) -> None:
        """Re-render the blocks frozen before `before` that may use one of the new `labels`.

        The index of labels each block mentions keeps this proportional to the blocks that
        use a new definition, not to all the blocks so far."""
        indexes = sorted({i for label in labels for i in self._uses.get(label, ()) if i < before})
        for index in indexes:
            source = self._sources[index]
            rendered = _render(source, self._env_copy())
            if rendered != self._current[index]:
                self._current[index] = self._revisions[index] = rendered

    def _env_copy(self) -> dict[str, Any]:
        """An env with the known definitions, which rendering may add to but not alter."""
        return {"references": dict(self._env.get("references", {}))}
