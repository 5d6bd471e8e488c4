"""`%%responses` and `%responses`: OpenRouter's Responses API from notebook cells.

Load with `%load_ext or_jupyter`. The cell magic sends the cell as a prompt and
draws the answer live; the line magic manages settings. Options that are wrong
give one line of help (a `UsageError`), never a traceback.
"""

from __future__ import annotations

import getpass
import os
import re
import shlex
from dataclasses import dataclass
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets import Bool, Float, Int, TraitError, Unicode

from .client import Client, offline_requested
from .conversation import DEFAULT_MODEL, Conversation
from .offline_mode import offline as use_offline
from .protocol import APIError, Response
from .render.driver import arun_send, run_send
from .render.html import error_box
from .render.live import LiveView
from .render.sanitize import escape
from .render.terminal import TerminalView
from .structured import parse_structured, text_format
from .tools import as_tool

__all__ = ["Responses", "awaiting_cells", "interpolate", "load_ipython_extension"]

EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
SUMMARIES = ("auto", "concise", "detailed")
_CONVERTERS = {"max_output_tokens": int, "temperature": float, "max_turns": int}
_FIELD = re.compile(r"\{\{|\}\}|\{([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?::([^{}]*))?\}")


def interpolate(text: str, namespace: dict[str, Any]) -> str:
    """`{name}` (or `{name.attr}`, `{name:fmt}`) becomes the notebook value; `{{`/`}}` a brace.

    Braces that name nothing in the notebook stay as typed, so code in a prompt is safe.
    """

    def replace(match: re.Match) -> str:
        whole, path, spec = match.group(0), match.group(1), match.group(2)
        if whole in ("{{", "}}"):
            return whole[0]
        head, *attrs = path.split(".")
        if head not in namespace:
            return whole
        value = namespace[head]
        try:
            for attr in attrs:
                value = getattr(value, attr)
            return format(value, spec or "")
        except (AttributeError, ValueError, TypeError):
            return whole

    return _FIELD.sub(replace, text)


@dataclass
class _Request:
    """One cell's request: the conversation, the prompt and its parameters, and `--out`."""

    chat: Conversation
    prompt: str
    overrides: dict[str, Any]
    out: str | None
    schema: Any


def _choice(name: str, allowed: tuple[str, ...]):
    def check(value: str) -> str:
        if value not in allowed:
            raise UsageError(f"{name} must be one of {', '.join(allowed)} (got {value!r})")
        return value

    return check


