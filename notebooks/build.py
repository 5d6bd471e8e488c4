"""Build the tutorial notebooks from the cells below, execute them offline, save them with outputs.

    python notebooks/build.py            # every notebook
    python notebooks/build.py 03 06      # only those whose name starts so
    python notebooks/build.py --no-run   # write the cells without executing them

The notebooks are saved with the outputs of an offline run (the local emulator, no API key),
so visitors on GitHub and Binder see answers before running anything. Edit the cells here,
not in the .ipynb files: tests/test_notebooks.py checks that the two agree.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
TIMEOUT = 120  # seconds per cell
BUILD_TPS = 150  # the saved outputs come from a paced stream, so their timings look real
WIDGET_NOTEBOOKS = {"05-widgets"}  # keep widget state in the saved file (nbviewer shows it)


def md(text: str) -> nbformat.NotebookNode:
    return new_markdown_cell(text.strip("\n"))


def code(text: str) -> nbformat.NotebookNode:
    return new_code_cell(text.strip("\n"))


def setup_cell(
    model: str, *, python_api: bool = False, magic: bool = True, import_orj: bool = True
) -> nbformat.NotebookNode:
    """The first cell of every notebook: OpenRouter when a key is set, else the emulator."""
    lines = ["%load_ext or_jupyter"] if magic else []
    lines += ["import os", ""]
    if import_orj or python_api or not magic:
        lines += ["import or_jupyter as orj", ""]
    lines.append(f'MODEL = "{model}"  # any OpenRouter model id')
    if magic:
        lines.append("%config Responses.model = MODEL")
    lines += [
        "",
        'if os.environ.get("OPENROUTER_API_KEY"):',
        '    print(f"Backend: OpenRouter, model {MODEL}")',
        "else:",
    ]
    if python_api or not magic:
        lines.append("    orj.offline()  # Python clients created from now on use the emulator")
    if magic:
        lines.append("    %responses offline on")
    else:
        lines.append(
            '    print(f"Backend: offline emulator (scripted answers); {MODEL} is '
            'played by its assistant")'
        )
    return code("\n".join(lines))


BACKEND_NOTE = """
The first cell picks the backend. With `OPENROUTER_API_KEY` set in the environment
(or after `%responses key`), requests go to OpenRouter. Without one, the notebook runs
against **the offline emulator**: a local server that speaks the same protocol, with
scripted answers (it does arithmetic, calls the tools you name, and says it is scripted).
The saved outputs you see below come from such an offline run.
"""


def quickstart() -> list[nbformat.NotebookNode]:
    return [
        md(
            """
# 01 · Quickstart: `%%responses`

`or_jupyter` brings OpenRouter's **Responses API** into Jupyter. Write a prompt in a
cell that starts with `%%responses`, run it, and the answer streams in below, rendered
as Markdown, with a footer of tokens, cost and timing.
"""
            + BACKEND_NOTE
        ),
        setup_cell("openai/gpt-5-mini", import_orj=False),
        md("""
## Your first prompt

Everything below the `%%responses` line is the prompt. While the answer streams you
see it grow and a **Stop** button; when it ends, the footer tells you the model, the
input/output tokens, the cost and the time to the first token.
"""),
        code("""
%%responses
What is 12*7? Answer in one sentence.
"""),
        md("""
Cells continue one conversation, so the model sees earlier prompts and answers
(notebook 04 shows how to name, reset and save conversations).

## Streaming, and Markdown as it arrives

Longer answers render block by block: finished paragraphs, lists, tables and code
blocks are drawn once and never redrawn, only the last unfinished block is updated.
`--max-output-tokens` caps the length; a capped answer says `incomplete` in its footer.
"""),
        code("""
%%responses --max-output-tokens 300
Give me three tips for writing clear prompts, as a short Markdown list.
"""),
        md("""
## Notebook variables in prompts

`{name}` in a prompt is replaced by the notebook variable `name` (`{{` and `}}` give
literal braces, and braces that name nothing are left alone, so code is safe).
"""),
        code("""
days = 365
hours_per_day = 24
"""),
        code("""
%%responses
How many hours are in a year? Compute {days}*{hours_per_day}.
"""),
        md("""
