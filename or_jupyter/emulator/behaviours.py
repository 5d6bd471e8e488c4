"""The scripted behaviours: what each emulator model answers to a request, as a ``Plan``.

``emulator/assistant`` (also used for every model id outside ``emulator/``),
``emulator/echo`` and ``emulator/long`` answer normally; the stream-fault
models answer like the assistant but break the stream. The HTTP-fault models
never get here (see ``faults``), and ``emulator/burst-429-<N>`` gets here only
past its burst, to answer like the assistant.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

from . import agent, grading, images, servertools, texts, tokens, toolcalls, websearch
from .catalogue import EMULATOR_MODELS
from .faults import burst_size
from .request import Request
from .routing import PACE_DEFAULT_TOKENS, pace_of

LONG_DEFAULT_TOKENS = 3000
LONG_MAX_TOKENS = 200_000
INCOMPLETE_DEFAULT_TOKENS = 16
REFUSAL = "I'm sorry, but I can't help with that request. (scripted refusal: emulator/refuse)"
STREAM_FAULTS = {
    "emulator/midstream-error": "midstream-error",
    "emulator/failed": "failed",
    "emulator/truncated": "truncated",
    "emulator/stall": "stall",
}


@dataclass(frozen=True)
class Call:
    """One function call: the tool's name and its arguments as a JSON string."""

    name: str
    arguments: str


@dataclass
class Plan:
    """What a model decided to say: the output items of one response, in order
    (reasoning, message, function calls), which ``events`` turns into a stream.

    ``fault`` makes the stream break the way real streams do:
    ``"midstream-error"`` (an ``error`` event halfway through the text),
    ``"failed"`` (``response.failed`` halfway), ``"truncated"`` (the connection
    closes in the middle of an event) or ``"stall"`` (nothing after the keep-alive).
    """

    text: str | None = None
    reasoning: str = ""
    summary: list[str] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    incomplete: bool = False
    fault: str | None = None
    searches: list[websearch.Search] = field(default_factory=list)
    annotations: list[dict] = field(default_factory=list)  # the message's url_citations
    refusal: str | None = None  # a refusal message instead of text
    image_seed: int | None = None  # emulator/image: the seed of the PNG it draws
    items: list[dict] = field(default_factory=list)  # server tools' items (datetime, MCP...)

    @property
    def reasons(self) -> bool:
        """Whether the response starts with a reasoning item."""
        return bool(self.reasoning or self.summary)


def known(model: str) -> bool:
    """Whether the emulator answers this model id (every id outside ``emulator/`` is known)."""
    if not model.startswith("emulator/") or model in EMULATOR_MODELS:
        return True
    if grading.grader_of(model) is not None:
        return True
    return pace_of(model) is not None or burst_size(model) is not None


def plan(request: Request) -> Plan:
    """What the requested model says."""
    rng = random.Random(request.seed)
    if request.model == "emulator/echo":
        result = Plan(text=request.last_user_text)
    elif request.model == "emulator/refuse":
        result = Plan(refusal=REFUSAL)
    elif request.model == "emulator/long":
        budget = min(request.max_output_tokens or LONG_DEFAULT_TOKENS, LONG_MAX_TOKENS)
        result = Plan(text=texts.long_document(budget, rng))
    elif pace_of(request.model):
        result = paced(request, rng)
    elif grading.grader_of(request.model):
        result = Plan(text=grading.grade(request.model, request.last_user_text))
    elif request.model == grading.JUDGE_MODEL:
        result = Plan(text=grading.judge(request.last_user_text))
    elif request.model == images.IMAGE_MODEL or _asks_for_images(request.body):
        result = image(request)
    else:
        result = assistant(request, rng)
    result.fault = STREAM_FAULTS.get(request.model)
    if request.model == "emulator/incomplete":
        limit = request.max_output_tokens or INCOMPLETE_DEFAULT_TOKENS
        result = _cut_to(result, min(limit, max(tokens.count(result.text or "") - 1, 1)))
    elif request.max_output_tokens is not None:
        result = _fit(result, request.max_output_tokens)
    return result


