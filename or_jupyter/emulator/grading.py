"""Models of known quality, for evaluations: ``emulator/grader-<P>pct`` and ``emulator/judge``.

A grader answers a sentiment classification: ``positive``, ``negative`` or ``neutral``.
It knows nothing of the expected label. It derives the label from the text of the
prompt by a fixed rule, a small word list (``label_of``: more positive words than
negative ones is ``positive``, fewer ``negative``, as many ``neutral``); data whose
labels follow that rule, as the tutorial's do, is then answered correctly. For a
stable ``P``% of prompts (a hash of the model id and the prompt, so the same row
always gets the same answer) it says the rule's label, for the others the next
label round the cycle, which is wrong. ``emulator/grader-<P>pct-<MS>ms`` also waits
``MS`` milliseconds before answering. Graders cost more the better they are
(``price_per_million``), so that an evaluation shows a trade-off.

``emulator/judge`` grades the prompt an LLM judge gets (``orj.evaluate(judge=...)``):
``PASS`` when the answer after ``Answer:`` holds the value after ``Expected answer:``
(case and spaces aside), else ``FAIL``, then one sentence; without an expected value
it checks the answer against ``label_of`` of the ``Row:`` text.
"""

from __future__ import annotations

import functools
import hashlib
import re

__all__ = [
    "GRADERS_LISTED",
    "JUDGE_MODEL",
    "grade",
    "grader_of",
    "judge",
    "label_of",
    "price_per_million",
]

JUDGE_MODEL = "emulator/judge"
GRADERS_LISTED = (60, 75, 90)  # the graders /models lists; any percentage works
LABELS = ("positive", "negative", "neutral")
MAX_LATENCY_MS = 60_000
_GRADER = re.compile(r"emulator/grader-(\d{1,3})pct(?:-(\d{1,5})ms)?")
_WORD = re.compile(r"[a-z']+")
POSITIVE = frozenset(
    [
        "good",
        "great",
        "love",
        "loved",
        "lovely",
        "excellent",
        "fine",
        "happy",
        "wonderful",
        "perfect",
        "fast",
        "helpful",
        "recommend",
        "best",
        "nice",
        "pleased",
        "amazing",
        "works",
        "comfortable",
        "friendly",
    ]
)
NEGATIVE = frozenset(
    [
        "bad",
        "terrible",
        "hate",
        "hated",
        "awful",
        "broken",
        "poor",
        "slow",
        "worst",
        "useless",
        "disappointed",
        "refund",
        "rude",
        "late",
        "cracked",
        "noisy",
        "leaks",
        "waste",
    ]
)


@functools.lru_cache(maxsize=256)
def grader_of(model: str) -> tuple[int, float] | None:
    """(percent correct, seconds before answering) of a grader id; None for any other id."""
    match = _GRADER.fullmatch(model)
    if match is None:
        return None
    percent, latency_ms = int(match[1]), int(match[2] or 0)
    if percent > 100 or latency_ms > MAX_LATENCY_MS:
        return None
    return percent, latency_ms / 1000


def price_per_million(percent: int) -> tuple[float, float]:
    """Dollars per million (input, output) tokens of a grader: the better, the dearer."""
    per_input = round(percent * percent / 2000, 4)
    return per_input, per_input * 4


def label_of(text: str) -> str:
    """The label the word list gives a text (the rule graders and the judge apply)."""
    words = _WORD.findall(text.lower())
    score = sum(word in POSITIVE for word in words) - sum(word in NEGATIVE for word in words)
    return "positive" if score > 0 else "negative" if score < 0 else "neutral"


def grade(model: str, prompt: str) -> str:
    """What a grader answers: the rule's label for a stable share of prompts, else a wrong one."""
    percent, _ = grader_of(model) or (100, 0.0)
    right = label_of(prompt)
    digest = hashlib.sha256(f"{model}\0{prompt}".encode()).digest()
    if int.from_bytes(digest[:8], "big") % 100 < percent:
        return right
    return LABELS[(LABELS.index(right) + 1) % len(LABELS)]


def judge(prompt: str) -> str:
    """The judge's verdict on an `orj.evaluate` judge prompt: PASS or FAIL, then why."""
    answer = _section(prompt, "Answer:")
    expected = _section(prompt, "Expected answer:")
    if expected is None:
        expected = label_of(_section(prompt, "Row:") or "")
    if answer is None:
        return "FAIL\nThere is no answer to grade."
    if _plain(expected) and _plain(expected) in _plain(answer):
        return f"PASS\nThe answer gives {expected.strip()!r}, as expected."
    return f"FAIL\nThe answer does not give {expected.strip()!r}."


def _section(prompt: str, heading: str) -> str | None:
    """The text after a line starting with `heading`, up to the next heading line."""
    lines = prompt.splitlines()
    for number, line in enumerate(lines):
        if line.startswith(heading):
            rest = [line[len(heading) :]]
            for following in lines[number + 1 :]:
                if re.match(r"^(Row|Expected answer|Answer|Rubric):", following):
                    break
                rest.append(following)
            return "\n".join(rest).strip()
    return None


def _plain(text: str) -> str:
    return " ".join(text.lower().split())