## Keep the answer: `--out`

`--out NAME` stores the final `Response` in a variable, for use in Python:
its text, usage (tokens, cost) and the raw output items.
"""),
        code("""
%%responses --out answer
What is (2 + 3) ^ 2?
"""),
        code("""
print(answer.output_text)
print(answer.status, answer.usage["input_tokens"], "in,", answer.usage["output_tokens"], "out")
print(f"cost: ${answer.cost:.6f}")
"""),
        md("""
## Settings

`%responses config` shows the defaults every cell uses; `%responses config key=value`
changes them (so does `%config Responses.model = "..."`). `%responses models FILTER`
lists models from OpenRouter's catalogue with prices and whether they reason or take
tools.
"""),
        code("""
%responses config
"""),
        code("""
%responses models openai
"""),
        md("""
## Next

* **02-reasoning**: reasoning effort, summaries and the folding reasoning pane.
* **03-tools**: let the model call Python functions from this notebook.
* **04-conversations**: multi-cell chats, named conversations, saving history.
* **05-widgets**: a chat form. **06-python-api**: the same, from Python code.
"""),
    ]


def reasoning() -> list[nbformat.NotebookNode]:
    return [
        md(
            """
# 02 · Reasoning

Reasoning models think before they answer. `--reasoning EFFORT` asks for it (`none`,
`minimal`, `low`, `medium`, `high`, `xhigh`) and `--summary auto|concise|detailed`
asks for a summary of the thinking. The reasoning is drawn in a **collapsible pane**:
open while the model thinks, folded as soon as the answer starts, labelled with how
long it thought and how many reasoning tokens it used. Click it to read it.
"""
            + BACKEND_NOTE
            + """
Providers differ: some stream their raw reasoning (DeepSeek R1, Claude, open models),
OpenAI models keep it hidden and send summaries only when `--summary` is given (the
pane then says *reasoning hidden by the provider*).
"""
        ),
        setup_cell("openai/o4-mini", import_orj=False),
        md("""
## Reasoning effort

Run the cell and watch the pane: it opens with *Thinking…*, then folds when the answer
begins. The footer counts the reasoning tokens separately.
"""),
        code("""
%%responses --reasoning low
What is 17*23?
"""),
        md("""
Higher effort, more thinking (and more reasoning tokens to pay for). Compare the
footers of these two cells.
"""),
        code("""
%%responses --reasoning high
What is 17*23?
"""),
        md("""
## Summaries

`--summary` asks for a readable summary of the reasoning instead of (or besides) the
raw text. `concise` is shortest, `detailed` longest.
"""),
        code("""
%%responses --reasoning medium --summary detailed
Is 391 a prime number? Check 391/17.
"""),
        md("""
## No reasoning

`--reasoning none` turns it off for models that allow it: no pane, a faster answer.
"""),
        code("""
%%responses --reasoning none
What is 17*23?
"""),
        md("""
## A default for every cell, and the reasoning in Python

`%responses config reasoning=low` makes an effort the default. With `--out` the
reasoning is available as text, and the usage holds the reasoning-token count.
"""),
        code("""
%responses config reasoning=low summary=concise
"""),
        code("""
%%responses --out thought
What is 2**10?
"""),
        code("""
print(thought.reasoning_text)
print("reasoning tokens:", thought.usage["output_tokens_details"]["reasoning_tokens"])
"""),
        code("""
%config Responses.reasoning = None
%config Responses.summary = None
"""),
    ]


TOOLS_DEFS = '''
from typing import Literal


@orj.tool
def get_weather(location: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> dict:
    """Get the current weather in a location.

    Args:
        location: The city, e.g. "Lisbon" or "Paris, FR".
        unit: Temperature unit.
    """
    celsius = 10 + sum(map(ord, location)) % 20  # made-up weather, the same every time
    temperature = celsius if unit == "celsius" else round(celsius * 9 / 5 + 32)
    return {"location": location, "temperature": temperature, "unit": unit, "sky": "sunny"}
'''


def tools() -> list[nbformat.NotebookNode]:
    return [
        md(
            """
# 03 · Tools: the model calls your Python functions

