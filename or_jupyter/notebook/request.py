"""From a `%%responses` options line and cell to a request: pure, testable without a shell.

`read_cell` takes the options line, the cell's text, the magic's settings (`CellDefaults`)
and the notebook's variables, and returns a `CellRequest`: the prompt (with `{values}`
filled in and attachments), the send's settings, the models, and what the session must
do (which conversation, which tools, `--out`). Every mistake is a one-line `UsageError`.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError

from ..chat.structured import text_format
from ..inputs.attachments import Attachment, AttachmentError, attachment, content_parts
from ..protocol import fallback_models, parse_provider
from ..protocol.server_tools import (
    remote_mcp_tool,
    server_tool,
    split_server_tools,
    web_search_tool,
)
from .arguments import parse
from .interpolate import interpolate_parts
from .options import send_overrides

__all__ = [
    "CellDefaults",
    "CellRequest",
    "cell_overrides",
    "lookup",
    "names",
    "provider",
    "read_cell",
    "server_tools_of",
]


@dataclass(frozen=True)
class CellDefaults:
    """The magic's settings a cell's options fall back on (`%config Responses.x`)."""

    model: str
    reasoning: str | None = None
    summary: str | None = None
    max_output_tokens: int | None = None
    temperature: float | None = None
    instructions: str | None = None
    provider: str | None = None
    truncation: str | None = None
    server_tools: str | None = None

    @classmethod
    def of(cls, settings: Any) -> CellDefaults:
        """The defaults as `settings` (the `Responses` magics) hold them now."""
        return cls(**{f.name: getattr(settings, f.name, f.default) for f in fields(cls)})


@dataclass
class CellRequest:
    """One cell, read: the prompt and the send's settings, and what the session resolves
    (the conversation `chat`, the `tools` to offer, `--context`, `--pick`, `--out`)."""

    prompt: str | list[dict[str, Any]]  # a list (one user message) when it carries attachments
    overrides: dict[str, Any]
    chat: str = "default"
    new: bool = False
    stream: bool = True
    no_cache: bool = False
    models: list[str] = field(default_factory=list)  # two or more: side by side
    tools: list[str] = field(default_factory=list)
    pick: str | None = None
    context: int | None = None
    out: str | None = None
    schema: Any = None
    schema_name: str | None = None
    agent: str | None = None  # --agent's value ("" when bare); None without it


def read_cell(
    line: str, cell: str, defaults: CellDefaults, user_ns: Mapping[str, Any]
) -> CellRequest:
    """The request of the cell `cell` under the options `line`."""
    args = parse(line)
    prompt = _prompt(cell, args, user_ns)
    schema = lookup(user_ns, args.schema, "--schema") if args.schema else None
    overrides = cell_overrides(args, defaults, schema)
    if args.image_out:
        overrides["modalities"] = ["image", "text"]
    if args.cache_hint:
        overrides.update(cache_hints(args.cache_hint))
    models = names(args.model)
    if len(set(models)) != len(models):
        raise UsageError(f"-m {args.model}: a model is named twice")
    if len(models) > 1:
        if args.fallback is not None:
            raise UsageError(
                "--fallback works with one model; with several (-m a,b) each answers itself"
            )
        del overrides["model"]
    else:
        models = []
    return CellRequest(
        prompt,
        overrides,
        chat=args.chat,
        new=args.new,
        stream=not args.no_stream,
        no_cache=args.no_cache,
        models=models,
        tools=names(args.tools),
        pick=args.pick,
        context=args.context,
        out=args.out,
        schema=schema,
        schema_name=args.schema,
        agent=args.agent,
    )


def cell_overrides(args: argparse.Namespace, defaults: CellDefaults, schema: Any) -> dict[str, Any]:
    """The send's settings from the options, else the defaults (tools aside)."""
    temperature = args.temperature if args.temperature is not None else defaults.temperature
    model = args.model or defaults.model
    overrides = send_overrides(
        model,
        effort=args.reasoning or defaults.reasoning,
        summary=args.summary or defaults.summary,
        max_output_tokens=args.max_output_tokens or defaults.max_output_tokens,
        temperature=temperature,
        instructions=args.instructions or defaults.instructions,
        truncation=defaults.truncation,
        tool_choice=args.tool_choice or None,
        web=_web(args),
    )
    overrides.update(_routing(model, args.fallback, defaults.provider, args.provider))
    extra = server_tools_of(defaults.server_tools, "server_tools setting")
    for listed in getattr(args, "server_tool", None) or []:
        extra += server_tools_of(_unquoted(listed), "--server-tool")
    extra += [_remote(_unquoted(text)) for text in getattr(args, "mcp_remote", None) or []]
    if extra:
        overrides["server_tools"] = extra
    if schema is not None:
        try:
            overrides["text"] = text_format(schema, name=args.schema)
        except TypeError as exc:
            raise UsageError(f"--schema {args.schema}: {exc}") from None
    return overrides


