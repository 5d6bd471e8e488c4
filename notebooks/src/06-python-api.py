# %% [markdown]
# # 06 · The Python API
#
# The magic and the form are built on a small Python API you can use directly:
# `orj.Client` (streaming and non-streaming requests, the model list), `orj.AsyncClient`
# (the same with `await`), `orj.Conversation` (history and the tool loop, see 04) and
# typed errors. It does not need Jupyter.
#
# The first cell picks the backend. With `OPENROUTER_API_KEY` set in the environment
# (or after `%responses key`), requests go to OpenRouter. Without one, the notebook runs
# against **the offline emulator**: a local server that speaks the same protocol, with
# scripted answers (it does arithmetic, calls the tools you name, and says it is scripted).
# The saved outputs you see below come from such an offline run.
#
# The last section uses the emulator's *fault models* (`emulator/error-402`,
# `emulator/flaky`, …) to show errors and retries; those cells need offline mode and
# skip themselves, saying so, when a key is set.

# %% setup={"model": "openai/gpt-5-mini", "magic": false}

# %% [markdown]
# ## A client, and one request
#
# `orj.Client()` reads `OPENROUTER_API_KEY` (or runs offline, as set above). `create()`
# waits for the whole response and returns an `orj.Response`: `.output_text`, `.usage`
# (tokens, `cost` in USD), `.status`, and `.output`, the raw items.

# %%
client = orj.Client()
print(client)
response = client.create(model=MODEL, input="What is 6*7?")
print(response.output_text)
print(response.status, response.usage["total_tokens"], "tokens", f"${response.cost:.6f}")

# %% [markdown]
# `models()` returns OpenRouter's catalogue: ids, context lengths, prices, supported
# parameters.

# %%
ids = [m["id"] for m in client.models()]
print(len(ids), "models, for example", ", ".join([i for i in ids if i.startswith("openai/")][:3]))

# %% [markdown]
# ## Streaming events
#
# `stream()` yields `orj.Event`s (`.type`, `.data`) as they arrive: text deltas, reasoning
# deltas, function-call arguments, and lifecycle events. `stream.response` is the response
# accumulated so far, complete once the loop ends.

# %%
with client.stream(model=MODEL, input="What is 1234*5?", reasoning={"effort": "low"}) as stream:
    for event in stream:
        if event.type == "response.output_text.delta":
            print(event.data["delta"], end="", flush=True)
print()
print("reasoning tokens:", stream.response.usage["output_tokens_details"]["reasoning_tokens"])

# %% [markdown]
# Which events arrived? A `Counter` of their types shows the shape of a stream.

# %%
from collections import Counter

with client.stream(model=MODEL, input="What is 7/2?") as stream:
    kinds = Counter(event.type for event in stream)
kinds

# %% [markdown]
# ## Tools by hand
#
# `Conversation` runs the tool loop for you (notebook 04). By hand: offer the tool's
# `schema`, run each of `response.function_calls` with `tool.invoke(arguments)`, and send
# the calls and outputs back as input items.

# %%
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


# %%
first = client.create(model=MODEL, input="Use get_weather for location=Oslo.",
                      tools=[get_weather.schema])
call = first.function_calls[0]
result = get_weather.invoke(call.arguments, call_id=call.call_id)
print(call.name, call.arguments, "->", result.output)

# %%
followup = [
    {"type": "message", "role": "user", "content": "Use get_weather for location=Oslo."},
    *first.output,
    {"type": "function_call_output", "id": "fco_1", "call_id": call.call_id,
     "output": result.output},
]
print(client.create(model=MODEL, input=followup, tools=[get_weather.schema]).output_text)

# %% [markdown]
# ## `AsyncClient`: several requests at once
#
# The async client has the same methods. Jupyter runs an event loop, so `await` works
# at the top level of a cell; `asyncio.gather` sends the three requests concurrently.

# %%
import asyncio

async with orj.AsyncClient() as aclient:
    answers = await asyncio.gather(
        *(aclient.create(model=MODEL, input=f"What is {n}*{n}?") for n in (3, 4, 5)))
for a in answers:
    print(a.output_text)


# %%
async with orj.AsyncClient() as aclient, aclient.stream(model=MODEL, input="What is 99+1?") as s:
    deltas = [e.data["delta"] async for e in s if e.type == "response.output_text.delta"]
print(len(deltas), "deltas:", "".join(deltas))

# %% [markdown]
# ## Errors and retries
#
# Every error is an `orj.APIError` with `.status_code`, `.code`, `.message` and a `.hint`;
# subclasses name the common cases (`InsufficientCreditsError` 402, `RateLimitError` 429
# with `.retry_after`, `ServerError` 5xx, …). The client retries 408, 429, 5xx and
# connection errors before the stream begins (`max_retries=2` by default), honouring
# `Retry-After`. A stream that breaks after it began raises `StreamError`, whose
# `.response` keeps everything that had arrived.
#
# The emulator's fault models make each case happen on demand, so these cells need
# offline mode.

# %%
OFFLINE = client.offline
if not OFFLINE:
    print("Skipped: the emulator's fault models need offline mode (unset OPENROUTER_API_KEY).")

# %%
if OFFLINE:
    try:
        client.create(model="emulator/error-402", input="Hello")
    except orj.InsufficientCreditsError as e:
        print(type(e).__name__, e.status_code, "-", e.message)
        print("hint:", e.hint)

# %%
if OFFLINE:
    impatient = orj.Client(max_retries=0)
    try:
        impatient.create(model="emulator/error-429", input="Hello")
    except orj.RateLimitError as e:
        print(f"{type(e).__name__}: retry after {e.retry_after} s")

# %% [markdown]
# `emulator/flaky` answers 429 the first time it sees a request and succeeds the second
# time: the default client waits the second `Retry-After` asks for, retries, and succeeds.

# %%
import time

if OFFLINE:
    start = time.perf_counter()
    ok = client.create(model="emulator/flaky", input="What is 5+5?")
    print(ok.output_text, f"(after {time.perf_counter() - start:.1f} s, one retry)")

# %%
if OFFLINE:
    try:
        with client.stream(model="emulator/midstream-error", input="What is 8*8?") as s:
            for event in s:
                if event.type == "response.output_text.delta":
                    print(event.data["delta"], end="")
    except orj.StreamError as e:
        print(f"\n{type(e).__name__}: {e.message}")
        print("kept so far:", repr(e.response.output_text))
