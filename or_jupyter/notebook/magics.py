"""`%%responses` and `%responses`: OpenRouter's Responses API from notebook cells.

Load with `%load_ext or_jupyter`. The cell magic sends the cell as a prompt and draws the
answer live; the line magic manages settings. Options that are wrong give one line of
help (a `UsageError`), never a traceback.

Tools: `--tools a,b` offers notebook functions to the model. The names are remembered
for the conversation, and at every cell they are looked up in the notebook again, so
the model sees and runs the current definition; `%responses tools` lists them and
`%responses tools drop NAME` withdraws one.
"""

from __future__ import annotations

import getpass
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets import Bool, Float, Int, TraitError, Unicode, Union

from ..attachments import Attachment, AttachmentError, attachment, content_parts
from ..client import Client
from ..context_size import history_limit_value
from ..conversation import DEFAULT_MODEL, Conversation
from ..offline_mode import offline as use_offline
from ..offline_mode import offline_requested
from ..protocol import APIError, fallback_models, parse_provider
from ..protocol.server_tools import web_search_tool
from ..render import LiveView, TerminalView, error_box
from ..render.compare import CompareView
from ..render.html import comparison_text, css
from ..render.live import CREDIT_ALLOWANCE
from ..saved import cell_record
from ..structured import parse_structured, text_format
from ..tools import Tool, as_tool
from . import cache_commands
from .approval import Approvals
from .canvas import Canvas
from .context import FailureLog, cells_context, context_count, help_prompt, last_python_block
from .interpolate import interpolate_parts
from .options import EFFORTS, SUMMARIES, TRUNCATIONS, choice, pairs
from .over import arun_over, run_over, wants_over
from .restore import restore
from .runner import arun_compare, arun_send, run_compare, run_send
from .stop import LazyStopButton
from .stylesheet import Stylesheet
from .tables import MODEL_HEADER, describe_item, model_rows, show, show_table
from .transformer import awaiting_cells

__all__ = ["Responses", "load_ipython_extension"]

KEY_ENV = "OPENROUTER_API_KEY"
_CONVERTERS = {"max_output_tokens": int, "temperature": float, "max_turns": int}
_FLOATS = {"tool_timeout": float}
_CHECKED = {"truncation": choice("truncation", TRUNCATIONS), "history_limit": history_limit_value}
SETTINGS = (
    "model",
    "reasoning",
    "summary",
    "max_output_tokens",
    "temperature",
    "instructions",
    "max_turns",
    "tool_timeout",
    "provider",
    "truncation",
    "history_limit",
)
SIZE_ADVICE = (
    "Start afresh with `%responses reset` (or `-n` on the cell), drop the oldest turns with "
    "`%responses config history_limit=auto`, or let the server truncate with "
    "`%responses config truncation=auto`."
)
LINE_USAGE = (
    "usage: %responses config [key=value ...] | models [FILTER] | history [CHAT] "
    "| reset [CHAT] | tools [drop NAME[,NAME] | clear] [CHAT] | pick MODEL [CHAT] | key "
    "| offline on|off | restore [NOTEBOOK] | fix [MODEL] | explain [MODEL] "
    "| cache on [PATH]|off|clear|stats | record FILE|off | replay FILE [--fast]|off"
)


@dataclass
class _Request:
    """One cell's request: the conversation, the prompt and its parameters, and `--out`.

    `models` holds two or more models when the cell compares them side by side."""

    chat: Conversation
    prompt: str | list[dict[str, Any]]  # a list (one user message) when it carries attachments
    overrides: dict[str, Any]
    out: str | None
    schema: Any
    models: list[str] = field(default_factory=list)


