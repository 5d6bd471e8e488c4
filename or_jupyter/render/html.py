"""HTML fragments of the live view, as pure functions of plain data.

Every piece of text that came from the model, a tool or the server goes through
`escape` or the Markdown renderer (which sanitises), so nothing here can carry
live HTML from a model into the page.
"""

from __future__ import annotations

import contextlib
import json
from functools import cache
from importlib import resources

from ..protocol import APIError, GeneratedImage
from .markdown import render_markdown, stylesheet
from .sanitize import escape, sanitize
from .steps import CODE_TOOL, code_html, code_of
from .view import SendStats

__all__ = [
    "cap",
    "column_head",
    "columns",
    "comparison_table",
    "css",
    "error_box",
    "error_outputs",
    "error_parts",
    "footer",
    "generated_image",
    "notice",
    "pretty_arguments",
    "reasoning_pane",
    "tool_card",
]

RESULT_PREVIEW = 2_000
ARGUMENTS_LIMIT = 4_000  # tool arguments shown in cards and approval prompts
MESSAGE_LIMIT = 2_000  # error messages shown in error boxes
STATUS_LABELS = {
    "running": "running…",
    "done": "done",
    "error": "error",
    "denied": "denied",
    "timeout": "timed out",
    "cancelled": "cancelled",
    "interrupted": "interrupted",
    "streaming": "arguments streaming…",
}


@cache
def css() -> str:
    """The `<style>` element for code highlighting and the panes (published once per cell)."""
    panes = resources.files(__package__).joinpath("panes.css").read_text()
    return f"<style>{stylesheet()}\n{panes}</style>"


def reasoning_pane(text: str, *, open: bool, label: str, hidden: bool = False) -> str:
    """A collapsible reasoning pane: open while the model thinks, folded afterwards."""
    body = (
        "<p><em>reasoning hidden by the provider</em></p>"
        if hidden and not text
        else render_markdown(text)
    )
    attribute = " open" if open else ""
    return (
        f'<details class="orj-pane orj-reasoning"{attribute}>'
        f"<summary>{escape(label)}</summary>{body}</details>"
    )


def pretty_arguments(arguments: str, limit: int = ARGUMENTS_LIMIT) -> str:
    """Arguments pretty-printed when they are complete JSON, capped at `limit` characters."""
    if len(arguments) <= limit:
        with contextlib.suppress(ValueError, RecursionError):
            arguments = json.dumps(json.loads(arguments), indent=2, ensure_ascii=False)
    return cap(arguments, limit)


def tool_card(
    name: str,
    arguments: str,
    *,
    status: str,
    output: str | None = None,
    duration: float | None = None,
    traceback: str | None = None,
    body: str | None = None,
    label: str | None = None,
) -> str:
    """A collapsible card for one function call: name, arguments, status, result, duration.

    Open while the call streams or runs, and when it failed; folded when it succeeded,
    with the start of its result in the summary line. The agent's code tool shows its code
    highlighted instead of JSON; `body` is a result the tool drew itself (safe HTML), shown
    open (the agent's outputs and figures are what the card is for). `label` is what the
    summary names when it is not `name` (an MCP tool's `server › tool`).
    """
    timing = f" · {duration:.2f} s" if duration is not None else ""
    said = STATUS_LABELS.get(status, status)
    preview = ""
    if status == "done" and output:
        short = " ".join(output.split())
        preview = f" → <code>{escape(short[:80] + ('…' if len(short) > 80 else ''))}</code>"
    parts = [
        f'<details class="orj-pane orj-tool"{"" if status == "done" and body is None else " open"}>',
        f"<summary>🔧 <code>{escape(label or name)}</code> · "
        f'<span class="orj-status-{escape(status)}">{escape(said)}</span>{timing}{preview}</summary>',
        _arguments(name, arguments),
    ]
    if body is not None:
        parts.append(body)
    elif output is not None:
        parts.append(_result(output))
    if traceback:
        parts.append(
            f"<details><summary>traceback</summary><pre>{escape(traceback)}</pre></details>"
        )
    parts.append("</details>")
    return "".join(parts)


def _arguments(name: str, arguments: str) -> str:
    code = code_of(arguments) if name == CODE_TOOL else None
    if code is not None:
        return code_html(code)
    return f"<div>arguments</div><pre>{escape(pretty_arguments(arguments) or '{}')}</pre>"


def _result(output: str) -> str:
    if len(output) <= RESULT_PREVIEW:
        return f"<div>result</div><pre>{escape(output)}</pre>"
    return (
        f"<div>result ({len(output):,} characters)</div><pre>{escape(output[:RESULT_PREVIEW])}…</pre>"
        f"<details><summary>show all</summary><pre>{escape(output)}</pre></details>"
    )


def generated_image(image: GeneratedImage | None, *, label: str) -> str:
    """An image the model made (or a placeholder while none has arrived), with a caption.

    The `src` is rebuilt from the decoded bytes, so only a PNG, JPEG, GIF or WebP data URL
    can appear, and the whole passes the sanitiser all the same."""
    caption = f'<div class="orj-image-label">{escape(label)}</div>'
    if image is None:
        return f'<div class="orj-image">{caption}</div>'
    img = f'<img src="{image.data_url}" alt="{escape(label)}">'
    return sanitize(f'<div class="orj-image">{img}{caption}</div>')