Pass notebook functions with `--tools a,b` and the model may call them. `or_jupyter`
builds each function's JSON Schema from its type hints and docstring, runs the calls
the model asks for (several at once, concurrently), sends the results back, and lets
the model answer. Each call is drawn as a **tool card**: name, arguments, result,
duration, or the error if the function raised.
"""
            + BACKEND_NOTE
            + """
Offline, the emulator's assistant calls every offered tool whose name appears in your
prompt, with arguments written as `name=value` (a value ends at a comma or at the end
of the prompt); that is why the prompts below mention
the tools by name. Real models understand them the same way.
"""
        ),
        setup_cell("openai/gpt-5-mini"),
        md("""
## A function as a tool

Any function with type hints works; `@orj.tool` is optional (it also accepts options
such as `timeout=` or `confirm=True`) and shows you the schema the model receives.
The function stays callable as before.
"""),
        code(TOOLS_DEFS),
        code("""
get_weather.schema
"""),
        code("""
%%responses --tools get_weather
Use get_weather for location=Lisbon, then tell me if I need a jacket.
"""),
        md("""
## Several tools, called in parallel

When the model asks for several calls in one turn, they run concurrently (threads for
plain functions, the event loop for `async def` ones). Each function below sleeps for
two seconds: the two cards each take about two seconds, and the whole cell not much more
(one after the other they would take four).
"""),
        code('''
import time


def population(city: str) -> int:
    """Population of a city (made-up numbers)."""
    time.sleep(2)
    return {"Oslo": 709_000, "Lisbon": 545_000}.get(city, 100_000)

def local_time(city: str) -> str:
    """The local time in a city, HH:MM (a fixed clock for this tutorial)."""
    time.sleep(2)
    return "14:05"
'''),
        code("""
%%responses --tools population,local_time
Call population and local_time for city=Oslo, then tell me both.
"""),
        md("""
Tools named with `--tools` stay offered to the model in later cells of the same
conversation; `--new` (or `%responses reset`) starts a clean one (see notebook 04).

## Forcing a tool, or forbidding them

`--tool-choice NAME` makes the model call that tool first, whatever the prompt says.
`--tool-choice none` forbids tool calls for this cell (the tools are still described
to the model). `auto`, the default, lets the model decide; `required` demands some call.
"""),
        code("""
%%responses --tools get_weather --tool-choice get_weather
Shorts or trousers tomorrow? I will be in location=Paris.
"""),
        code("""
%%responses --tools get_weather --tool-choice none
Without calling get_weather: what is usually the weather in Lisbon in May?
"""),
        md("""
## A tool that raises

Exceptions never crash the cell: the card shows the error (and the traceback, folded),
and the model receives the error text as the tool's output, so it can tell you or try
something else.
"""),
        code('''
def stock_price(symbol: str) -> float:
    """The latest price of a stock."""
    raise LookupError(f"no quote for {symbol}: the market is closed")
'''),
        code("""
%%responses --tools stock_price
What is the stock_price for symbol=ACME?
"""),
    ]


def conversations() -> list[nbformat.NotebookNode]:
    return [
        md(
            """
# 04 · Conversations

Every `%%responses` cell continues **the default conversation**: the model sees the
earlier prompts and answers (and tool calls) of this kernel session. Name conversations
with `--chat NAME` to keep several apart, start one afresh with `--new`, look at one with
`%responses history [NAME]`. In Python, `orj.Conversation` does the same and can be
saved to a file and loaded again.
"""
            + BACKEND_NOTE
            + """
Offline, the scripted assistant does not really remember, but the history it is sent
is real: `%responses history` shows exactly what goes to the model.
"""
        ),
        setup_cell("openai/gpt-5-mini", python_api=True),
        md("""
## A chat across cells
"""),
        code("""
%%responses
My name is Ada and I am planning a trip. First: what is 3*250?
"""),
        code("""
%%responses
What was my name, and what did you just compute?
"""),
        code("""
%responses history
"""),
        md("""
## Named conversations, with tools

`--chat trip` keeps a separate conversation. The tool calls and their results become
part of its history (`function_call` and `function_call_output` items), so a later cell
can refer to them without calling the tool again.
"""),
        code(TOOLS_DEFS),
        code("""