@magics_class
class Responses(Magics):
    """OpenRouter Responses in notebooks. Defaults are settable with `%config Responses.x = ...`."""

    model = Unicode(DEFAULT_MODEL, help="Default model id.").tag(config=True)
    reasoning = Unicode(None, allow_none=True, help="Default reasoning effort.").tag(config=True)
    summary = Unicode(None, allow_none=True, help="Default reasoning summary.").tag(config=True)
    max_output_tokens = Int(None, allow_none=True, help="Default output token limit.").tag(
        config=True
    )
    temperature = Float(None, allow_none=True, help="Default temperature.").tag(config=True)
    instructions = Unicode(None, allow_none=True, help="Default system instructions.").tag(
        config=True
    )
    offline = Bool(False, help="Use the local emulator instead of OpenRouter.").tag(config=True)
    max_turns = Int(8, help="Most model turns one cell may take in its tool loop.").tag(config=True)
    timeout = Float(120.0, help="Seconds to wait for the server before giving up.").tag(config=True)
    frontend = Unicode(
        "auto",
        help="How answers are drawn: auto (notebook in a kernel, else terminal), notebook, terminal.",
    ).tag(config=True)

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell, **kwargs)
        self.chats: dict[str, Conversation] = {}
        self._client: Client | None = None
        self._api_key: str | None = None

    # -- the cell magic ------------------------------------------------------------------

    @magic_arguments()
    @argument("-m", "--model", help="Model id, e.g. openai/gpt-5-mini.")
    @argument("-r", "--reasoning", type=_choice("--reasoning", EFFORTS), help="Reasoning effort.")
    @argument("--summary", type=_choice("--summary", SUMMARIES), help="Reasoning summary.")
    @argument(
        "-t", "--tools", help="Comma-separated names of notebook functions the model may call."
    )
    @argument("--tool-choice", help="auto, none, required, or a tool name.")
    @argument("--max-output-tokens", type=int, help="Output token limit.")
    @argument("--temperature", type=float, help="Sampling temperature.")
    @argument("-i", "--instructions", help="System instructions.")
    @argument("-c", "--chat", default="default", help="Name of the conversation to continue.")
    @argument("-n", "--new", action="store_true", help="Start the conversation afresh.")
    @argument("--no-stream", action="store_true", help="Wait for the whole answer.")
    @argument("-o", "--out", help="Variable to store the final Response in.")
    @argument(
        "--schema", help="Variable holding a JSON Schema or pydantic model for structured output."
    )
    @cell_magic("responses")
    def responses_cell(self, line: str, cell: str) -> None:
        """Send the cell to a model; the answer streams in below. See `%responses?` for settings."""
        request = self._request(line, cell)
        view, ask = self._view(request)
        try:
            response = run_send(
                request.chat,
                request.prompt,
                view,
                ask=ask,
                poll_ui=self._in_kernel,
                **request.overrides,
            )
        except APIError:
            return  # drawn by the view, with what had arrived above it
        self._store(request, response)

    async def responses_async(self, line: str, cell: str) -> None:
        """The cell magic as a kernel runs it: awaiting, so Stop and Approve/Deny are heard."""
        request = self._request(line, cell)
        view, ask = self._view(request)
        try:
            response = await arun_send(
                request.chat, request.prompt, view, ask=ask, **request.overrides
            )
        except APIError:
            return
        self._store(request, response)

    def _request(self, line: str, cell: str) -> _Request:
        """Parse the options and cell; every mistake is a one-line `UsageError`."""
        args = parse_argstring(self.responses_cell, line)
        prompt = interpolate(cell, self.shell.user_ns).strip()
        if not prompt:
            raise UsageError("the cell is empty: write a prompt below %%responses")
        tools = self._tools(args.tools)
        schema = self._user_value(args.schema, "--schema") if args.schema else None
        overrides = self._overrides(args, schema)
        chat = self._chat(args.chat, new=args.new, stream=not args.no_stream)
        chat.tools.update(tools or {})
        return _Request(chat, prompt, overrides, args.out, schema)

    @property
    def _in_kernel(self) -> bool:
        return getattr(self.shell, "kernel", None) is not None

    def _view(self, request: _Request) -> tuple[Any, Any]:
        """The view for this frontend (live HTML in notebooks, text in terminals), started."""
        notebook = self.frontend == "notebook" or (self.frontend == "auto" and self._in_kernel)
        view: Any = LiveView() if notebook else TerminalView()
        view.begin(
            model=request.overrides["model"],
            offline=request.chat.client.offline,
            cancel=request.chat.cancel if notebook else None,
        )
        return view, _approval_prompt if self._in_kernel else None

    def _store(self, request: _Request, response: Response) -> None:
        """`--out`: the response, or with `--schema` the parsed structured answer."""
        if not request.out:
            return
        value: Any = response
        if request.schema is not None:
            try:
                value = parse_structured(response.output_text, request.schema)
            except ValueError as exc:
                raise UsageError(f"the answer is not valid JSON for --schema: {exc}") from None
        self.shell.user_ns[request.out] = value

    def _overrides(self, args: Any, schema: Any) -> dict[str, Any]:
        effort = args.reasoning or self.reasoning
        summary = args.summary or self.summary
        reasoning = None
        if effort or summary:
            reasoning = {k: v for k, v in (("effort", effort), ("summary", summary)) if v}
        overrides = {
            "model": args.model or self.model,
            "reasoning": reasoning,
            "max_output_tokens": args.max_output_tokens or self.max_output_tokens,
            "temperature": args.temperature if args.temperature is not None else self.temperature,
            "instructions": args.instructions or self.instructions,
        }
        if args.tool_choice:
            overrides["tool_choice"] = args.tool_choice
        if schema is not None:
            try:
                overrides["text"] = text_format(schema, name=args.schema)
            except TypeError as exc:
                raise UsageError(f"--schema {args.schema}: {exc}") from None
        return {k: v for k, v in overrides.items() if v is not None}

    # -- the line magic ------------------------------------------------------------------

    @line_magic("responses")
    def responses_line(self, line: str) -> Any:
        """%responses config [key=value ...] | models [FILTER] | history [CHAT] | reset [CHAT]
        | key | offline on|off"""
        command, _, rest = line.strip().partition(" ")
        handlers = {
            "config": self._config,
            "models": self._models,
            "history": self._history,
            "reset": self._reset,
            "key": self._key,
            "offline": self._offline,
        }
        if command not in handlers:
            raise UsageError(
                "usage: %responses config [key=value ...] | models [FILTER] | history [CHAT] "
                "| reset [CHAT] | key | offline on|off"
            )
        return handlers[command](rest.strip())

    def _config(self, rest: str) -> None:
        names = (
            "model",
            "reasoning",
            "summary",
            "max_output_tokens",
            "temperature",
            "instructions",
            "max_turns",
        )
        for pair in _pairs(rest):
            key, _, value = pair.partition("=")
            if key not in names:
                raise UsageError(f"unknown setting {key!r}; settings: {', '.join(names)}")
            if value and key == "reasoning":
                _choice("reasoning", EFFORTS)(value)
            if value and key == "summary":
                _choice("summary", SUMMARIES)(value)
            try:
                converted = None if value in ("", "None") else _CONVERTERS.get(key, str)(value)
                setattr(self, key, converted)
            except (ValueError, TypeError, TraitError) as exc:
                raise UsageError(f"{key}: {exc}") from None
        settings = {name: getattr(self, name) for name in names}
        settings["offline"] = self.client.offline
        settings["api key"] = "set" if self._key_available() else "missing"
        _show_table(
            ["setting", "value"], [[k, "" if v is None else str(v)] for k, v in settings.items()]
        )

    def _models(self, rest: str) -> None:
        try:
            models = self.client.models()
        except APIError as exc:
            _show(error_box("Could not list models", str(exc), exc.hint), str(exc))
            return
        needle = rest.lower()
        rows = []
        for m in models:
            if (
                needle
                and needle not in m.get("id", "").lower()
                and needle not in str(m.get("name", "")).lower()
            ):
                continue
            pricing = m.get("pricing") or {}
            params = m.get("supported_parameters") or []
            rows.append(
                [
                    m.get("id", "?"),
                    f"{m.get('context_length') or 0:,}",
                    _per_million(pricing.get("prompt")),
                    _per_million(pricing.get("completion")),
                    "yes" if "reasoning" in params else "",
                    "yes" if "tools" in params else "",
                ]
            )
        _show_table(["id", "context", "$/M in", "$/M out", "reasoning", "tools"], rows)

    def _history(self, rest: str) -> None:
        chat = self.chats.get(rest or "default")
        if chat is None or not chat.history:
            print(f"conversation {rest or 'default'!r} is empty")
            return
        rows = [[str(i), *_describe(item)] for i, item in enumerate(chat.history)]
        _show_table(["#", "item", "content"], rows)

    def _reset(self, rest: str) -> None:
        name = rest or "default"
        self.chats.pop(name, None)
        print(f"conversation {name!r} reset")

    def _key(self, rest: str) -> None:
        key = getpass.getpass("OpenRouter API key (input hidden): ").strip()
        if not key:
            raise UsageError("no key entered; nothing changed")
        self._api_key = key
        os.environ["OPENROUTER_API_KEY"] = key
        self._set_client(None)
        print("API key set for this kernel session (not saved in the notebook).")

    def _offline(self, rest: str) -> None:
        if rest not in ("on", "off"):
            raise UsageError("usage: %responses offline on|off")
        self.offline = rest == "on"
        use_offline(self.offline)  # clients made in Python code follow the switch too
        self._set_client(None)
        print(
            "offline mode on: answers come from the local emulator, scripted, not a model"
            if self.offline
            else "offline mode off: requests go to OpenRouter"
        )

    # -- helpers -----------------------------------------------------------------------

    @property
    def client(self) -> Client:
        """The client the magics use; offline when `offline` is on or `orj.offline()` was called."""
        wanted = self.offline or offline_requested()
        if self._client is None or self._client.offline != wanted:
            self._set_client(Client(api_key=self._api_key, offline=wanted, timeout=self.timeout))
        return self._client

    def _set_client(self, client: Client | None) -> None:
        self._client = client
        for chat in self.chats.values():
            chat.client = client

    def _key_available(self) -> bool:
        return bool(self._api_key or os.environ.get("OPENROUTER_API_KEY"))

    def _chat(self, name: str, *, new: bool, stream: bool) -> Conversation:
        chat = self.chats.get(name)
        if chat is None or new:
            chat = self.chats[name] = Conversation(
                model=self.model, client=self.client, max_turns=self.max_turns
            )
        chat.client = self.client
        chat.stream = stream
        return chat

    def _user_value(self, name: str, option: str) -> Any:
        if name not in self.shell.user_ns:
            raise UsageError(f"{option} {name}: no variable {name!r} in the notebook")
        return self.shell.user_ns[name]

    def _tools(self, names: str | None) -> dict[str, Any] | None:
        if not names:
            return None
        tools = {}
        for name in filter(None, (n.strip() for n in names.split(","))):
            value = self._user_value(name, "--tools")
            if not callable(value):
                raise UsageError(
                    f"--tools {name}: {name!r} is a {type(value).__name__}, not a function"
                )
            try:
                tool = as_tool(value)
            except TypeError as exc:
                raise UsageError(f"--tools {name}: {exc}") from None
            tools[tool.name] = tool
        return tools


