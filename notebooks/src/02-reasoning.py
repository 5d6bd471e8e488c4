# %% [markdown]
# # 02 · Reasoning
#
# Reasoning models think before they answer. `--reasoning EFFORT` asks for it (`none`,
# `minimal`, `low`, `medium`, `high`, `xhigh`) and `--summary auto|concise|detailed`
# asks for a summary of the thinking. The reasoning is drawn in a **collapsible pane**:
# open while the model thinks, folded as soon as the answer starts, labelled with how
# long it thought and how many reasoning tokens it used. Click it to read it.
#
# The first cell picks the backend. With `OPENROUTER_API_KEY` set in the environment
# (or after `%responses key`), requests go to OpenRouter. Without one, the notebook runs
# against **the offline emulator**: a local server that speaks the same protocol, with
# scripted answers (it does arithmetic, calls the tools you name, and says it is scripted).
# The saved outputs you see below come from such an offline run.
#
# Providers differ: some stream their raw reasoning (DeepSeek R1, Claude, open models),
# OpenAI models keep it hidden and send summaries only when `--summary` is given (the
# pane then says *reasoning hidden by the provider*).

# %% setup={"model": "openai/o4-mini", "import_orj": false}

# %% [markdown]
# ## Reasoning effort
#
# Run the cell and watch the pane: it opens with *Thinking…*, then folds when the answer
# begins. The footer counts the reasoning tokens separately.

# %% active="ipynb"
# %%responses --reasoning low
# What is 17*23?

# %% [markdown]
# Higher effort, more thinking (and more reasoning tokens to pay for). Compare the
# footers of these two cells.

# %% active="ipynb"
# %%responses --reasoning high
# What is 17*23?

# %% [markdown]
# ## Summaries
#
# `--summary` asks for a readable summary of the reasoning instead of (or besides) the
# raw text. `concise` is shortest, `detailed` longest.

# %% active="ipynb"
# %%responses --reasoning medium --summary detailed
# Is 391 a prime number? Check 391/17.

# %% [markdown]
# ## No reasoning
#
# `--reasoning none` turns it off for models that allow it: no pane, a faster answer.

# %% active="ipynb"
# %%responses --reasoning none
# What is 17*23?

# %% [markdown]
# ## A default for every cell, and the reasoning in Python
#
# `%responses config reasoning=low` makes an effort the default. With `--out` the
# reasoning is available as text, and the usage holds the reasoning-token count.

# %%
# %responses config reasoning=low summary=concise

# %% active="ipynb"
# %%responses --out thought
# What is 2**10?

# %%
print(thought.reasoning_text)
print("reasoning tokens:", thought.usage["output_tokens_details"]["reasoning_tokens"])

# %%
# %config Responses.reasoning = None
# %config Responses.summary = None