%%responses --chat trip --tools get_weather
Use get_weather for location=Rome.
"""),
        code("""
%%responses --chat trip
Given that weather, what should I pack?
"""),
        code("""
%responses history trip
"""),
        md("""
`--new` starts a named conversation afresh (the same as `%responses reset trip` and a
new cell). The default conversation is untouched.
"""),
        code("""
%%responses --chat trip --new
What is 2+2?
"""),
        code("""
%responses history trip
"""),
        md("""
## Conversations in Python: `orj.Conversation`

`send()` streams the answer, runs the tool loop and returns the final `Response`;
`history` is the list of input items sent to the API. `save` writes settings and
history as JSON; `load` reads them back (tools are code, so you pass them again).
`fork()` branches a copy to explore an alternative.
"""),
        code("""
chat = orj.Conversation(model=MODEL, tools=[get_weather])
reply = chat.send("Use get_weather for location=Oslo, unit=fahrenheit.")
print(reply.output_text)
"""),
        code("""
for item in chat.history:
    print(item["type"], item.get("role") or item.get("name") or "")
"""),
        code("""
chat.save("trip.json")
again = orj.Conversation.load("trip.json", tools=[get_weather])
print(again, len(again.history), "items")
"""),
        code("""
branch = again.fork()
print(branch.send("And what is 9*9?").output_text)
print(len(again.history), "items in the original,", len(branch.history), "in the branch")
"""),
    ]


def widgets() -> list[nbformat.NotebookNode]:
    return [
        md(
            """
# 05 · A chat form: `orj.ChatForm`

`orj.ChatForm()` is an interactive form built with ipywidgets: a prompt box, a model
picker filled from OpenRouter's catalogue (type to filter, or type any model id),
reasoning effort and summary, a checkbox per tool, temperature, max output tokens,
**Send**, **Stop** and **Clear**, and the running transcript drawn by the same live view
as `%%responses` (reasoning panes, tool cards, usage).
"""
            + BACKEND_NOTE
            + """
Widgets need a live kernel: on GitHub the form shows as a placeholder (nbviewer shows
the saved state). The cells after it print what the form did, so its answers are saved
in the notebook as plain text too.
"""
        ),
        setup_cell("openai/gpt-5-mini", magic=False),
        md("""
## Tools for the form

Any functions can be offered; each gets a checkbox, ticked by default. A tool made with
`@orj.tool(confirm=True)` asks before it runs: **Approve** and **Deny** buttons appear in
the transcript, and nothing runs until you click one.
"""),
        code(
            TOOLS_DEFS
            + '''

@orj.tool(confirm=True)
def send_postcard(to: str, text: str) -> str:
    """Send a postcard (pretend: nothing is sent)."""
    return f"postcard to {to} queued"
'''
        ),
        md("""
## The form

Run the cell, type a prompt such as `Use get_weather for location=Lisbon` and click
**Send** (Enter adds a line). Try `Use send_postcard with to=Ada, text=Hello` to see the
approval buttons. Change the model, the effort or the tools between messages: the
conversation carries on. **Stop** keeps what arrived; **Clear** starts afresh. If a
request fails, the error is shown in the transcript and your prompt comes back to the box.
"""),
        code("""
form = orj.ChatForm(model=MODEL, tools=[get_weather, send_postcard],
                    instructions="Answer briefly.")
form
"""),
        md("""
## Driving the form from code

The controls are ordinary widgets, so code can fill them in: this is what clicking
**Send** does. The answer appears in the form's transcript above; `form.wait()` waits
for it, and `form.response` is the final `Response`.
"""),
        code("""
form.effort.value = "low"
form.prompt.value = "Use get_weather for location=Lisbon, is it sunny?"
form.send()
form.wait(60)
print(form.response.output_text)
"""),
        md("""
`form.overrides()` shows the request settings the controls currently choose.
"""),
        code("""
form.overrides()
"""),
        md("""
## The conversation behind the form

`form.conversation` is an ordinary `orj.Conversation` (see notebook 04): read its
history, `save()` it, or pass one in with `orj.ChatForm(conversation=...)` to continue it
in a form.
"""),
        code("""
for item in form.conversation.history:
    print(item["type"], item.get("role") or item.get("name") or "")