def _pairs(rest: str) -> list[str]:
    try:
        pairs = shlex.split(rest)
    except ValueError as exc:
        raise UsageError(f"cannot read {rest!r}: {exc}") from None
    for pair in pairs:
        if "=" not in pair:
            raise UsageError(f"expected key=value, got {pair!r}")
    return pairs


def _per_million(price: Any) -> str:
    try:
        return f"{float(price) * 1e6:.2f}"
    except (TypeError, ValueError):
        return "?"


def _describe(item: dict[str, Any]) -> tuple[str, str]:
    kind = item.get("type", "message")
    if kind == "message":
        content = item.get("content")
        text = (
            content
            if isinstance(content, str)
            else " ".join(
                p.get("text") or p.get("refusal") or ""
                for p in content or []
                if isinstance(p, dict)
            )
        )
        return item.get("role", "?"), text[:200]
    if kind == "function_call":
        return "function_call", f"{item.get('name')}({item.get('arguments')})"[:200]
    if kind == "function_call_output":
        return "function_call_output", str(item.get("output"))[:200]
    return kind, ""


def _show(html: str, text: str) -> None:
    from IPython.display import display

    display({"text/html": html, "text/plain": text}, raw=True)


def _show_table(header: list[str], rows: list[list[str]]) -> None:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False))
        for row in [header, *rows]
    ]
    _show(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>", "\n".join(lines))


def _approval_prompt(tool: Any, call: Any, answer: Any) -> None:
    """Approve / Deny buttons for a `confirm=True` tool; resolves `answer` on click."""
    import ipywidgets
    from IPython.display import display

    from .render.html import pretty_arguments

    label = ipywidgets.HTML(
        f"Run <code>{escape(tool.name)}</code> with <code>"
        f"{escape(pretty_arguments(call.arguments))}</code>?"
    )
    approve = ipywidgets.Button(description="Approve", button_style="success")
    deny = ipywidgets.Button(description="Deny", button_style="danger")
    box = ipywidgets.HBox([label, approve, deny])
    handle = display(box, display_id=True)

    def decide(value: bool) -> None:
        if not answer.done():
            answer.set_result(value)
        box.close()
        handle.update({"text/plain": f"{tool.name}: {'approved' if value else 'denied'}"}, raw=True)

    approve.on_click(lambda _: decide(True))
    deny.on_click(lambda _: decide(False))


def awaiting_cells(lines: list[str]) -> list[str]:
    """In a kernel, run `%%responses` cells as top-level `await`s of `responses_async`.

    A cell magic runs synchronously and would block the kernel's event loop, so
    clicks on Stop would wait until the answer is complete; an awaiting cell lets
    ipykernel dispatch them meanwhile. `%%responses?` (help) is left alone.
    """
    if not lines or not lines[0].startswith("%%responses"):
        return lines
    line = lines[0][len("%%responses") :].rstrip("\n")
    if (line and not line[0].isspace()) or line.rstrip().endswith("?"):
        return lines
    cell = "".join(lines[1:])
    return [
        "await get_ipython().magics_manager.registry['Responses']"
        f".responses_async({line!r}, {cell!r})\n"
    ]


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext or_jupyter`: register the magics (and their `%config` settings)."""
    magics = Responses(ipython)
    ipython.register_magics(magics)
    if magics not in ipython.configurables:
        ipython.configurables.append(magics)
    kernel = getattr(ipython, "kernel", None)
    # ipykernel 7 hears widget messages while an async cell awaits; ipykernel 6 does not
    # (it has do_one_iteration, which jupyter-ui-poll drives from the synchronous magic).
    modern = kernel is not None and not hasattr(kernel, "do_one_iteration")
    if modern and awaiting_cells not in ipython.input_transformers_cleanup:
        ipython.input_transformers_cleanup.append(awaiting_cells)