def assistant(request: Request, rng: random.Random) -> Plan:
    """The scripted assistant: reasoning if asked, then tool calls or a Markdown answer."""
    if (move := agent.step(request)) is not None:  # the notebook agent's rules (agent.py)
        calls, text = move
        planned = [Call(name, json.dumps(args, ensure_ascii=False)) for name, args in calls]
        intent = [f"I will call `{c.name}`." for c in planned] or [
            "I will answer from the results."
        ]
        return _with_reasoning(Plan(text=text, calls=planned), request, intent, rng)
    prompt = request.last_user_text
    outputs = request.trailing_outputs
    chosen = (
        []
        if outputs
        else toolcalls.choose(
            request.tools, request.tool_choice, request.parallel_tool_calls, prompt
        )
    )
    calls = [Call(tool["name"], toolcalls.arguments(tool, prompt)) for tool in chosen]
    if outputs:
        text = texts.tool_report(
            [
                (request.call_name(item["call_id"]), item["call_id"], _output_text(item["output"]))
                for item in outputs
            ]
        )
        intent = ["The tools have answered; I will report their results."]
    elif calls:
        text = None
        intent = [f"I will call `{call.name}` with {call.arguments}." for call in calls]
    elif (served := servertools.serve(request)) is not None:
        intent = ["I will use the server tools I was given."]
        result = Plan(text=served[1], items=served[0])
        return _with_reasoning(result, request, intent, rng)
    elif (options := websearch.web_search_options(request.body.get("tools") or [])) is not None:
        search = websearch.web_search(prompt, options)
        text, annotations = websearch.cited_answer(search)
        intent = [f"I will search the web for {search.query!r} and cite what I find."]
        result = Plan(text=text, searches=[search], annotations=annotations)
        return _with_reasoning(result, request, intent, rng)
    else:
        text = _structured(request.body.get("text"), prompt)
        if text is None:
            seen = images.acknowledgements(request.items)  # what it sees, before its answer
            text = "\n\n".join(
                [" ".join(seen), texts.answer(prompt, rng)] if seen else [texts.answer(prompt, rng)]
            )
        intent = ["I will answer directly."]
    return _with_reasoning(Plan(text=text, calls=calls), request, intent, rng)


def _with_reasoning(result: Plan, request: Request, intent: list[str], rng: random.Random) -> Plan:
    """The plan with reasoning (or a summary) first, when the request asks for it."""
    prompt = request.last_user_text
    if request.effort:
        if request.summary:
            result.summary = texts.summary(prompt, request.effort, request.summary, intent, rng)
        else:
            result.reasoning = texts.reasoning(prompt, request.effort, intent, rng)
    return result


def _asks_for_images(body: dict) -> bool:
    """`modalities` with "image": any model id then plays an image model, as emulator/image."""
    modalities = body.get("modalities")
    return isinstance(modalities, list) and "image" in modalities


def image(request: Request) -> Plan:
    """``emulator/image``: a generated PNG (seeded by the request), then a line about it."""
    prompt = texts.excerpt(request.last_user_text, 80) or "an image"
    seen = " ".join(images.acknowledgements(request.items))
    text = (seen + " " if seen else "") + f"Here is a generated image for: {prompt}"
    return Plan(text=text, image_seed=request.seed)


def paced(request: Request, rng: random.Random) -> Plan:
    """A paced model's answer: reasoning if asked, then Markdown filling the token budget.

    The budget is ``max_output_tokens`` (default ``PACE_DEFAULT_TOKENS``), spent exactly,
    so that paced models stream answers of a known length.
    """
    budget = min(request.max_output_tokens or PACE_DEFAULT_TOKENS, LONG_MAX_TOKENS)
    result = Plan()
    if request.effort:
        intent = ["I will write a long answer."]
        result.reasoning = texts.reasoning(request.last_user_text, request.effort, intent, rng)
        result.reasoning = tokens.truncate(result.reasoning, budget // 2)
    left = budget - tokens.count(result.reasoning)
    result.text = tokens.truncate(texts.long_document(left + 500, rng), left)
    return result


def _structured(text_config: object, prompt: str) -> str | None:
    """JSON text for ``text.format`` ``json_schema`` or ``json_object``; None for plain text."""
    fmt = text_config.get("format") if isinstance(text_config, dict) else None
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind == "json_schema":
        return json.dumps(toolcalls.fill(fmt.get("schema") or {}, prompt), ensure_ascii=False)
    if kind == "json_object":
        return json.dumps({"answer": texts.excerpt(prompt, 200), "scripted": True})
    return None


def _output_text(output: object) -> str:
    """A function_call_output's output as text (it may be a list of content parts)."""
    if isinstance(output, str):
        return output
    if isinstance(output, list):
        return "\n".join(str(part.get("text", "")) for part in output if isinstance(part, dict))
    return str(output)


def _fit(result: Plan, limit: int) -> Plan:
    """The plan unchanged if it fits ``limit`` output tokens, else cut to it and incomplete."""
    spent = tokens.count(result.reasoning) + sum(tokens.count(part) for part in result.summary)
    spent += tokens.count(result.text or "") + sum(tokens.count(c.arguments) for c in result.calls)
    return result if spent <= limit else _cut_to(result, limit)


def _cut_to(result: Plan, limit: int) -> Plan:
    """The plan's reasoning and text cut to ``limit`` tokens in all, marked incomplete."""
    result.incomplete = True
    result.calls = []
    result.reasoning = tokens.truncate(result.reasoning, limit)
    remaining = max(limit - tokens.count(result.reasoning), 0)
    kept_summary = []
    for part in result.summary:
        cut = tokens.truncate(part, remaining)
        remaining -= tokens.count(cut)
        if cut:
            kept_summary.append(cut)
    result.summary = kept_summary
    result.text = tokens.truncate(result.text, remaining) if result.text is not None else None
    kept = len(result.text or "")
    result.annotations = [a for a in result.annotations if a["end_index"] <= kept]
    return result
