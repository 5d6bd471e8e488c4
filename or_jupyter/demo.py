"""A short streamed example in the terminal: `python -m or_jupyter.demo [PROMPT]`.

Talks to OpenRouter when `OPENROUTER_API_KEY` is set, otherwise to the offline
emulator (whose answers are scripted, and says so).
"""

from __future__ import annotations

import os
import sys

from .client.clients import Client
from .protocol import APIError
from .render import TerminalView
from .render.ansi import strip_controls


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    prompt = " ".join(args) or "Explain in two sentences why streaming matters. Also: 10*5?"
    offline = not os.environ.get("OPENROUTER_API_KEY")
    if offline:
        os.environ.setdefault("OR_JUPYTER_EMULATOR_TPS", "60")
    model = os.environ.get("OR_JUPYTER_MODEL") or (
        "emulator/assistant" if offline else "openai/gpt-5-mini"
    )
    backend = "offline emulator: scripted answers, not a model" if offline else "OpenRouter"
    view = TerminalView()  # strips terminal escapes from everything the model sends
    view.out.write(f"[{model} via {backend}]\n> {strip_controls(prompt)}\n\n")
    view.begin(model=model, offline=offline)
    response, error = None, None
    try:
        with Client(offline=offline).stream(
            model=model, input=prompt, reasoning={"effort": "low"}
        ) as stream:
            for event in stream:
                view.on_event(event)
        response = stream.response
        view.on_response(response)
    except APIError as exc:
        error = exc
    view.finish(response, error)
    return 1 if error is not None else 0


if __name__ == "__main__":
    raise SystemExit(main())