def footer(stats: SendStats, text: str | None = None) -> str:
    """One line of figures: model, tokens, reasoning tokens, cost, time to first token, total
    (or `text`, the view's own line built from them)."""
    return f'<div class="orj-footer">{escape(stats.footer_text() if text is None else text)}</div>'


def notice(text: str) -> str:
    return f'<div class="orj-notice">{escape(text)}</div>'


def error_box(title: str, message: str, hint: str | None = None) -> str:
    """A readable error: what happened, the server's message (capped), and what to do."""
    advice = f"<div>What to do: {escape(hint)}</div>" if hint else ""
    return (
        f'<div class="orj-error"><strong>{escape(title)}</strong>'
        f"<div>{escape(cap(message, MESSAGE_LIMIT))}</div>{advice}</div>"
    )


def error_parts(error: BaseException) -> tuple[str, str, str | None]:
    """Title, message and hint for any error; `APIError`s name their class and HTTP status."""
    if isinstance(error, APIError):
        status = f" {error.status_code}" if error.status_code is not None else ""
        return f"{type(error).__name__}{status}", str(error), error.hint
    return type(error).__name__, str(error), None


def error_outputs(error: BaseException) -> tuple[str, str]:
    """The error box for `error`, as HTML and as its plain-text fallback."""
    title, message, hint = error_parts(error)
    text = f"{title}: {cap(message, MESSAGE_LIMIT)}" + (f" ({hint})" if hint else "")
    return error_box(title, message, hint), text


def cap(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit:,} more characters not shown]"


def column_head(model: str) -> str:
    """The header of one model's column in a side-by-side comparison."""
    return f'<div class="orj-column-head">{escape(model)}</div>'


GRID = (  # inline: an output shown without the stylesheet keeps its columns side by side
    "display:grid;gap:0 1em;"
    "grid-template-columns:repeat(auto-fill,minmax(max(18em,calc((100% - 2em)/3)),1fr))"
)


def columns(bodies: list[str]) -> str:
    """Columns side by side, three per row at most, stacked where the page is narrow."""
    cells = "".join(f'<div class="orj-column">{body}</div>' for body in bodies)
    return f'<div class="orj-columns" style="{GRID}">{cells}</div>'


COMPARISON_HEADER = [
    "model",
    "provider",
    "status",
    "first token",
    "total",
    "tokens in",
    "tokens out",
    "reasoning",
    "tokens/s",
    "cost",
]


def comparison_rows(stats: list[SendStats]) -> list[list[str]]:
    """One row of figures per model, the fastest and the cheapest marked, and a totals row."""
    done = [s for s in stats if s.status == "completed"]
    fastest = min(done, key=lambda s: s.total or 0.0, default=None)
    priced = [s for s in done if s.cost is not None]
    cheapest = min(priced, key=lambda s: s.cost or 0.0, default=None) if len(priced) > 1 else None
    rows = []
    for s in stats:
        total = _seconds(s.total) + (" ⚡ fastest" if s is fastest and len(done) > 1 else "")
        cost = _dollars(s.cost) + (" 💲 cheapest" if s is cheapest else "")
        if _all_cached(s):
            cost += " cached, nothing spent"
        rows.append(
            [
                s.model or "?",
                s.provider or "",
                s.status or "",
                _seconds(s.ttft),
                total,
                _count(s.input_tokens)
                + (f" ({s.cached_tokens:,} cached)" if s.cached_tokens else ""),
                _count(s.output_tokens),
                _count(s.reasoning_tokens),
                f"{s.tokens_per_second:,.0f}" if s.tokens_per_second else "",
                cost,
            ]
        )
    rows.append(
        [
            "total",
            "",
            f"{len(done)} of {len(stats)} completed",
            "",
            _seconds(max((s.total or 0.0 for s in stats), default=None)),
            _count(_sum(s.input_tokens for s in stats)),
            _count(_sum(s.output_tokens for s in stats)),
            _count(_sum(s.reasoning_tokens for s in stats)),
            "",
            _dollars(_sum(0.0 if _all_cached(s) else s.cost for s in stats)),
        ]
    )
    return rows


def comparison_table(stats: list[SendStats]) -> str:
    """The comparison under side-by-side columns, as an HTML table."""
    head = "".join(f"<th>{escape(h)}</th>" for h in COMPARISON_HEADER)
    rows = comparison_rows(stats)
    cells = ["".join(f"<td>{escape(cell)}</td>" for cell in row) for row in rows]
    body = "".join(f"<tr>{row}</tr>" for row in cells[:-1])
    body += f'<tr class="orj-total">{cells[-1]}</tr>'
    return f'<table class="orj-compare"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def comparison_text(stats: list[SendStats]) -> str:
    """The comparison as plain text, one line per model."""
    return "\n".join(" · ".join(c for c in row if c) for row in comparison_rows(stats))


def _all_cached(stats: SendStats) -> bool:
    return bool(stats.cached) and stats.cached >= stats.turns


def _sum(values) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.2f} s"


def _count(value: float | None) -> str:
    return "" if value is None else f"{int(value):,}"


def _dollars(value: float | None) -> str:
    return "" if value is None else f"${value:.6f}"