@dataclass
class _Offered:
    """The tools a conversation offers: names to look up at each cell, and withdrawn ones."""

    names: list[str] = field(default_factory=list)
    withdrawn: dict[str, Tool] = field(default_factory=dict)
    last: dict[str, Tool] = field(default_factory=dict)


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
    provider = Unicode(
        None, allow_none=True, help="Default provider routing, as --provider takes it."
    ).tag(config=True)
    offline = Bool(False, help="Use the local emulator instead of OpenRouter.").tag(config=True)
    truncation = Unicode(
        None,
        allow_none=True,
        help="The request's `truncation`: auto (the server drops the oldest items when the "
        "input exceeds the context) or disabled (it refuses the request).",
    ).tag(config=True)
    history_limit = Union(
        [Int(), Unicode()],
        default_value=None,
        allow_none=True,
        help="Drop the oldest whole turns of a conversation before sending past this many "
        "tokens; 'auto': 80% of the model's context. None keeps everything (and warns).",
    ).tag(config=True)
    max_turns = Int(8, help="Most model turns one cell may take in its tool loop.").tag(config=True)
    tool_timeout = Float(
        300.0, allow_none=True, help="Seconds a tool call may run (tools without a timeout)."
    ).tag(config=True)
    timeout = Float(120.0, help="Seconds to wait for the server before giving up.").tag(config=True)
    frontend = Unicode(
        "auto",
        help="How answers are drawn: auto (notebook in a kernel, else terminal), notebook, terminal.",
    ).tag(config=True)

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell, **kwargs)
        self.chats: dict[str, Conversation] = {}
        self.offered: dict[str, _Offered] = {}
        self._client: Client | None = None
        self._api_key: str | None = None  # from `%responses key`: in this kernel's memory only
        self.failures = FailureLog(shell) if shell is not None else None  # for `fix`, `explain`
        self.response_cache: Any = None  # `%responses cache on`: the magics' response cache
        self.stylesheet = Stylesheet()  # the answers' <style>: in one output per session

    # -- the cell magic ------------------------------------------------------------------

    @magic_arguments()
    @argument(
        "-m",
        "--model",
        help="Model id, e.g. openai/gpt-5-mini; several, comma-separated, answer side by side.",
    )
    @argument("--pick", help="Continue the branch of this model from an earlier comparison.")
    @argument("-r", "--reasoning", type=choice("--reasoning", EFFORTS), help="Reasoning effort.")
    @argument("--summary", type=choice("--summary", SUMMARIES), help="Reasoning summary.")
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
    @argument("--no-cache", action="store_true", help="Ask the server even if the cache holds it.")
    @argument("-o", "--out", help="Variable to store the final Response in.")
    @argument(
        "--fallback",
        help="Comma-separated models OpenRouter tries in order if the model fails (`models`).",
    )
    @argument(
        "--provider",
        help="Provider routing, KEY=VALUE[,KEY=VALUE...] with lists joined by |, e.g. "
        "sort=price,only=openai|azure,zdr,allow_fallbacks=false,max_price.prompt=1. Keys: "
        "sort (price|throughput|latency|exacto), order, only, ignore, allow_fallbacks, zdr, "
        "require_parameters, enforce_distillable_text, data_collection (allow|deny), "
        "quantizations, preferred_max_latency, preferred_min_throughput, "
        "max_price.prompt|completion|request|image|audio (USD per million tokens). "
        "Added to the provider setting (%%responses config provider=...).",
    )
    @argument(
        "--schema", help="Variable holding a JSON Schema or pydantic model for structured output."
    )
    @argument("--over", help="Variable holding rows (DataFrame or list): the cell runs per row.")
    @argument(
        "--context",
        type=context_count,
        help="Add the sources (and short outputs) of the last N cells executed to the prompt.",
    )
    @argument("--web", action="store_true", help="Let the model search the web (cited answers).")
    @argument("--web-max-results", type=int, help="Web search results per search (implies --web).")
    @argument("--web-domains", help="Comma-separated domains to search only (implies --web).")
    @argument("--web-exclude", help="Comma-separated domains to leave out (implies --web).")
    @argument(
        "--image",
        action="append",
        help="Attach an image: a variable (Figure, PIL Image, Path, bytes) or a file path; "
        "repeatable or comma-separated.",
    )
    @argument(
        "--file",
        action="append",
        help="Attach a file (PDF or image): a variable or a path; repeatable or comma-separated.",
    )
    @argument(
        "--image-out",
        action="store_true",
        help='Ask for images in the answer (modalities ["image", "text"]), with a model that can.',
    )
    @cell_magic("responses")
    def responses_cell(self, line: str, cell: str) -> Any:
        """Send the cell to a model; the answer streams in below. See `%responses?` for settings."""
        if wants_over(line):
            return run_over(self, line, cell)
        request = self._request(line, cell)
        drawing = self._drawing(request)
        try:
            if request.models:
                result = run_compare(
                    request.chat,
                    request.prompt,
                    drawing.view,
                    approvals=drawing.approvals,
                    poll_ui=self._in_kernel,
                    **request.overrides,
                )
            else:
                result = run_send(
                    request.chat,
                    request.prompt,
                    drawing.view,
                    approvals=drawing.approvals.get(""),
                    poll_ui=self._in_kernel,
                    **request.overrides,
                )
            drawing.metadata = self._record(line, request, result)
        except APIError:
            return  # drawn by the view, with what had arrived above it
        finally:
            drawing.close()
        self._store(request, result)

    async def responses_async(self, line: str, cell: str) -> None:
        """The cell magic as a kernel runs it: awaiting, so Stop and Approve/Deny are heard."""
        if wants_over(line):
            return await arun_over(self, line, cell)
        request = self._request(line, cell)
        drawing = self._drawing(request)
        try:
            if request.models:
                result = await arun_compare(
                    request.chat,
                    request.prompt,
                    drawing.view,
                    approvals=drawing.approvals,
                    **request.overrides,
                )
            else:
                result = await arun_send(
                    request.chat,
                    request.prompt,
                    drawing.view,
                    approvals=drawing.approvals.get(""),
                    **request.overrides,
                )
            drawing.metadata = self._record(line, request, result)
        except APIError:
            return
        finally:
            drawing.close()
        self._store(request, result)

    def _request(self, line: str, cell: str) -> _Request:
        """Parse the options and cell; every mistake is a one-line `UsageError`."""
        args = parse_argstring(self.responses_cell, line)
        prompt = self._prompt(cell, args)
        if args.context:
            notebook = cells_context(self.shell, args.context, keys=self._keys())
            prompt = _with_context(notebook, prompt) if notebook else prompt
        schema = self._user_value(args.schema, "--schema") if args.schema else None
        overrides = self._overrides(args, schema)
        if args.image_out:
            overrides["modalities"] = ["image", "text"]
        models = _names(args.model)
        if len(set(models)) != len(models):
            raise UsageError(f"-m {args.model}: a model is named twice")
        chat = self._chat(args.chat, new=args.new, stream=not args.no_stream)
        if args.no_cache:
            chat.client = cache_commands.uncached(chat.client)
        if args.pick:
            self._pick(chat, args.pick, args.chat)
        if len(models) > 1:
            if args.fallback is not None:
                raise UsageError(
                    "--fallback works with one model; with several (-m a,b) each answers itself"
                )
            del overrides["model"]
        else:
            _check_branch(chat, overrides["model"], args.chat)
            models = []
        overrides.update(self._tool_overrides(args.chat, args.tools, chat))
        return _Request(chat, prompt, overrides, args.out, schema, models)

    def _prompt(self, cell: str, args: Any) -> str | list[dict[str, Any]]:
        """The cell's text with `{values}` filled in, plus `--image` / `--file`: a string,
        or one user message whose content holds the attachments where they stand."""
        try:
            pieces: list[Any] = interpolate_parts(cell, self.shell.user_ns)
        except AttachmentError as exc:
            raise UsageError(str(exc)) from None
        pieces += self._attached(args.image, "--image") + self._attached(args.file, "--file")
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

    def _attached(self, listed: list[str] | None, option: str) -> list[Attachment]:
        """The attachments of `--image a,b --image c`: notebook variables, else file paths."""
        found = []
        for name in _names(",".join(listed or [])):
            value = self.shell.user_ns[name] if name in self.shell.user_ns else Path(name)
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

    @property
    def _in_kernel(self) -> bool:
        return getattr(self.shell, "kernel", None) is not None

    def _drawing(self, request: _Request) -> _Drawing:
        """The view for this frontend (live HTML in notebooks, text in terminals), begun;
        the approval prompts and, in notebooks, the Stop button and the canvas."""
        notebook = self.frontend == "notebook" or (self.frontend == "auto" and self._in_kernel)
        offline = request.chat.client.offline
        if not notebook:
            if request.models:
                buffered = {m: TerminalView(io.StringIO(), color=False) for m in request.models}
                view: Any = CompareView(buffered, None)
                view.begin(offline=offline)
            else:
                view = TerminalView()
                view.begin(model=request.overrides["model"], offline=offline)
            return _Drawing(view)
        stop = LazyStopButton(request.chat.cancel)
        canvas = Canvas(tickers=[stop.tick])
        approvals: dict[str, Approvals] = {}
        styles = self.stylesheet.wanted(self.shell)
        if request.models:
            if styles:
                canvas.header.show(css(), "")
            columns = {m: canvas.column(m) for m in request.models}
            share = CREDIT_ALLOWANCE // len(columns)  # the columns share one cell's allowance
            views = {m: LiveView(c, styles=False, allowance=share) for m, c in columns.items()}
            view = CompareView(views, canvas.footer, header=canvas.header)
            view.begin(offline=offline)
            if self._in_kernel:
                approvals = {m: Approvals(c, asker=m) for m, c in columns.items()}
        else:
            view = LiveView(canvas.surface, styles=styles)
            view.begin(model=request.overrides["model"], offline=offline)
            if self._in_kernel:
                approvals = {"": Approvals(canvas.surface)}
        return _Drawing(view, approvals, stop, canvas)

    def _record(self, line: str, request: _Request, result: Any) -> dict[str, Any]:
        """The cell's answer as output metadata, for `%responses restore` (see `saved.py`)."""
        args = parse_argstring(self.responses_cell, line)
        return cell_record(
            result,
            request.chat,
            name=args.chat,
            prompt=request.prompt,
            out=request.out,
            new=args.new,
            schema=args.schema,
        )

    def _store(self, request: _Request, result: Any) -> None:
        """`--out`: the response (a dict of them when comparing), or with `--schema` the
        parsed structured answer."""
        if not request.out:
            return
        if request.schema is None:
            self.shell.user_ns[request.out] = result
            return
        answers = result if request.models else {"": result}
        values = {}
        for model, response in answers.items():
            try:
                values[model] = parse_structured(response.output_text, request.schema)
            except ValueError as exc:
                label = f"{model}'s answer" if model else "the answer"
                raise UsageError(f"{label} is not valid JSON for --schema: {exc}") from None
        self.shell.user_ns[request.out] = values if request.models else values[""]

    def _pick(self, chat: Conversation, model: str, name: str) -> None:
        try:
            chat.pick(model)
        except ValueError as exc:
            raise UsageError(f"--pick {model}: {exc}") from None

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
            "truncation": self.truncation,
        }
        if args.tool_choice:
            overrides["tool_choice"] = args.tool_choice
        overrides["web"] = _web(args)
        overrides.update(_routing(overrides["model"], args.fallback, self.provider, args.provider))
        if schema is not None:
            try:
                overrides["text"] = text_format(schema, name=args.schema)
            except TypeError as exc:
                raise UsageError(f"--schema {args.schema}: {exc}") from None
        return {k: v for k, v in overrides.items() if v is not None}

    # -- tools ---------------------------------------------------------------------------

    def _tool_overrides(self, name: str, listed: str | None, chat: Conversation) -> dict[str, Any]:
        """This cell's tools: the names offered so far plus `--tools`, looked up afresh."""
        offered = self.offered.setdefault(name, _Offered())
        new = [n for n in _names(listed) if n not in offered.names]
        current = {}
        for tool_name in [*offered.names, *new]:
            tool = self._resolve_tool(tool_name, required=tool_name in new)
            if tool is None:
                print(f"tool {tool_name!r} is no longer defined in the notebook: not offered")
                offered.names.remove(tool_name)
                continue
            current[tool_name] = tool
        offered.names += [n for n in new if n not in offered.names]
        for tool_name in current:
            offered.withdrawn.pop(tool_name, None)
        offered.last = current
        if current:
            return {"tools": list(current.values())}
        if offered.withdrawn and _has_calls(chat.history):
            # Some providers reject a history with tool calls when no tools are defined:
            # describe the withdrawn ones again, and forbid calling them.
            return {"tools": list(offered.withdrawn.values()), "tool_choice": "none"}
        return {}

    def _resolve_tool(self, name: str, *, required: bool) -> Tool | None:
        value = self.shell.user_ns.get(name)
        if value is None or not callable(value):
            if not required:
                return None
            if name not in self.shell.user_ns:
                raise UsageError(f"--tools {name}: no variable {name!r} in the notebook")
            raise UsageError(
                f"--tools {name}: {name!r} is a {type(value).__name__}, not a function"
            )
        try:
            return as_tool(value)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"--tools {name}: {exc}") from None

    # -- the line magic ------------------------------------------------------------------

    @line_magic("responses")
    def responses_line(self, line: str) -> Any:
        """%responses config [key=value ...] | models [FILTER] | history [CHAT] | reset [CHAT]
        | tools [drop NAME[,NAME] | clear] [CHAT] | pick MODEL [CHAT] | key | offline on|off
        | restore [NOTEBOOK] | fix [MODEL] | explain [MODEL]
        | cache on [PATH]|off|clear|stats | record FILE|off | replay FILE [--fast]|off"""
        command, _, rest = line.strip().partition(" ")
        handlers = {
            "config": self._config,
            "models": self._models,
            "history": self._history,
            "reset": self._reset,
            "tools": self._tools,
            "pick": self._pick_line,
            "key": self._key,
            "offline": self._offline,
            "restore": lambda rest: restore(self, rest),
            "fix": lambda rest: self._help_with_failure(rest, fix=True),
            "explain": lambda rest: self._help_with_failure(rest, fix=False),
            "cache": lambda rest: cache_commands.cache(self, rest),
            "record": lambda rest: cache_commands.record(self, rest),
            "replay": lambda rest: cache_commands.replay(self, rest),
        }
        if command not in handlers:
            raise UsageError(LINE_USAGE)
        return handlers[command](rest.strip())

    def _help_with_failure(self, rest: str, *, fix: bool) -> None:
        """`fix` / `explain [MODEL]`: the last failing cell and its traceback, to the model
        (in the conversation 'fix', afresh); `fix` puts the corrected cell below."""
        self.responses_cell(*self._help_request(rest, fix=fix))
        self._insert_fix(fix)

    async def help_async(self, command: str, rest: str) -> None:
        """`fix` / `explain` as a kernel runs them: awaiting, so Stop is heard."""
        fix = command == "fix"
        await self.responses_async(*self._help_request(rest, fix=fix))
        self._insert_fix(fix)

    def _help_request(self, rest: str, *, fix: bool) -> tuple[str, str]:
        """The cell magic's options line and prompt for `fix` / `explain`."""
        failure = self.failures.last if self.failures is not None else None
        if failure is None:
            raise UsageError("no cell has failed in this session: nothing to fix or explain")
        if len(rest.split()) > 1:
            raise UsageError(f"usage: %responses {'fix' if fix else 'explain'} [MODEL]")
        prompt = help_prompt(failure, fix=fix, keys=self._keys())
        return f"--chat fix --new{f' -m {rest}' if rest else ''}", prompt

    def _insert_fix(self, fix: bool) -> None:
        responses = self.chats["fix"].responses
        if not fix or not responses or responses[-1].status != "completed":
            return  # explained, or failed or stopped (the view said so)
        code = last_python_block(responses[-1].output_text)
        if code:
            self.shell.set_next_input(code, replace=False)
            print("The corrected cell is in a new cell below (check it before running it).")
        else:
            print("The answer has no ```python block to put in a cell.")

    def _keys(self) -> list[str]:
        """The OpenRouter keys this kernel knows: redacted from whatever the model is sent."""
        client_key = getattr(self._client, "_secret", None)  # the key the client sends
        return [key for key in (self._api_key, os.environ.get(KEY_ENV), client_key) if key]

    def _config(self, rest: str) -> None:
        for key, value in pairs(rest):
            if key not in SETTINGS:
                raise UsageError(f"unknown setting {key!r}; settings: {', '.join(SETTINGS)}")
            if value and key == "reasoning":
                choice("reasoning", EFFORTS)(value)
            if value and key == "summary":
                choice("summary", SUMMARIES)(value)
            if value and key == "provider":
                _provider(value, "provider")
            convert = _CONVERTERS.get(key) or _FLOATS.get(key) or _CHECKED.get(key) or str
            try:
                setattr(self, key, None if value in ("", "None") else convert(value))
            except (ValueError, TypeError, TraitError) as exc:
                raise UsageError(f"{key}: {exc}") from None
        settings = {name: getattr(self, name) for name in SETTINGS}
        settings["offline"] = self.client.offline
        settings["api key"] = "set" if self._api_key or os.environ.get(KEY_ENV) else "missing"
        show_table(
            ["setting", "value"], [[k, "" if v is None else str(v)] for k, v in settings.items()]
        )

    def _models(self, rest: str) -> None:
        try:
            models = self.client.models()
        except APIError as exc:
            show(error_box("Could not list models", str(exc), exc.hint), str(exc))
            return
        show_table(MODEL_HEADER, model_rows(models, rest))

    def _history(self, rest: str) -> None:
        chat = self.chats.get(rest or "default")
        if chat is None or not chat.history:
            print(f"conversation {rest or 'default'!r} is empty")
            return
        rows = [[str(i), *describe_item(item)] for i, item in enumerate(chat.history)]
        show_table(["#", "item", "content"], rows)

    def _reset(self, rest: str) -> None:
        name = rest or "default"
        self.chats.pop(name, None)
        self.offered.pop(name, None)
        print(f"conversation {name!r} reset")

    def _tools(self, rest: str) -> None:
        words = rest.split()
        action = words.pop(0) if words and words[0] in ("drop", "clear") else "list"
        names = _names(words.pop(0)) if action == "drop" and words else []
        if (action == "drop" and not names) or len(words) > 1:
            raise UsageError("usage: %responses tools [drop NAME[,NAME] | clear] [CHAT]")
        chat = words[0] if words else "default"
        offered = self.offered.setdefault(chat, _Offered())
        if action != "list":
            for name in names if action == "drop" else list(offered.names):
                if name not in offered.names:
                    raise UsageError(
                        f"tool {name!r} is not offered in conversation {chat!r}; offered: "
                        f"{', '.join(offered.names) or 'none'}"
                    )
                offered.names.remove(name)
                if name in offered.last:
                    offered.withdrawn[name] = offered.last.pop(name)
        rows = [[name, "offered"] for name in offered.names]
        rows += [[name, "withdrawn"] for name in offered.withdrawn]
        if not rows:
            print(f"conversation {chat!r} offers no tools")
            return
        show_table(["tool", f"conversation {chat!r}"], rows)

    def _pick_line(self, rest: str) -> None:
        words = rest.split()
        if len(words) not in (1, 2):
            raise UsageError("usage: %responses pick MODEL [CHAT]")
        name = words[1] if len(words) == 2 else "default"
        chat = self.chats.get(name)
        if chat is None or not chat.branches:
            raise UsageError(f"conversation {name!r} has no compared models to pick from")
        try:
            chat.pick(words[0])
        except ValueError as exc:
            raise UsageError(f"pick {words[0]}: {exc}") from None
        print(f"conversation {name!r} continues with {words[0]}'s answers")

    def _key(self, rest: str) -> None:
        key = getpass.getpass("OpenRouter API key (input hidden): ").strip()
        if not key:
            raise UsageError("no key entered; nothing changed")
        self._api_key = key  # not os.environ: `!env` and child processes would see it
        self._set_client(None)
        print("API key set for this kernel session (in memory only, not saved anywhere).")

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
            self._set_client(
                Client(
                    api_key=self._api_key,
                    offline=wanted,
                    timeout=self.timeout,
                    cache=self.response_cache,
                )
            )
        return self._client

    def _set_client(self, client: Client | None) -> None:
        self._client = client
        for chat in self.chats.values():
            chat.client = client

    def _chat(self, name: str, *, new: bool, stream: bool) -> Conversation:
        chat = self.chats.get(name)
        if chat is None or new:
            chat = self.chats[name] = Conversation(model=self.model, client=self.client)
            if new:
                self.offered.pop(name, None)
        chat.client = self.client
        chat.stream = stream
        chat.max_turns = self.max_turns
        chat.tool_timeout = self.tool_timeout
        try:
            chat.history_limit = history_limit_value(self.history_limit)
        except ValueError as exc:  # set with %config, which does not check it
            raise UsageError(str(exc)) from None
        chat.size_advice = SIZE_ADVICE
        return chat

    def _user_value(self, name: str, option: str) -> Any:
        if name not in self.shell.user_ns:
            raise UsageError(f"{option} {name}: no variable {name!r} in the notebook")
        return self.shell.user_ns[name]


