# %% [markdown]
# # 03 · Tools: the model calls your Python functions
#
# Pass notebook functions with `--tools a,b` and the model may call them. `or_jupyter`
# builds each function's JSON Schema from its type hints and docstring, runs the calls
# the model asks for (several at once, concurrently), sends the results back, and lets
# the model answer. Each call is drawn as a **tool card**: name, arguments, result,
# duration, or the error if the function raised.
#
# The first cell picks the backend. With `OPENROUTER_API_KEY` set in the environment
# (or after `%responses key`), requests go to OpenRouter. Without one, the notebook runs
# against **the offline emulator**: a local server that speaks the same protocol, with
# scripted answers (it does arithmetic, calls the tools you name, and says it is scripted).
# The saved outputs you see below come from such an offline run.
#
# Offline, the emulator's assistant calls every offered tool whose name appears in your
# prompt, with arguments written as `name=value` (a value ends at a comma or at the end
# of the prompt); that is why the prompts below mention
# the tools by name. Real models understand them the same way.

# %% setup={"model": "openai/gpt-5-mini"}

# %% [markdown]
# ## A function as a tool
#
# Any function with type hints works; `@orj.tool` is optional (it also accepts options
# such as `timeout=` or `confirm=True`) and shows you the schema the model receives.
# The function stays callable as before.

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
get_weather.schema

# %% active="ipynb"
# %%responses --tools get_weather
# Use get_weather for location=Lisbon, then tell me if I need a jacket.

# %% [markdown]
# ## Several tools, called in parallel
#
# When the model asks for several calls in one turn, they run concurrently (threads for
# plain functions, the event loop for `async def` ones). Each function below sleeps for
# three seconds: the two cards each take about three seconds, and the whole cell not much
# more (one after the other they would take six).

# %%
import time


def population(city: str) -> int:
    """Population of a city (made-up numbers)."""
    time.sleep(3)
    return {"Oslo": 709_000, "Lisbon": 545_000}.get(city, 100_000)

def local_time(city: str) -> str:
    """The local time in a city, HH:MM (a fixed clock for this tutorial)."""
    time.sleep(3)
    return "14:05"


# %% active="ipynb"
# %%responses --tools population,local_time
# Call population and local_time for city=Oslo, then tell me both.

# %% [markdown]
# Tools named with `--tools` stay offered to the model in later cells of the same
# conversation; `--new` (or `%responses reset`) starts a clean one (see notebook 04).
#
# ## Forcing a tool, or forbidding them
#
# `--tool-choice NAME` makes the model call that tool first, whatever the prompt says.
# `--tool-choice none` forbids tool calls for this cell (the tools are still described
# to the model). `auto`, the default, lets the model decide; `required` demands some call.

# %% active="ipynb"
# %%responses --tools get_weather --tool-choice get_weather
# Shorts or trousers tomorrow? I will be in location=Paris.

# %% active="ipynb"
# %%responses --tools get_weather --tool-choice none
# Without calling get_weather: what is usually the weather in Lisbon in May?

# %% [markdown]
# ## A tool that raises
#
# Exceptions never crash the cell: the card shows the error (and the traceback, folded),
# and the model receives the error text as the tool's output, so it can tell you or try
# something else.

# %%
def stock_price(symbol: str) -> float:
    """The latest price of a stock."""
    raise LookupError(f"no quote for {symbol}: the market is closed")

# %% active="ipynb"
# %%responses --tools stock_price
# What is the stock_price for symbol=ACME?