"""),
    ]


def python_api() -> list[nbformat.NotebookNode]:
    return [
        md(
            """
# 06 · The Python API

The magic and the form are built on a small Python API you can use directly:
`orj.Client` (streaming and non-streaming requests, the model list), `orj.AsyncClient`
(the same with `await`), `orj.Conversation` (history and the tool loop, see 04) and
typed errors. It does not need Jupyter.
"""
            + BACKEND_NOTE
            + """
The last section uses the emulator's *fault models* (`emulator/error-402`,
`emulator/flaky`, …) to show errors and retries; those cells need offline mode and
skip themselves, saying so, when a key is set.
"""
        ),
        setup_cell("openai/gpt-5-mini", magic=False),
        md("""
## A client, and one request

`orj.Client()` reads `OPENROUTER_API_KEY` (or runs offline, as set above). `create()`
waits for the whole response and returns an `orj.Response`: `.output_text`, `.usage`
(tokens, `cost` in USD), `.status`, and `.output`, the raw items.
"""),
        code("""
client = orj.Client()
print(client)
response = client.create(model=MODEL, input="What is 6*7?")
print(response.output_text)
print(response.status, response.usage["total_tokens"], "tokens", f"${response.cost:.6f}")
"""),
        md("""
`models()` returns OpenRouter's catalogue: ids, context lengths, prices, supported
parameters.
"""),
        code("""
ids = [m["id"] for m in client.models()]
print(len(ids), "models, for example", ", ".join([i for i in ids if i.startswith("openai/")][:3]))
"""),
        md("""
## Streaming events

`stream()` yields `orj.Event`s (`.type`, `.data`) as they arrive: text deltas, reasoning
deltas, function-call arguments, and lifecycle events. `stream.response` is the response
accumulated so far, complete once the loop ends.
"""),
        code("""
with client.stream(model=MODEL, input="What is 1234*5?", reasoning={"effort": "low"}) as stream:
    for event in stream:
        if event.type == "response.output_text.delta":
            print(event.data["delta"], end="", flush=True)
print()
print("reasoning tokens:", stream.response.usage["output_tokens_details"]["reasoning_tokens"])
"""),
        md("""
Which events arrived? A `Counter` of their types shows the shape of a stream.
"""),
        code("""
from collections import Counter

with client.stream(model=MODEL, input="What is 7/2?") as stream:
    kinds = Counter(event.type for event in stream)
kinds
"""),
        md("""
## Tools by hand

`Conversation` runs the tool loop for you (notebook 04). By hand: offer the tool's
`schema`, run each of `response.function_calls` with `tool.invoke(arguments)`, and send
the calls and outputs back as input items.
"""),
        code(TOOLS_DEFS),
        code("""
first = client.create(model=MODEL, input="Use get_weather for location=Oslo.",
                      tools=[get_weather.schema])
call = first.function_calls[0]
result = get_weather.invoke(call.arguments, call_id=call.call_id)
print(call.name, call.arguments, "->", result.output)
"""),
        code("""
followup = [
    {"type": "message", "role": "user", "content": "Use get_weather for location=Oslo."},
    *first.output,
    {"type": "function_call_output", "id": "fco_1", "call_id": call.call_id,
     "output": result.output},
]
print(client.create(model=MODEL, input=followup, tools=[get_weather.schema]).output_text)
"""),
        md("""
## `AsyncClient`: several requests at once

The async client has the same methods. Jupyter runs an event loop, so `await` works
at the top level of a cell; `asyncio.gather` sends the three requests concurrently.
"""),
        code("""
import asyncio

async with orj.AsyncClient() as aclient:
    answers = await asyncio.gather(
        *(aclient.create(model=MODEL, input=f"What is {n}*{n}?") for n in (3, 4, 5)))
for a in answers:
    print(a.output_text)
"""),
        code("""
async with orj.AsyncClient() as aclient, aclient.stream(model=MODEL, input="What is 99+1?") as s:
    deltas = [e.data["delta"] async for e in s if e.type == "response.output_text.delta"]
print(len(deltas), "deltas:", "".join(deltas))
"""),
        md("""
## Errors and retries

