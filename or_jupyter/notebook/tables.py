"""Small tables the line magic shows: settings, the model catalogue, a conversation's history.

Each is shown as an HTML table with a plain-text twin, every cell escaped.
"""

from __future__ import annotations

from typing import Any

from IPython.display import display

from ..inputs.attachments import describe_content
from ..render import escape

__all__ = ["describe_item", "model_rows", "show", "show_table"]

MODEL_HEADER = ["id", "context", "$/M in", "$/M out", "reasoning", "tools"]


def show(html: str, text: str) -> None:
    """One display output with an HTML and a plain-text form."""
    display({"text/html": html, "text/plain": text}, raw=True)


def show_table(header: list[str], rows: list[list[str]]) -> None:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False))
        for row in [header, *rows]
    ]
    show(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>", "\n".join(lines))


def model_rows(models: list[Any], needle: str = "") -> list[list[str]]:
    """Rows for `MODEL_HEADER`: models whose id or name contains `needle` (any case)."""
    needle = needle.lower()
    rows = []
    for model in models:
        if not isinstance(model, dict):
            continue
        name = f"{model.get('id', '')} {model.get('name', '')}".lower()
        if needle and needle not in name:
            continue
        pricing = model.get("pricing") if isinstance(model.get("pricing"), dict) else {}
        params = model.get("supported_parameters") or []
        context = model.get("context_length")
        rows.append(
            [
                str(model.get("id", "?")),
                f"{context:,}" if isinstance(context, int) else "?",
                _per_million(pricing.get("prompt")),
                _per_million(pricing.get("completion")),
                "yes" if "reasoning" in params else "",
                "yes" if "tools" in params else "",
            ]
        )
    return rows


def describe_item(item: dict[str, Any]) -> tuple[str, str]:
    """(kind, a short text) for one history item."""
    kind = item.get("type", "message")
    if kind == "message":
        # images and files are named (`[image: PNG 640×480, 34 KB]`), never their base64
        return item.get("role", "?"), describe_content(item.get("content"))[:200]
    if kind == "function_call":
        return "function_call", f"{item.get('name')}({item.get('arguments')})"[:200]
    if kind == "function_call_output":
        output = item.get("output")  # with figures: parts, named like a message's images
        text = describe_content(output) if isinstance(output, list) else str(output)
        return "function_call_output", text[:200]
    return kind, ""


def _per_million(price: Any) -> str:
    try:
        return f"{float(price) * 1e6:.2f}"
    except (TypeError, ValueError):
        return "?"
