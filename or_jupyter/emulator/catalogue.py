"""The ``GET /models`` catalogue: the emulator's own models and a few real-looking ones.

Entries follow OpenRouter's model object (and validate against the spec's
``ModelsListResponse``). Prices are per token, in USD, as strings; the real
models' prices are OpenRouter's list prices at the time of writing, the
emulator models' prices are notional so that usage shows a non-zero ``cost``.
Any model id outside ``emulator/`` is answered by the scripted assistant.
"""

from __future__ import annotations

import functools
from typing import Any

from .context import CONTEXT_LENGTHS, SMALL_CONTEXT, SMALL_CONTEXT_MODEL
from .grading import GRADERS_LISTED, JUDGE_MODEL, grader_of, price_per_million

EMULATOR_PRICING = {"prompt": "0.0000001", "completion": "0.0000004"}

# id -> what it does (the README's table says the same).
EMULATOR_MODELS: dict[str, str] = {
    "emulator/assistant": "Scripted assistant: Markdown answers, reasoning on request, "
    "calls the tools named in the prompt, solves arithmetic.",
    "emulator/echo": "Streams the last user message back verbatim, byte for byte.",
    "emulator/long": "A long Markdown document whose size follows max_output_tokens.",
    "emulator/refuse": "Declines every request: a message with a refusal part "
    "(response.refusal.delta events).",
    "emulator/flaky": "First request with a given body: 429 with Retry-After: 1; "
    "retrying the same body succeeds.",
    "emulator/midstream-error": "Streams half an answer, then an error event.",
    "emulator/failed": "Streams half an answer, then response.failed.",
    "emulator/truncated": "Streams half an answer, then closes the connection mid-event.",
    "emulator/incomplete": "Stops early with response.incomplete (max_output_tokens).",
    "emulator/stall": "Sends the keep-alive comment, then nothing.",
    "emulator/image": "Image generation: streams a small deterministic PNG (two partial "
    "images, then an image_generation_call item) and a line of text.",
    SMALL_CONTEXT_MODEL: f"Answers like the assistant, with a {SMALL_CONTEXT:,}-token context: "
    "a larger input gets OpenRouter's context-length error (or, with truncation auto, "
    "loses its oldest items).",
    **{
        f"emulator/pace-{tps}tps-ttft{ttft}ms": f"Paced: {ttft} ms to the first token, then "
        f"{tps} tokens/s; Markdown filling max_output_tokens (default 600); not "
        "streamed, the JSON body after as long. Any emulator/pace-<TPS>tps[-ttft<MS>ms] id works."
        for tps, ttft in ((40, 800), (80, 500), (150, 300))
    },
    **{
        f"emulator/grader-{percent}pct": f"Sentiment classifier right on a stable {percent}% of "
        "prompts (the label a word list gives the prompt's text, else a wrong one); dearer the "
        "better. Any emulator/grader-<P>pct[-<MS>ms] id works (MS: latency)."
        for percent in GRADERS_LISTED
    },
    JUDGE_MODEL: "LLM-as-judge for orj.evaluate: PASS when the answer holds the expected "
    "value, else FAIL, then one sentence.",
    **{
        f"emulator/error-{status}": f"Always answers HTTP {status} with an OpenRouter error body."
        for status in (400, 401, 402, 403, 404, 408, 429, 500, 502, 503)
    },
}

# The emulator models that read images and files (they say what they see), or draw.
_EMULATOR_MODALITIES = {
    "emulator/assistant": "text+image+file->text",
    "emulator/image": "text+image+file->image+text",
}

_TOOLS_AND_REASONING = [
    "include_reasoning",
    "max_tokens",
    "reasoning",
    "response_format",
    "seed",
    "structured_outputs",
    "temperature",
    "tool_choice",
    "tools",
    "top_p",
]

