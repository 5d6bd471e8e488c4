# %% [markdown]
# # 01 · Quickstart: `%%responses`
#
# `or_jupyter` brings OpenRouter's **Responses API** into Jupyter. Write a prompt in a
# cell that starts with `%%responses`, run it, and the answer streams in below, rendered
# as Markdown, with a footer of tokens, cost and timing.
#
# The first cell picks the backend. With `OPENROUTER_API_KEY` set in the environment
# (or after `%responses key`), requests go to OpenRouter. Without one, the notebook runs
# against **the offline emulator**: a local server that speaks the same protocol, with
# scripted answers (it does arithmetic, calls the tools you name, and says it is scripted).
# The saved outputs you see below come from such an offline run.

# %% setup={"model": "openai/gpt-5-mini", "import_orj": false}

# %% [markdown]
# ## Your first prompt
#
# Everything below the `%%responses` line is the prompt. While the answer streams you
# see it grow and a **Stop** button; when it ends, the footer tells you the model, the
# input/output tokens, the cost and the time to the first token.

# %% active="ipynb"
# %%responses
# What is 12*7? Answer in one sentence.

# %% [markdown]
# Cells continue one conversation, so the model sees earlier prompts and answers
# (notebook 04 shows how to name, reset and save conversations).
#
# ## Streaming, and Markdown as it arrives
#
# Longer answers render block by block: finished paragraphs, lists, tables and code
# blocks are drawn once and never redrawn, only the last unfinished block is updated.
# `--max-output-tokens` caps the length; a capped answer says `incomplete` in its footer.

# %% active="ipynb"
# %%responses --max-output-tokens 300
# Give me three tips for writing clear prompts, as a short Markdown list.

# %% [markdown]
# ## Notebook variables in prompts
#
# `{name}` in a prompt is replaced by the notebook variable `name` (`{{` and `}}` give
# literal braces, and braces that name nothing are left alone, so code is safe).

# %%
days = 365
hours_per_day = 24

# %% active="ipynb"
# %%responses
# How many hours are in a year? Compute {days}*{hours_per_day}.

# %% [markdown]
# ## Keep the answer: `--out`
#
# `--out NAME` stores the final `Response` in a variable, for use in Python:
# its text, usage (tokens, cost) and the raw output items.

# %% active="ipynb"
# %%responses --out answer
# What is (2 + 3) ^ 2?

# %%
print(answer.output_text)
print(answer.status, answer.usage["input_tokens"], "in,", answer.usage["output_tokens"], "out")
print(f"cost: ${answer.cost:.6f}")

# %% [markdown]
# ## Settings
#
# `%responses config` shows the defaults every cell uses; `%responses config key=value`
# changes them (so does `%config Responses.model = "..."`). `%responses models FILTER`
# lists models from OpenRouter's catalogue with prices and whether they reason or take
# tools.

# %%
# %responses config

# %%
# %responses models openai

# %% [markdown]
# ## Next
#
# * **02-reasoning**: reasoning effort, summaries and the folding reasoning pane.
# * **03-tools**: let the model call Python functions from this notebook.
# * **04-conversations**: multi-cell chats, named conversations, saving history.
# * **05-widgets**: a chat form. **06-python-api**: the same, from Python code.
