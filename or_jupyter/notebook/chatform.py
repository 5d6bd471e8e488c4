"""`ChatForm`: an ipywidgets chat form around a `Conversation`.

Clicking Send runs no cell, so the kernel's main thread stays free to hear Stop,
Approve and Deny. The send therefore runs on a background thread, which draws the
same live view the magic uses on a `Canvas` in the transcript's live output; when the
turn ends it moves into the transcript's chapters, plain HTML display outputs that a
saved notebook, nbconvert and GitHub show without widget state (see `transcript.py`).
Widgets are the controls, and the turn being drawn when it grows or asks for approval;
every widget a turn opens is closed when it ends.

Keys: the prompt is an `ipywidgets.Textarea`; Enter adds a line, Shift+Enter sends
(through a small page-level key handler the form displays with itself, see
`form_page.py`), and so does the Send button. Reopened without its kernel, the form's
controls give way to a one-line note (`REOPEN_NOTE`).
"""

from __future__ import annotations

import threading
from typing import Any

import ipywidgets as W

from ..chat.conversation import DEFAULT_MODEL, Conversation
from ..client import ledger
from ..client.clients import Client
from ..render import LiveView, error_outputs, escape
from ..tools import as_tools
from .agent import kernel_tools
from .approval import Approvals
from .drawing import column_approvals, columns_view, tool_labels
from .form_page import FORM_SCRIPT, REOPEN_NOTE
from .options import EFFORTS, send_overrides
from .runner import run_compare, run_send
from .stop import hear_early
from .transcript import Transcript

__all__ = ["ChatForm"]

FALLBACK_MODELS = (
    DEFAULT_MODEL,
    "openai/gpt-5-mini",
    "openai/gpt-oss-20b",
    "anthropic/claude-sonnet-4.5",
    "google/gemini-2.5-flash",
    "deepseek/deepseek-r1",
)
EFFORT_OPTIONS = [("default", None), *((effort, effort) for effort in EFFORTS)]
CONTROLS_DELAY = 0.5  # seconds a send runs before Send is turned off and Stop on
_USER = (
    '<div class="orj-user" style="white-space:pre-wrap;margin:.6em 0 .3em;padding-left:.5em;'
    'border-left:3px solid var(--jp-brand-color1,#1976d2)"><b>You</b>\n{}</div>'
)