# (id, name, created, context, max output, prices in/out per million, tokenizer, modality, notes)
_REAL = [
    (
        "openai/gpt-5-mini",
        "OpenAI: GPT-5 Mini",
        1754587407,
        400000,
        128000,
        0.25,
        2.0,
        "GPT",
        "text+image->text",
        "A compact GPT-5 for lighter reasoning tasks with lower latency.",
    ),
    (
        "openai/o4-mini",
        "OpenAI: o4 Mini",
        1744820942,
        200000,
        100000,
        1.1,
        4.4,
        "GPT",
        "text+image->text",
        "A compact reasoning model, fast and cost-efficient.",
    ),
    (
        "openai/gpt-oss-20b",
        "OpenAI: gpt-oss-20b",
        1754414229,
        131072,
        131072,
        0.03,
        0.15,
        "GPT",
        "text->text",
        "An open-weight 21B mixture-of-experts model that streams raw reasoning.",
    ),
    (
        "anthropic/claude-sonnet-4.5",
        "Anthropic: Claude Sonnet 4.5",
        1759161676,
        1000000,
        64000,
        3.0,
        15.0,
        "Claude",
        "text+image->text",
        "Anthropic's strongest model for agents and code.",
    ),
    (
        "deepseek/deepseek-r1",
        "DeepSeek: R1",
        1737381095,
        163840,
        163840,
        0.4,
        2.0,
        "DeepSeek",
        "text->text",
        "An open reasoning model with fully open reasoning tokens.",
    ),
    (
        "google/gemini-2.5-flash",
        "Google: Gemini 2.5 Flash",
        1750172488,
        1048576,
        65535,
        0.3,
        2.5,
        "Gemini",
        "text+image->text",
        "Google's workhorse model with built-in thinking.",
    ),
]


def _entry(
    model_id: str,
    name: str,
    created: int,
    context: int,
    max_output: int,
    pricing: dict[str, str],
    tokenizer: str,
    modality: str,
    description: str,
) -> dict:
    inputs, outputs = (side.split("+") for side in modality.split("->"))
    return {
        "id": model_id,
        "canonical_slug": model_id,
        "hugging_face_id": None,
        "name": name,
        "created": created,
        "description": description,
        "context_length": context,
        "architecture": {
            "modality": modality,
            "input_modalities": inputs,
            "output_modalities": outputs,
            "tokenizer": tokenizer,
            "instruct_type": None,
        },
        "pricing": {**pricing, "request": "0", "image": "0", "internal_reasoning": "0"},
        "top_provider": {
            "context_length": context,
            "max_completion_tokens": max_output,
            "is_moderated": False,
        },
        "per_request_limits": None,
        "supported_parameters": list(_TOOLS_AND_REASONING),
        "default_parameters": None,
        "supported_voices": None,
        "knowledge_cutoff": None,
        "expiration_date": None,
        "links": {"details": f"/api/v1/models/{model_id}/endpoints"},
    }


def _per_token(per_million: float) -> str:
    return f"{per_million / 1_000_000:.10f}".rstrip("0").rstrip(".")


def models() -> list[dict[str, Any]]:
    """Every catalogue entry: the emulator's models first, then the real-looking ones."""
    entries = [
        _entry(
            model_id,
            f"Emulator: {model_id.split('/', 1)[1]}",
            1767225600,
            CONTEXT_LENGTHS.get(model_id, 131072),
            CONTEXT_LENGTHS.get(model_id, 131072),
            _emulator_pricing(model_id),
            "Other",
            _EMULATOR_MODALITIES.get(model_id, "text->text"),
            description,
        )
        for model_id, description in EMULATOR_MODELS.items()
    ]
    entries += [
        _entry(
            model_id,
            name,
            created,
            context,
            max_output,
            {"prompt": _per_token(price_in), "completion": _per_token(price_out)},
            tokenizer,
            modality,
            description,
        )
        for (
            model_id,
            name,
            created,
            context,
            max_output,
            price_in,
            price_out,
            tokenizer,
            modality,
            description,
        ) in _REAL
    ]
    return entries


def listing() -> dict[str, Any]:
    """The ``GET /models`` body."""
    data = models()
    return {"data": data, "total_count": len(data), "links": {"next": None}}


def pricing(model_id: str) -> dict[str, str]:
    """Per-token prices of a model; emulator prices for models not in the catalogue."""
    listed = _listed_prices().get(model_id)
    return dict(listed) if listed is not None else _emulator_pricing(model_id)


@functools.cache
def _listed_prices() -> dict[str, dict[str, str]]:
    """The catalogue's prices by id, made once (every answer looks its model's up)."""
    return {entry["id"]: entry["pricing"] for entry in models()}


def _emulator_pricing(model_id: str) -> dict[str, str]:
    """An emulator model's prices: the graders' follow their quality, the rest are the same."""
    grader = grader_of(model_id)
    if grader is None:
        return EMULATOR_PRICING
    per_input, per_output = price_per_million(grader[0])
    return {"prompt": _per_token(per_input), "completion": _per_token(per_output)}
