# %% [markdown]
# # 05 · A chat form: `orj.ChatForm`
#
# `orj.ChatForm()` is an interactive form built with ipywidgets: a prompt box, a model
# picker filled from OpenRouter's catalogue (type to filter, or type any model id),
# reasoning effort and summary, a checkbox per tool, temperature, max output tokens,
# **Send**, **Stop** and **Clear**, and the running transcript drawn by the same live view
# as `%%responses` (reasoning panes, tool cards, usage).
#
# The first cell picks the backend. With `OPENROUTER_API_KEY` set in the environment
# (or after `%responses key`), requests go to OpenRouter. Without one, the notebook runs
# against **the offline emulator**: a local server that speaks the same protocol, with
# scripted answers (it does arithmetic, calls the tools you name, and says it is scripted).
# The saved outputs you see below come from such an offline run.
#
# Widgets need a live kernel: on GitHub the form shows as a placeholder (nbviewer shows
# the saved state). The cells after it print what the form did, so its answers are saved
# in the notebook as plain text too.

# %% setup={"model": "openai/gpt-5-mini", "magic": false}

# %% [markdown]
# ## Tools for the form
#
# Any functions can be offered; each gets a checkbox, ticked by default. A tool made with
# `@orj.tool(confirm=True)` asks before it runs: **Approve** and **Deny** buttons appear in
# the transcript, and nothing runs until you click one.

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


@orj.tool(confirm=True)
def send_postcard(to: str, text: str) -> str:
    """Send a postcard (pretend: nothing is sent)."""
    return f"postcard to {to} queued"


# %% [markdown]
# ## The form
#
# Run the cell, type a prompt such as `Use get_weather for location=Lisbon` and click
# **Send** (Enter adds a line). Try `Use send_postcard with to=Ada, text=Hello` to see the
# approval buttons. Change the model, the effort or the tools between messages: the
# conversation carries on. **Stop** keeps what arrived; **Clear** starts afresh. If a
# request fails, the error is shown in the transcript and your prompt comes back to the box.

# %%
form = orj.ChatForm(model=MODEL, tools=[get_weather, send_postcard],
                    instructions="Answer briefly.")
form

# %% [markdown]
# ## Driving the form from code
#
# The controls are ordinary widgets, so code can fill them in: this is what clicking
# **Send** does. The answer appears in the form's transcript above; `form.wait()` waits
# for it, and `form.response` is the final `Response`.

# %%
form.effort.value = "low"
form.prompt.value = "Use get_weather for location=Lisbon, is it sunny?"
form.send()
form.wait(60)
print(form.response.output_text)

# %% [markdown]
# `form.overrides()` shows the request settings the controls currently choose.

# %%
form.overrides()

# %% [markdown]
# ## The conversation behind the form
#
# `form.conversation` is an ordinary `orj.Conversation` (see notebook 04): read its
# history, `save()` it, or pass one in with `orj.ChatForm(conversation=...)` to continue it
# in a form.

# %%
for item in form.conversation.history:
    print(item["type"], item.get("role") or item.get("name") or "")