class ChatForm:
    """A chat form: prompt, model, reasoning, tools, temperature, Send / Stop / Clear, transcript.

    `form.conversation` is the `Conversation` it drives; `form.wait()` waits for a send.
    """

    def __init__(
        self,
        model: str | None = None,
        tools: list[Any] | None = None,
        client: Client | None = None,
        conversation: Conversation | None = None,
        instructions: str | None = None,
    ) -> None:
        if conversation is None:
            conversation = Conversation(
                model=model or DEFAULT_MODEL, instructions=instructions, tools=tools, client=client
            )
        else:
            conversation.tools.update(as_tools(tools or []))
            if instructions is not None:
                conversation.instructions = instructions
            if client is not None:
                conversation.client = client
        conversation.client = conversation.client or Client()
        self.conversation = conversation
        self.last_prompt = ""
        self.response: Any = None  # the last send's final Response
        self.error: BaseException | None = None  # the last send's error, if it failed
        self._thread: threading.Thread | None = None
        self._approvals: Approvals | None = None
        self._column_approvals: list[Approvals] = []
        self._controls_lock = threading.Lock()
        self._busy = False  # a send runs (its controls may not show it yet)
        self._toggled = False  # Send is off and Stop on
        self._timer: threading.Timer | None = None

        self._transcript = Transcript()
        self.prompt = W.Textarea(
            placeholder="Ask something; Shift+Enter or Send sends.",
            rows=3,
            layout=W.Layout(width="100%"),
        )
        self.prompt.add_class("orj-prompt")
        self.model = W.Combobox(
            value=model or conversation.model,
            options=list(FALLBACK_MODELS),
            ensure_option=False,
            description="model",
            placeholder="type to filter, or any model id",
            layout=W.Layout(width="24em"),
        )
        self.compare = W.Checkbox(
            False, description="compare", indent=False, layout=W.Layout(width="7em")
        )
        self.models = W.SelectMultiple(
            options=list(FALLBACK_MODELS),
            rows=6,
            description="models",
            layout=W.Layout(width="24em", display="none"),
        )
        self.compare.observe(lambda change: self._show_compare(change["new"]), "value")
        self.models_note = W.HTML("loading the model list…")
        self.effort = W.Dropdown(
            options=EFFORT_OPTIONS,
            value=None,
            description="reasoning",
            layout=W.Layout(width="14em"),
        )
        self.summary = W.Checkbox(
            False, description="summary", indent=False, layout=W.Layout(width="7em")
        )
        self.temperature = W.FloatSlider(
            1.0, min=0.0, max=2.0, step=0.05, description="temperature", disabled=True
        )
        self.default_temperature = W.Checkbox(
            True, description="default", indent=False, layout=W.Layout(width="7em")
        )
        self.default_temperature.observe(
            lambda change: setattr(self.temperature, "disabled", change["new"]), "value"
        )
        self.max_output_tokens = W.IntText(
            0,
            description="max tokens",
            tooltip="0 = the model's default",
            layout=W.Layout(width="14em"),
        )
        self.web = W.Checkbox(
            False, description="web search", indent=False, layout=W.Layout(width="9em")
        )
        self.agent = W.Checkbox(  # the kernel as a tool, each code step approved in the form
            False, description="agent", indent=False, layout=W.Layout(width="7em")
        )
        self.agent_steps: list[Any] = []  # the steps the agent ran, over all sends
        self._agent_tools: list[Any] | None = None
        self.tool_boxes = {
            name: W.Checkbox(True, description=name, indent=False, layout=W.Layout(width="auto"))
            for name in conversation.tools
        }
        self.send_button = W.Button(description="Send", button_style="primary", icon="paper-plane")
        self.send_button.add_class("orj-send")
        self.stop_button = W.Button(
            description="Stop", button_style="warning", icon="stop", disabled=True
        )
        self.clear_button = W.Button(description="Clear", icon="trash")
        self.status = W.HTML("")
        self.send_button.on_click(lambda _: self.send())
        self.stop_button.on_click(lambda _: self.stop())
        hear_early(self.stop_button)  # Stop interrupts the agent's code while it runs
        self.clear_button.on_click(lambda _: self.clear())

        tools_row = (
            W.HBox([W.HTML("tools:"), *self.tool_boxes.values()]) if self.tool_boxes else W.HBox()
        )
        self.widget = W.VBox(
            [
                self.prompt,
                W.HBox([self.model, self.models, self.effort, self.summary, self.compare]),
                self.models_note,
                W.HBox(
                    [
                        self.temperature,
                        self.default_temperature,
                        self.max_output_tokens,
                        self.web,
                        self.agent,
                    ]
                ),
                tools_row,
                W.HBox([self.send_button, self.stop_button, self.clear_button, self.status]),
            ]
        )
        self.widget.add_class("orj-chatform")
        self._catalogue = threading.Thread(
            target=self._load_models, daemon=True, name="or-jupyter-models"
        )
        self._catalogue.start()

    # -- display ---------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The form's widget view; its `text/plain`, what a frontend without the widget's
        model shows (a saved notebook, its kernel gone), says how to get the form back."""
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = REOPEN_NOTE
        return bundle

    def _ipython_display_(self) -> None:
        """The finished turns (plain HTML, saved with the notebook), the running turn, the
        form, and the script that makes Shift+Enter send (and shows the note on reopen)."""
        # no text: where the script cannot run (untrusted), show nothing, not its repr
        script = {"application/javascript": FORM_SCRIPT, "text/plain": ""}
        self._transcript.display(_FormView(self), after=script)

    def __repr__(self) -> str:
        return f"ChatForm({self.conversation!r})"

    @property
    def live(self) -> Any:
        """The running turn's `Canvas` (its widgets at `.root`, if it drew any), or None."""
        return self._transcript.canvas

    @property
    def saved(self) -> dict[str, str]:
        """The finished turns as the display output holds them (`text/html`, `text/plain`)."""
        return self._transcript.bundle()

    # -- actions ---------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def send(self) -> bool:
        """Send the prompt box's text (what Send does); False if nothing was started."""
        prompt = self.prompt.value
        if self.running:
            return False
        if not prompt.strip():
            self._say("Type a prompt first.")
            return False
        overrides = self.overrides()
        models = list(self.models.value) if self.compare.value else []
        if self.compare.value and len(models) < 2:
            self._say("Choose two or more models to compare (Ctrl or Shift + click).")
            return False
        self.last_prompt, self.response, self.error = prompt, None, None
        canvas = self._transcript.begin()
        canvas.header.show(_USER.format(escape(prompt)), prompt)
        self._set_running(True)
        self._say("")
        self.prompt.value = ""  # before the thread starts: a quick failure puts it back
        # a single answer asks in its column, under what it drew; columns ask in each
        self._approvals = approvals = Approvals(canvas.header if models else canvas.surface)
        approvals.offer_rest = self.agent.value
        run = self._run_compare if models else self._run
        self._thread = threading.Thread(  # the ledger records its answers as the form's
            target=ledger.as_source,
            args=("form", run, canvas, prompt, overrides, approvals, *([models] if models else [])),
            daemon=True,
            name="or-jupyter-form",
        )
        try:
            self._thread.start()
        except RuntimeError:  # no thread could be started: nothing was sent
            self.prompt.value = prompt
            self._transcript.abandon()
            self._set_running(False)
            raise
        return True

    def stop(self) -> None:
        """Cancel the running send (the partial answer stays) and deny pending approvals."""
        self.stop_button.disabled = True
        self.conversation.cancel()
        if self._approvals is not None:
            self._approvals.deny_all()
        for approvals in self._column_approvals:
            approvals.deny_all()

    def clear(self) -> None:
        """Forget the conversation and empty the transcript (the prompt box is kept)."""
        if self.running:
            self.stop()
            self.wait(10)
        self.conversation.reset()
        self._transcript.clear()
        self.response = self.error = None
        self._say("")

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the model list and the running send; True if both are done."""
        self._catalogue.join(timeout)
        if self._thread is not None:
            self._thread.join(timeout)
        return not (self.running or self._catalogue.is_alive())

    def overrides(self) -> dict[str, Any]:
        """The request settings the form's controls choose, as `Conversation.send` overrides."""
        tools, limit = None, self.max_output_tokens.value
        if self.tool_boxes:
            tools = [
                self.conversation.tools[name] for name, box in self.tool_boxes.items() if box.value
            ]
        if self.agent.value:
            if self._agent_tools is None:  # made here, on the main thread (its event loop)
                self._agent_tools = kernel_tools(steps=self.agent_steps)
            own = tools if tools is not None else list(self.conversation.tools.values())
            tools = [*own, *self._agent_tools]
        return send_overrides(
            self.model.value.strip() or self.conversation.model,
            effort=self.effort.value,
            summary="auto" if self.summary.value else None,
            temperature=None if self.default_temperature.value else self.temperature.value,
            max_output_tokens=limit if limit > 0 else None,
            web=self.web.value or None,
            tools=tools,
        )

    def _tool_labels(self, overrides: dict[str, Any]) -> dict[str, str]:
        return tool_labels(self.conversation.tools.values(), overrides.get("tools") or [])

    # -- the background thread -------------------------------------------------------

    def _run(
        self, canvas: Any, prompt: str, overrides: dict[str, Any], approvals: Approvals
    ) -> None:
        surface = canvas.surface
        view = LiveView(surface, styles=False)  # the transcript styles the page and each turn
        view.label_tools(self._tool_labels(overrides))
        try:
            view.begin(
                model=overrides["model"],
                offline=bool(getattr(self.conversation.client, "offline", False)),
            )
            self.response = run_send(
                self.conversation, prompt, view, approvals=approvals, poll_ui=False, **overrides
            )
        except Exception as exc:  # noqa: BLE001 - shown in the form, which stays usable
            self.error = exc
            if not view.finished:  # the view draws the errors of the send itself
                surface.show(*error_outputs(exc))
            if not self.prompt.value:
                self.prompt.value = prompt
            self._say("The request failed; your prompt is back in the box.")
        finally:
            approvals.deny_all()
            self._transcript.seal()
            self._set_running(False)

    def _run_compare(
        self,
        canvas: Any,
        prompt: str,
        overrides: dict[str, Any],
        approvals: Approvals,
        models: list[str],
    ) -> None:
        """Several models at once, drawn side by side in the transcript."""
        overrides.pop("model", None)
        view, columns = columns_view(canvas, models, live=False)
        view.label_tools(self._tool_labels(overrides))
        asked = column_approvals(columns)
        self._column_approvals = list(asked.values())
        try:
            view.begin(offline=bool(getattr(self.conversation.client, "offline", False)))
            self.response = run_compare(
                self.conversation, prompt, view, approvals=asked, poll_ui=False, **overrides
            )
        except Exception as exc:  # noqa: BLE001 - shown in the form, which stays usable
            self.error = exc
            canvas.footer.show(*error_outputs(exc))
            if not self.prompt.value:
                self.prompt.value = prompt
            self._say("The request failed; your prompt is back in the box.")
        finally:
            for pending in (approvals, *asked.values()):
                pending.deny_all()
            self._column_approvals = []
            self._transcript.seal()
            self._set_running(False)

    def _show_compare(self, on: bool) -> None:
        """The compare toggle: a multi-select of models instead of the one-model box."""
        self.models.layout.display = "" if on else "none"
        self.model.layout.display = "none" if on else ""

    def _load_models(self) -> None:
        try:
            ids = sorted({m["id"] for m in self.conversation.client.models() if m.get("id")})
            problem = "" if ids else "the catalogue is empty"
        except Exception as exc:  # noqa: BLE001 - any failure means: use the fallback list
            ids, problem = [], str(exc) or type(exc).__name__
        if ids:
            self.model.options = ids
            self.models.options = ids
            self.models_note.value = ""
        else:
            self.models_note.value = (
                f"<small>Could not fetch the model list ({escape(problem)}); showing a few "
                "common ids. Any model id can be typed.</small>"
            )

    def _set_running(self, running: bool) -> None:
        """Send off and Stop on while a send runs, once it has run `CONTROLS_DELAY`
        seconds (Clear stays on: it stops the send first). Every toggle is a message to
        the frontend, four a turn: a short turn is over before, and sends none."""
        with self._controls_lock:
            self._busy = running
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if running and CONTROLS_DELAY > 0:
                self._timer = threading.Timer(CONTROLS_DELAY, self._show_running)
                self._timer.daemon = True
                self._timer.start()
            elif running:
                self._toggle(True)
            elif self._toggled:
                self._toggle(False)

    def _show_running(self) -> None:
        with self._controls_lock:
            if self._busy and not self._toggled:
                self._toggle(True)

    def _toggle(self, running: bool) -> None:
        self._toggled = running
        self.send_button.disabled = running
        self.stop_button.disabled = not running

    def _say(self, text: str) -> None:
        self.status.value = f"<small>{escape(text)}</small>" if text else ""


class _FormView:
    """The form's widgets as an output of their own (the transcript moves it down a page)."""

    def __init__(self, form: ChatForm) -> None:
        self.form = form

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.form._repr_mimebundle_(**kwargs)
