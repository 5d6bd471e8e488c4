# %% [markdown]
# # 04 · Conversations
#
# Every `%%responses` cell continues **the default conversation**: the model sees the
# earlier prompts and answers (and tool calls) of this kernel session. Name conversations
# with `--chat NAME` to keep several apart, start one afresh with `--new`, look at one with
# `%responses history [NAME]`. In Python, `orj.Conversation` does the same and can be
# saved to a file and loaded again.
#
# The first cell picks the backend. With `OPENROUTER_API_KEY` set in the environment
# (or after `%responses key`), requests go to OpenRouter. Without one, the notebook runs
# against **the offline emulator**: a local server that speaks the same protocol, with
# scripted answers (it does arithmetic, calls the tools you name, and says it is scripted).
# The saved outputs you see below come from such an offline run.
#
# Offline, the scripted assistant does not really remember, but the history it is sent
# is real: `%responses history` shows exactly what goes to the model.

# %% setup={"model": "openai/gpt-5-mini", "python_api": true}

# %% [markdown]
# ## A chat across cells

# %% active="ipynb"
# %%responses
# My name is Ada and I am planning a trip. First: what is 3*250?

# %% active="ipynb"
# %%responses
# What was my name, and what did you just compute?

# %%
# %responses history

# %% [markdown]
# ## Named conversations, with tools
#
# `--chat trip` keeps a separate conversation. The tool calls and their results become
# part of its history (`function_call` and `function_call_output` items), so a later cell
# can refer to them without calling the tool again.

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


# %% active="ipynb"
# %%responses --chat trip --tools get_weather
# Use get_weather for location=Rome.

# %% active="ipynb"
# %%responses --chat trip
# Given that weather, what should I pack?

# %%
# %responses history trip

# %% [markdown]
# `--new` starts a named conversation afresh (the same as `%responses reset trip` and a
# new cell). The default conversation is untouched.

# %% active="ipynb"
# %%responses --chat trip --new
# What is 2+2?

# %%
# %responses history trip

# %% [markdown]
# ## Conversations in Python: `orj.Conversation`
#
# `send()` streams the answer, runs the tool loop and returns the final `Response`;
# `history` is the list of input items sent to the API. `save` writes settings and
# history as JSON; `load` reads them back (tools are code, so you pass them again).
# `fork()` branches a copy to explore an alternative.

# %%
chat = orj.Conversation(model=MODEL, tools=[get_weather])
reply = chat.send("Use get_weather for location=Oslo, unit=fahrenheit.")
print(reply.output_text)

# %%
for item in chat.history:
    print(item["type"], item.get("role") or item.get("name") or "")

# %%
chat.save("trip.json")
again = orj.Conversation.load("trip.json", tools=[get_weather])
print(again, len(again.history), "items")

# %%
branch = again.fork()
print(branch.send("And what is 9*9?").output_text)
print(len(again.history), "items in the original,", len(branch.history), "in the branch")
