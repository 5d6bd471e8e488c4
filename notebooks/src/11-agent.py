# %% [markdown]
# # 11 · The model acts: the kernel as a tool
#
# `%%responses --agent` lets the model work in this notebook, with your real variables:
#
# - **run Python** in the notebook's namespace, on the kernel's main thread, like a cell:
#   it sees what the code prints and displays, the value of its last line, a traceback if
#   it fails, and each figure as an image;
# - **inspect variables**: names, types, shapes, DataFrame columns and first rows;
# - **read the notebook**: the last cells you ran.
#
# Everything it does is drawn in the cell as cards (code, outputs, figures) that stay in
# the saved notebook, and when the cell ends its code is offered as one new cell below,
# so the notebook reproduces the work without the model.

# %% setup={"model": "openai/gpt-5-mini", "python_api": true}

# %% [markdown]
# ## A small DataFrame

# %%
import pandas as pd

sales = pd.DataFrame(
    {
        "month": ["Jan", "Jan", "Feb", "Feb", "Mar", "Mar"],
        "region": ["North", "South", "North", "South", "North", "South"],
        "revenue": [120, 80, 135, 95, 150, 90],
    }
)
sales

# %% [markdown]
# ## Approvals
#
# By default (`--agent`, or `--agent ask`) the model asks before each piece of code: its
# card shows the code, highlighted, **before** it runs, with three buttons: **Approve**,
# **Deny** (the model is told you declined) and **Approve the rest of this cell**. Reading
# variables and cells needs no approval. **Stop**, or the kernel's interrupt, raises
# `KeyboardInterrupt` inside running code: its card says "interrupted" and the model stops.
#
# This saved run uses `--agent auto`, which runs the code without asking (the footer says
# so), because nobody is there to click. `%responses config agent=auto` makes a bare
# `--agent` mean the same.

# %% active="ipynb"
# %%responses --agent auto --out run
# Compute the total revenue by region and plot it. Which region earns the most?

# %% [markdown]
# The model looked at the variables first, then ran two steps: the sum by region, and a
# bar chart, which went back to it as an image. Its answer comes from those results.
# `--out` keeps the Response with the steps (code, outputs, status):

# %%
for number, step in enumerate(run.steps, 1):
    print(number, step.status, [output["kind"] for output in step.outputs])

# %% [markdown]
# ## The code it leaves behind
#
# When the cell ended, this cell was offered below it (in JupyterLab and Notebook 7 it
# appears as a new cell; `run.code` holds the same text). Steps that failed would be kept
# commented out. Run it and you get the same table and chart, without the model:

# %%
print(run.code)

# %%
# The agent's code from the cell above, to run without the model

# Step 1
summary = sales.groupby("region")["revenue"].sum().sort_values(ascending=False)
summary

# %%
# Step 2
import matplotlib.pyplot as plt

ax = summary.plot.bar(title="revenue by region", rot=0)
ax.set_ylabel("revenue")
plt.show()

# %% [markdown]
# ## Secrets stay out
#
# Whatever the code prints, displays or raises, the OpenRouter key and the value of every
# environment variable whose name contains KEY, TOKEN, SECRET or PASSWORD are replaced by
# `[redacted]` before the model sees them (and in the cards):

# %%
import os

os.environ["WAREHOUSE_PASSWORD"] = "hunter2-is-not-a-password"

# %% active="ipynb"
# %%responses --agent auto
# Run this:
# ```python
# import os
# print("the password is", os.environ["WAREHOUSE_PASSWORD"])
# ```

# %% [markdown]
# ## In Python
#
# `orj.kernel_tools()` gives the same three tools for `orj.Conversation(tools=...)`.
# Outside a cell there is no one to ask, so `auto=True` lets the code run unattended:

# %%
chat = orj.Conversation(model=MODEL, tools=orj.kernel_tools(auto=True))
answer = chat.send("Run:\n```python\nbest = summary.idxmax()\nbest\n```")
print(answer.output_text)
print(globals()["best"])  # the agent's code defined it in the notebook

# %% [markdown]
# ## MCP servers as tools
#
# An MCP (Model Context Protocol) server offers tools to any client that speaks the
# protocol. `%responses mcp add NAME -- COMMAND ARG...` starts one as a child process of
# the kernel: here the published `mcp-server-time` (`--url URL` connects to a server over
# HTTP instead). It keeps running across cells until `%responses mcp remove time` or the
# end of the kernel. Every call asks for your approval unless the server was added with
# `--approve auto`, as here, so that this notebook also runs unattended.

# %%
import sys  # noqa: F401  (the magic below expands {sys.executable})

# %responses mcp add time --approve auto -- {sys.executable} -m mcp_server_time --local-timezone UTC

# %% [markdown]
# `-t mcp:time` offers all of the server's tools to the model (`-t mcp:time/get_current_time`
# only that one). The model sees them as functions named `time__get_current_time` and
# `time__convert_time`; each call is drawn as a card, and its result goes back to the model
# like a function's. Offline, the emulator's assistant calls the tool the prompt names, and
# the answer quotes the server's real clock.

# %% active="ipynb"
# %%responses -t mcp:time
# Use the time server's get_current_time with timezone=Europe/Paris.

# %% [markdown]
# `%responses mcp tools time` shows what the model sees of a server; in Python,
# `orj.mcp_tools("time")` gives the same tools for `orj.Conversation(tools=...)` or `orj.map`.

# %%
# %responses mcp tools time

# %% [markdown]
# ## OpenRouter's server tools
#
# Some tools run on OpenRouter's side, not in the kernel: `--server-tool TYPE[:JSON]` offers
# any of them (`openrouter:datetime`, `openrouter:web_fetch`, `openrouter:image_generation`,
# ...), with its parameters as JSON. Their work is drawn as cards. Offline, the emulator's
# clock is fixed at 2026-03-12 14:30 UTC and its web pages are fixed too, so this cell
# always gives the same answer.

# %% active="ipynb"
# %%responses --server-tool 'openrouter:datetime:{"timezone": "Asia/Tokyo"}'
# What time is it in Tokyo right now?

# %%
# %responses mcp remove time
