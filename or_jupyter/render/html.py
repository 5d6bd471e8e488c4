"""HTML fragments of the live view, as pure functions of plain data.

Every piece of text that came from the model, a tool or the server goes through
`escape` or the Markdown renderer (which sanitises), so nothing here can carry
live HTML from a model into the page.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from .markdown import render_markdown, stylesheet
from .sanitize import escape

__all__ = [
    "add_usage",
    "css",
    "error_box",
    "footer",
    "notice",
    "reasoning_pane",
    "tool_card",
    "pretty_arguments",
]

RESULT_PREVIEW = 2_000
STATUS_LABELS = {
    "running": "running…",
    "done": "done",
    "error": "error",
    "denied": "denied",
    "timeout": "timed out",
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


def pretty_arguments(arguments: str) -> str:
    """Arguments pretty-printed when they are complete JSON, as they are otherwise."""
    try:
        return json.dumps(json.loads(arguments), indent=2, ensure_ascii=False)
    except ValueError:
        return arguments


def tool_card(
    name: str,
    arguments: str,
    *,
    status: str,
    output: str | None = None,
    duration: float | None = None,
    traceback: str | None = None,
) -> str:
    """A collapsible card for one function call: name, arguments, status, result, duration.

    Open while the call streams or runs, and when it failed; folded when it succeeded,
    with the start of its result in the summary line.
    """
    timing = f" · {duration:.2f} s" if duration is not None else ""
    label = STATUS_LABELS.get(status, status)
    preview = ""
    if status == "done" and output:
        short = " ".join(output.split())
        preview = f" → <code>{escape(short[:80] + ('…' if len(short) > 80 else ''))}</code>"
    parts = [
        f'<details class="orj-pane orj-tool"{"" if status == "done" else " open"}>',
        f"<summary>🔧 <code>{escape(name)}</code> · "
        f'<span class="orj-status-{escape(status)}">{escape(label)}</span>{timing}{preview}</summary>',
        f"<div>arguments</div><pre>{escape(pretty_arguments(arguments) or '{}')}</pre>",
    ]
    if output is not None:
        parts.append(_result(output))
    if traceback:
        parts.append(
            f"<details><summary>traceback</summary><pre>{escape(traceback)}</pre></details>"
        )
    parts.append("</details>")
    return "".join(parts)


def _result(output: str) -> str:
    if len(output) <= RESULT_PREVIEW:
        return f"<div>result</div><pre>{escape(output)}</pre>"
    return (
        f"<div>result ({len(output):,} characters)</div><pre>{escape(output[:RESULT_PREVIEW])}…</pre>"
        f"<details><summary>show all</summary><pre>{escape(output)}</pre></details>"
    )


def footer(stats: dict[str, Any]) -> str:
    """One line of figures: model, tokens, reasoning tokens, cost, time to first token, total."""
    return f'<div class="orj-footer">{escape(footer_text(stats))}</div>'


def footer_text(stats: dict[str, Any]) -> str:
    parts = [str(stats.get("model") or "?")]
    if stats.get("input_tokens") is not None:
        parts.append(
            f"{stats['input_tokens']:,} in / {stats.get('output_tokens') or 0:,} out tokens"
        )
    if stats.get("reasoning_tokens"):
        parts.append(f"{stats['reasoning_tokens']:,} reasoning")
    if stats.get("cost") is not None:
        parts.append(f"${stats['cost']:.6f}")
    if stats.get("ttft") is not None:
        parts.append(f"first token {stats['ttft']:.2f} s")
    if stats.get("total") is not None:
        parts.append(f"total {stats['total']:.2f} s")
    if stats.get("turns", 1) > 1:
        parts.append(f"{stats['turns']} turns")
    if stats.get("status") not in (None, "completed"):
        parts.append(str(stats["status"]))
    return " · ".join(parts)


def add_usage(stats: dict[str, Any], usage: dict[str, Any]) -> None:
    """Add one round's usage to the running figures of a send (several rounds with tools)."""
    stats["turns"] = stats.get("turns", 0) + 1
    for key in ("input_tokens", "output_tokens", "cost"):
        if usage.get(key) is not None:
            stats[key] = (stats.get(key) or 0) + usage[key]
    reasoning = (usage.get("output_tokens_details") or {}).get("reasoning_tokens")
    if reasoning:
        stats["reasoning_tokens"] = (stats.get("reasoning_tokens") or 0) + reasoning


def notice(text: str) -> str:
    return f'<div class="orj-notice">{escape(text)}</div>'


def error_box(title: str, message: str, hint: str | None = None) -> str:
    """A readable error: what happened, the server's message, and what to do."""
    advice = f"<div>What to do: {escape(hint)}</div>" if hint else ""
    return (
        f'<div class="orj-error"><strong>{escape(title)}</strong>'
        f"<div>{escape(message)}</div>{advice}</div>"
    )
