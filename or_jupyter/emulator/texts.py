"""The scripted texts: assistant answers, reasoning, summaries and the long document.

Everything here is a pure function of its arguments and a ``random.Random``
seeded from the request, so the same request always gets the same text.
"""

from __future__ import annotations

import random
import re

from . import arithmetic, tokens

TIPS = (
    "This reply is scripted by the offline emulator; no language model wrote it.",
    "Ask it to compute something such as `12*7` and it answers correctly.",
    "Name one of the tools you offered in your message and it calls that tool.",
    "Write `name=value` pairs in your message to choose a tool's arguments.",
    "Set `reasoning.effort` to watch a reasoning pane fill before the answer.",
    "Model `emulator/echo` repeats your message verbatim, HTML included.",
    "Model `emulator/long` streams a long Markdown document for performance tests.",
    "Models named `emulator/error-429`, `emulator/stall` and friends inject failures.",
    "The same request always gets the same answer, so tests can rely on it.",
)
THOUGHTS = (
    "I should answer in Markdown, short and to the point.",
    "Let me check whether the message names any of the offered tools.",
    "A list reads well in a notebook, so I will use one.",
    "There is no need for outside knowledge here.",
    "I should double-check the request for constraints before answering.",
    "The answer must be deterministic, so I will not improvise.",
    "Let me restate the question in my own words to be sure I understood it.",
    "Formatting matters: headings only where they help.",
)
EFFORT_THOUGHTS = {"minimal": 0, "low": 1, "medium": 3, "high": 7, "xhigh": 11, "max": 15}
SUMMARY_PARTS = {"concise": 1, "auto": 2, "detailed": 3}
SUMMARY_TITLES = ("Understanding the request", "Planning the answer", "Checking the details")


def excerpt(text: str, limit: int = 80) -> str:
    """The first line of the text, shortened to ``limit`` characters."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def answer(prompt: str, rng: random.Random) -> str:
    """The assistant's Markdown answer: arithmetic solved if there is any, else a short note."""
    solved = arithmetic.solve_all(prompt)
    if len(solved) == 1:
        expression, value = solved[0]
        return f"`{expression}` = **{value}**"
    if solved:
        lines = [f"- `{expression}` = **{value}**" for expression, value in solved]
        return "Here are the results:\n\n" + "\n".join(lines)
    quoted = "\n".join("> " + line for line in excerpt(prompt, 200).splitlines()) or "> (empty)"
    tips = rng.sample(TIPS[1:], 3)
    bullets = "\n".join(f"- {tip}" for tip in tips)
    return f"### Offline answer\n\nYou wrote:\n\n{quoted}\n\n{TIPS[0]}\n\n{bullets}\n"


def tool_report(outputs: list[tuple[str, str, str]]) -> str:
    """An answer quoting each tool output verbatim: ``(name, call_id, output)`` triples."""
    parts = [f"Here is what the tool{'s' if len(outputs) > 1 else ''} returned:"]
    for name, call_id, output in outputs:
        fence = "```" + "`" * max((len(run) - 2 for run in re.findall(r"`{3,}", output)), default=0)
        parts.append(f"**{name or 'tool'}** (`{call_id}`):\n\n{fence}\n{output}\n{fence}")
    return "\n\n".join(parts) + "\n"


def reasoning(prompt: str, effort: str, plan: list[str], rng: random.Random) -> str:
    """Raw reasoning text: the question, the plan, then more musing the higher the effort."""
    thoughts = list(THOUGHTS)
    rng.shuffle(thoughts)
    musing = [
        thought if i < len(thoughts) else f"Once more: {thought}"
        for i, thought in ((i, thoughts[i % len(thoughts)]) for i in range(EFFORT_THOUGHTS[effort]))
    ]
    return " ".join([f'The user asks: "{excerpt(prompt)}".', *plan, *musing])


def summary(
    prompt: str, effort: str, verbosity: str, plan: list[str], rng: random.Random
) -> list[str]:
    """Reasoning summary parts in OpenAI's style: a bold title, then a paragraph."""
    text = reasoning(prompt, effort, plan, rng)
    sentences = re.split(r"(?<=[.!?\"])\s+", text)
    count = min(SUMMARY_PARTS.get(verbosity, 2), len(sentences))
    size = -(-len(sentences) // count)
    groups = [sentences[i * size : (i + 1) * size] for i in range(count)]
    return [
        f"**{SUMMARY_TITLES[i % len(SUMMARY_TITLES)]}**\n\n" + " ".join(group)
        for i, group in enumerate(groups)
        if group
    ]


def long_document(budget: int, rng: random.Random) -> str:
    """Markdown of headings, lists, tables and code, as many sections as fit ``budget`` tokens."""
    blocks = ["# A long answer from the offline emulator\n\n"]
    used = tokens.count(blocks[0])
    section = 0
    while True:
        section += 1
        block = _section(section, rng)
        cost = tokens.count(block)
        if used + cost > budget:
            break
        blocks.append(block)
        used += cost
    return "".join(blocks).rstrip("\n") + "\n"


_WORDS = (
    "stream",
    "delta",
    "token",
    "notebook",
    "kernel",
    "widget",
    "render",
    "markdown",
    "reasoning",
    "tool",
    "call",
    "answer",
    "latency",
    "buffer",
    "throughput",
    "event",
    "client",
    "server",
    "request",
    "response",
    "model",
)


def _sentence(rng: random.Random, length: int = 12) -> str:
    words = [rng.choice(_WORDS) for _ in range(length)]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _section(number: int, rng: random.Random) -> str:
    """One section of the long document; its shape cycles through five kinds."""
    kind = number % 5
    heading = f"## Section {number}: {rng.choice(_WORDS)} and {rng.choice(_WORDS)}\n\n"
    paragraph = " ".join(_sentence(rng) for _ in range(3)) + "\n\n"
    if kind == 0:
        body = "".join(f"- **{rng.choice(_WORDS)}**: {_sentence(rng, 8)}\n" for _ in range(4))
    elif kind == 1:
        body = "".join(f"{i}. {_sentence(rng, 9)}\n" for i in range(1, 5))
    elif kind == 2:
        rows = "".join(
            f"| {rng.choice(_WORDS)} | {rng.randint(1, 999)} | {rng.random():.3f} |\n"
            for _ in range(4)
        )
        body = "| name | count | ratio |\n| --- | ---: | ---: |\n" + rows
    elif kind == 3:
        body = (
            "```python\n"
            f"def step_{number}(events):\n"
            f'    """{_sentence(rng, 6)}"""\n'
            f"    total = sum(len(e) for e in events if e)  # {rng.choice(_WORDS)}\n"
            f"    return total * {rng.randint(2, 9)}\n"
            "```\n"
        )
    else:
        body = "> " + _sentence(rng, 14) + "\n>\n> — *the emulator*\n"
    return heading + paragraph + body + "\n"
