"""The agent's code steps drawn: the code highlighted (in its card and its approval prompt,
before it runs) and what it produced (text, HTML, figures, a traceback), as plain HTML that
stays in the saved notebook.

Pure: a step's outputs are plain dicts, as `notebook/agent/capture.py` records them:
``{"kind": "stream", "name": "stdout", "text": ...}``, ``{"kind": "display", "data":
{mime: value}}`` (the last expression's value too) and ``{"kind": "error", "text": ...}``.
"""

from __future__ import annotations

import base64
import functools
import json
from typing import Any

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from .ansi import strip_controls
from .sanitize import escape, sanitize

__all__ = ["CODE_TOOL", "code_html", "code_of", "outputs_html"]

CODE_TOOL = "run_python"  # the agent's tool whose arguments are code, drawn as code
TEXT_LIMIT = 4_000  # characters of one text output drawn in a card
_FORMATTER = HtmlFormatter(nowrap=True)
_LEXER = PythonLexer(stripnl=False, ensurenl=False)
_IMAGE_TYPES = ("image/png", "image/jpeg")


def code_of(arguments: str) -> str | None:
    """The code of a run-Python call's arguments (None while they are not whole JSON)."""
    try:
        value = json.loads(arguments)
    except (ValueError, RecursionError):
        return None
    code = value.get("code") if isinstance(value, dict) else None
    return code if isinstance(code, str) else None


@functools.lru_cache(maxsize=32)
def code_html(code: str) -> str:
    """The code, highlighted, in a block (kept: a card redraws the same code several times)."""
    body = highlight(code, _LEXER, _FORMATTER)
    return f'<pre class="orj-code orj-step-code"><code class="language-python">{body}</code></pre>'


def outputs_html(outputs: list[dict[str, Any]]) -> str:
    """What a step produced, in order; every piece escaped or sanitised."""
    return "".join(_output_html(output) for output in outputs)


def _output_html(output: dict[str, Any]) -> str:
    kind = output.get("kind")
    if kind in ("stream", "error"):
        text = _capped(strip_controls(str(output.get("text", ""))))
        error = kind == "error" or output.get("name") == "stderr"
        css = "orj-step-out orj-step-error" if error else "orj-step-out"
        return f'<pre class="{css}">{escape(text)}</pre>'
    data = output.get("data") or {}
    for mime in _IMAGE_TYPES:
        if isinstance(data.get(mime), str):
            raw = base64.b64decode(data[mime])  # rebuilt from bytes: only an image can come out
            src = f"data:{mime};base64,{base64.b64encode(raw).decode()}"
            return sanitize(f'<div class="orj-image"><img src="{src}" alt="figure"></div>')
    if isinstance(data.get("text/html"), str):
        return f'<div class="orj-step-html">{sanitize(data["text/html"])}</div>'
    if "text/plain" in data:
        text = _capped(strip_controls(str(data["text/plain"])))
        return f'<pre class="orj-step-out">{escape(text)}</pre>'
    return ""


def _capped(text: str) -> str:
    if len(text) <= TEXT_LIMIT:
        return text
    return f"{text[:TEXT_LIMIT]}\n… [{len(text) - TEXT_LIMIT:,} more characters]"