@dataclass
class _Drawing:
    """What draws one cell: the view, its approval prompts, the Stop button, the canvas."""

    view: Any
    approvals: dict[str, Approvals] = field(default_factory=dict)
    stop: Any = None
    canvas: Canvas | None = None
    metadata: dict[str, Any] = field(default_factory=dict)  # the saved output's (`saved.py`)

    def close(self) -> None:
        """The cell ended: remove the Stop button, leave the drawing as static HTML."""
        if self.stop is not None:
            self.stop.remove()
        if self.canvas is not None:
            self.canvas.seal(self.metadata)
        elif isinstance(self.view, CompareView):  # a terminal: each answer once it is whole
            for model, view in self.view.views.items():
                print(f"== {model} ==\n{view.out.getvalue().strip()}\n")
            print(comparison_text([view.stats for view in self.view.views.values()]))


def _with_context(notebook: str, prompt: str | list[dict[str, Any]]) -> Any:
    """The prompt with the notebook's cells before it (a text, or a message with parts)."""
    if isinstance(prompt, str):
        return f"{notebook}\n\n{prompt}"
    [message] = prompt
    lead = {"type": "input_text", "text": f"{notebook}\n\n"}
    return [{**message, "content": [lead, *message["content"]]}]


def _check_branch(chat: Conversation, model: str, name: str) -> None:
    """One model after a comparison: fine if it is one of the compared (its branch goes on)."""
    branches = getattr(chat, "branches", None) or {}
    if branches and model not in branches:
        choices = ", ".join(branches)
        raise UsageError(
            f"conversation {name!r} has compared answers from {choices}: continue one with "
            f"-m MODEL, or choose with %responses pick MODEL (or --pick MODEL)"
        )


def _provider(text: str, option: str) -> dict[str, Any]:
    try:
        return parse_provider(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


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
    model: str, fallback: str | None, default: str | None, provider: str | None
) -> dict[str, Any]:
    """`models` from `--fallback`; `provider` from the default, updated by `--provider`."""
    routing: dict[str, Any] = {}
    if fallback is not None:
        if not _names(fallback):
            raise UsageError("--fallback needs model ids, e.g. --fallback openai/gpt-5-mini")
        routing["models"] = fallback_models(model, _names(fallback))
    preferences = {
        **(_provider(default, "provider setting") if default else {}),
        **(_provider(provider, "--provider") if provider else {}),
    }
    if preferences:
        routing["provider"] = preferences
    return routing


def _names(listed: str | None) -> list[str]:
    return [n.strip() for n in (listed or "").split(",") if n.strip()]


def _has_calls(history: list[dict[str, Any]]) -> bool:
    return any(item.get("type") == "function_call" for item in history)


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