Every error is an `orj.APIError` with `.status_code`, `.code`, `.message` and a `.hint`;
subclasses name the common cases (`InsufficientCreditsError` 402, `RateLimitError` 429
with `.retry_after`, `ServerError` 5xx, …). The client retries 408, 429, 5xx and
connection errors before the stream begins (`max_retries=2` by default), honouring
`Retry-After`. A stream that breaks after it began raises `StreamError`, whose
`.response` keeps everything that had arrived.

The emulator's fault models make each case happen on demand, so these cells need
offline mode.
"""),
        code("""
OFFLINE = client.offline
if not OFFLINE:
    print("Skipped: the emulator's fault models need offline mode (unset OPENROUTER_API_KEY).")
"""),
        code("""
if OFFLINE:
    try:
        client.create(model="emulator/error-402", input="Hello")
    except orj.InsufficientCreditsError as e:
        print(type(e).__name__, e.status_code, "-", e.message)
        print("hint:", e.hint)
"""),
        code("""
if OFFLINE:
    impatient = orj.Client(max_retries=0)
    try:
        impatient.create(model="emulator/error-429", input="Hello")
    except orj.RateLimitError as e:
        print(f"{type(e).__name__}: retry after {e.retry_after} s")
"""),
        md("""
`emulator/flaky` answers 429 the first time it sees a request and succeeds the second
time: the default client waits the second `Retry-After` asks for, retries, and succeeds.
"""),
        code("""
import time

if OFFLINE:
    start = time.perf_counter()
    ok = client.create(model="emulator/flaky", input="What is 5+5?")
    print(ok.output_text, f"(after {time.perf_counter() - start:.1f} s, one retry)")
"""),
        code("""
if OFFLINE:
    try:
        with client.stream(model="emulator/midstream-error", input="What is 8*8?") as s:
            for event in s:
                if event.type == "response.output_text.delta":
                    print(event.data["delta"], end="")
    except orj.StreamError as e:
        print(f"\\n{type(e).__name__}: {e.message}")
        print("kept so far:", repr(e.response.output_text))
"""),
    ]


NOTEBOOKS: dict[str, Callable[[], list[nbformat.NotebookNode]]] = {
    "01-quickstart": quickstart,
    "02-reasoning": reasoning,
    "03-tools": tools,
    "04-conversations": conversations,
    "05-widgets": widgets,
    "06-python-api": python_api,
}


def notebook(name: str) -> nbformat.NotebookNode:
    nb = new_notebook(cells=NOTEBOOKS[name]())
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def offline_env(tps: float | None = None) -> dict[str, str]:
    """The kernel's environment for an offline run: emulator on, no key anywhere.

    `tps` paces the emulator (tokens per second); None streams as fast as it can.
    """
    env = {k: v for k, v in os.environ.items() if k != "OPENROUTER_API_KEY"}
    env["OR_JUPYTER_OFFLINE"] = "1"
    env.pop("OR_JUPYTER_EMULATOR_TPS", None)
    if tps:
        env["OR_JUPYTER_EMULATOR_TPS"] = str(tps)
    return env


def execute(
    nb: nbformat.NotebookNode,
    cwd: str | Path,
    *,
    store_widget_state: bool = False,
    tps: float | None = None,
    timeout: int = TIMEOUT,
) -> nbformat.NotebookNode:
    """Execute `nb` in place in a fresh offline kernel started in `cwd`."""
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
        store_widget_state=store_widget_state,
        coalesce_streams=True,
    )
    client.execute(env=offline_env(tps), cwd=str(cwd))
    return nb


def build(name: str, run: bool = True) -> Path:
    nb = notebook(name)
    if run:
        with tempfile.TemporaryDirectory() as scratch:  # files a notebook writes go here
            execute(nb, scratch, store_widget_state=name in WIDGET_NOTEBOOKS, tps=BUILD_TPS)
    path = HERE / f"{name}.ipynb"
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return path


def main(argv: list[str]) -> int:
    run = "--no-run" not in argv
    prefixes = [a for a in argv if not a.startswith("--")]
    names = [n for n in NOTEBOOKS if not prefixes or any(n.startswith(p) for p in prefixes)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        for path in pool.map(lambda n: build(n, run), names):
            print("wrote", path.relative_to(HERE.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
