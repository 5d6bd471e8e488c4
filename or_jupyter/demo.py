"""A short streamed example in the terminal: `python -m or_jupyter.demo [PROMPT]`.

Talks to OpenRouter when `OPENROUTER_API_KEY` is set, otherwise to the offline
emulator (whose answers are scripted, and says so).
"""

from __future__ import annotations

import os
import sys

from .client import Client
from .protocol import APIError

DIM, RESET = "\033[2m", "\033[0m"


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
    print(f"{DIM}[{model} via {backend}]{RESET}\n> {prompt}\n")
    client = Client(offline=offline)
    try:
        with client.stream(model=model, input=prompt, reasoning={"effort": "low"}) as stream:
            for event in stream:
                if event.type in (
                    "response.reasoning_text.delta",
                    "response.reasoning_summary_text.delta",
                ):
                    print(f"{DIM}{event.data.get('delta', '')}{RESET}", end="", flush=True)
                elif (
                    event.type == "response.output_item.added"
                    and event.data["item"].get("type") == "message"
                ):
                    print("\n")
                elif event.type == "response.output_text.delta":
                    print(event.data.get("delta", ""), end="", flush=True)
        usage = stream.response.usage or {}
    except APIError as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return 1
    cost = usage.get("cost")
    print(
        f"\n\n{DIM}{usage.get('input_tokens', '?')} tokens in, {usage.get('output_tokens', '?')} out"
        f"{f', ${cost:.6f}' if cost is not None else ''}{RESET}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
