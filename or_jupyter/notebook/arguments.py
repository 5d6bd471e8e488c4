"""The options of `%%responses`, declared once: the magic's help and its parser.

Light on purpose (IPython's argument declarations and `options.py`): `%load_ext` imports
it to register the magic, whose `%%responses?` help lists every option from here.
`parse` reads an options line without a shell; a mistake is a one-line `UsageError`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from .options import EFFORTS, SUMMARIES, choice, context_count, scorer_name

__all__ = ["OPTIONS", "cell_options", "parse"]

OPTIONS = (
    argument(
        "-m",
        "--model",
        help="Model id, e.g. openai/gpt-5-mini; several, comma-separated, answer side by side.",
    ),
    argument("--pick", help="Continue the branch of this model from an earlier comparison."),
    argument("-r", "--reasoning", type=choice("--reasoning", EFFORTS), help="Reasoning effort."),
    argument("--summary", type=choice("--summary", SUMMARIES), help="Reasoning summary."),
    argument(
        "-t", "--tools", help="Comma-separated names of notebook functions the model may call."
    ),
    argument("--tool-choice", help="auto, none, required, or a tool name."),
    argument("--max-output-tokens", type=int, help="Output token limit."),
    argument("--temperature", type=float, help="Sampling temperature."),
    argument("-i", "--instructions", help="System instructions."),
    argument("-c", "--chat", default="default", help="Name of the conversation to continue."),
    argument("-n", "--new", action="store_true", help="Start the conversation afresh."),
    argument("--no-stream", action="store_true", help="Wait for the whole answer."),
    argument("--no-cache", action="store_true", help="Ask the server even if the cache holds it."),
    argument("-o", "--out", help="Variable to store the final Response in."),
    argument(
        "--fallback",
        help="Comma-separated models OpenRouter tries in order if the model fails (`models`).",
    ),
    argument(
        "--provider",
        help="Provider routing, KEY=VALUE[,KEY=VALUE...] with lists joined by |, e.g. "
        "sort=price,only=openai|azure,zdr,allow_fallbacks=false,max_price.prompt=1. Keys: "
        "sort (price|throughput|latency|exacto), order, only, ignore, allow_fallbacks, zdr, "
        "require_parameters, enforce_distillable_text, data_collection (allow|deny), "
        "quantizations, preferred_max_latency, preferred_min_throughput, "
        "max_price.prompt|completion|request|image|audio (USD per million tokens). "
        "Added to the provider setting (%%responses config provider=...).",
    ),
    argument(
        "--schema", help="Variable holding a JSON Schema or pydantic model for structured output."
    ),
    argument("--over", help="Variable holding rows (DataFrame or list): the cell runs per row."),
    argument(
        "--expect",
        help="With --over: the field holding the right answer; evaluates the models of -m a,b,c.",
    ),
    argument(
        "--scorer",
        type=scorer_name,
        help="With --expect: exact (default), contains, number[:TOLERANCE], json or regex:PATTERN.",
    ),
    argument("--judge", help="With --over: a model that grades each answer PASS or FAIL."),
    argument(
        "--context",
        type=context_count,
        help="Add the sources (and short outputs) of the last N cells executed to the prompt.",
    ),
    argument(
        "--agent",
        nargs="?",
        const="",
        metavar="ask|auto",
        help="Let the model act in the kernel: run Python (asking first; auto: without "
        "asking), inspect variables, read recent cells. The code is offered as a cell below.",
    ),
    argument("--web", action="store_true", help="Let the model search the web (cited answers)."),
    argument("--web-max-results", type=int, help="Web search results per search (implies --web)."),
    argument("--web-domains", help="Comma-separated domains to search only (implies --web)."),
    argument("--web-exclude", help="Comma-separated domains to leave out (implies --web)."),
    argument(
        "--image",
        action="append",
        help="Attach an image: a variable (Figure, PIL Image, Path, bytes) or a file path; "
        "repeatable or comma-separated.",
    ),
    argument(
        "--file",
        action="append",
        help="Attach a file (PDF or image): a variable or a path; repeatable or comma-separated.",
    ),
    argument(
        "--cache-hint",
        help="Prompt-caching hints, comma-separated: 5m or 1h (the request's cache_control: "
        "the provider caches the prompt up to its last block for that long; Anthropic, and "
        "OpenAI models with explicit caching), key=NAME (prompt_cache_key: OpenAI routes "
        "requests sharing it to the same cache).",
    ),
    argument(
        "--image-out",
        action="store_true",
        help='Ask for images in the answer (modalities ["image", "text"]), with a model that can.',
    ),
    argument(
        "--server-tool",
        action="append",
        help="Offer one of OpenRouter's server tools, TYPE[:JSON] (JSON: its parameters), e.g. "
        "openrouter:datetime or 'openrouter:web_fetch:{\"max_uses\": 2}'; repeatable.",
    ),
    argument(
        "--mcp-remote",
        action="append",
        help="Let OpenRouter call the remote MCP server LABEL=URL (each call asks for "
        "approval); repeatable.",
    ),
)


def cell_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Declare the options on `func` (as stacked `@argument`s would, in this order) and
    build its parser, whose help joins `func`'s docstring."""
    for declare in reversed(OPTIONS):
        func = declare(func)
    return magic_arguments()(func)


@cell_options
def responses_cell(line: str, cell: str) -> None:
    """The parser's holder: named as the magic's method, so messages read the same."""


def parse(line: str) -> argparse.Namespace:
    """The options line of a `%%responses` cell, read (a `UsageError` if it is wrong)."""
    return parse_argstring(responses_cell, line)