def server_tools_of(text: str | None, option: str) -> list[dict[str, Any]]:
    """`TYPE[:JSON]` entries (comma- or space-separated) as `tools` entries."""
    try:
        return [server_tool(entry) for entry in split_server_tools(text or "")]
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def _unquoted(text: str) -> str:
    """An option's value without the quotes around it (IPython's parser keeps them)."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _remote(text: str) -> dict[str, Any]:
    """`--mcp-remote LABEL=URL`: OpenRouter's remote MCP tool (approval asked for every call)."""
    label, sep, url = text.partition("=")
    if not sep:
        raise UsageError(f"--mcp-remote takes LABEL=URL, got {text!r}")
    try:
        return remote_mcp_tool(label.strip(), url.strip())
    except ValueError as exc:
        raise UsageError(f"--mcp-remote: {exc}") from None


def cache_hints(text: str) -> dict[str, Any]:
    """`--cache-hint 5m|1h,key=NAME`: the request's `cache_control` and `prompt_cache_key`."""
    hints: dict[str, Any] = {}
    for word in names(text):
        if word in ("5m", "1h"):
            hints["cache_control"] = {"type": "ephemeral", "ttl": word}
        elif word.startswith("key=") and word[4:]:
            hints["prompt_cache_key"] = word[4:]
        else:
            raise UsageError(f"--cache-hint {text}: expected 5m, 1h or key=NAME, not {word!r}")
    return hints


def lookup(user_ns: Mapping[str, Any], name: str, option: str) -> Any:
    """The notebook variable `name` that `option` names (a `UsageError` if there is none)."""
    if name not in user_ns:
        raise UsageError(f"{option} {name}: no variable {name!r} in the notebook")
    return user_ns[name]


def names(listed: str | None) -> list[str]:
    """The names of a comma-separated list (blanks dropped)."""
    return [n.strip() for n in (listed or "").split(",") if n.strip()]


def provider(text: str, option: str) -> dict[str, Any]:
    """Provider routing preferences as `--provider` or the `provider` setting take them."""
    try:
        return parse_provider(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def _prompt(cell: str, args: Any, user_ns: Mapping[str, Any]) -> str | list[dict[str, Any]]:
    """The cell's text with `{values}` filled in, plus `--image` / `--file`: a string,
    or one user message whose content holds the attachments where they stand."""
    try:
        pieces: list[Any] = interpolate_parts(cell, user_ns)
    except AttachmentError as exc:
        raise UsageError(str(exc)) from None
    pieces += _attached(args.image, "--image", user_ns) + _attached(args.file, "--file", user_ns)
    if all(isinstance(p, str) for p in pieces):
        prompt = "".join(pieces).strip()
        if not prompt:
            raise UsageError("the cell is empty: write a prompt below %%responses")
        return prompt
    if isinstance(pieces[0], str):
        pieces[0] = pieces[0].lstrip()
    if isinstance(pieces[-1], str):
        pieces[-1] = pieces[-1].rstrip()
    return [{"type": "message", "role": "user", "content": content_parts(pieces)}]


def _attached(
    listed: list[str] | None, option: str, user_ns: Mapping[str, Any]
) -> list[Attachment]:
    """The attachments of `--image a,b --image c`: notebook variables, else file paths."""
    found = []
    for name in names(",".join(listed or [])):
        value = user_ns[name] if name in user_ns else Path(name)
        if isinstance(value, str):
            value = Path(value)
        try:
            item = attachment(value)
        except (AttachmentError, TypeError) as exc:
            raise UsageError(f"{option} {name}: {exc}") from None
        if option == "--image" and not item.is_image:
            raise UsageError(f"{option} {name}: {item.name} is not an image (use --file)")
        found.append(item)
    return found


def _web(args: Any) -> dict[str, Any] | bool | None:
    """`--web` and its options as the `web=` parameter (None without any of them)."""
    given = {
        "--web-max-results": ("max_results", args.web_max_results),
        "--web-domains": ("allowed_domains", args.web_domains),
        "--web-exclude": ("excluded_domains", args.web_exclude),
    }
    options = {key: value for key, value in given.values() if value is not None}
    if not options:
        return True if args.web else None
    for option, (key, value) in given.items():
        if value is None:
            continue
        try:
            web_search_tool({key: value})
        except (TypeError, ValueError) as exc:
            raise UsageError(f"{option} {value}: {str(exc).split(': ', 1)[-1]}") from None
    try:
        web_search_tool(options)
    except (TypeError, ValueError):
        raise UsageError("--web-domains and --web-exclude cannot be used together") from None
    return options


def _routing(
    model: str, fallback: str | None, default: str | None, listed: str | None
) -> dict[str, Any]:
    """`models` from `--fallback`; `provider` from the default, updated by `--provider`."""
    routing: dict[str, Any] = {}
    if fallback is not None:
        if not names(fallback):
            raise UsageError("--fallback needs model ids, e.g. --fallback openai/gpt-5-mini")
        routing["models"] = fallback_models(model, names(fallback))
    preferences = {
        **(provider(default, "provider setting") if default else {}),
        **(provider(listed, "--provider") if listed else {}),
    }
    if preferences:
        routing["provider"] = preferences
    return routing
