# %% [markdown]
# # 07 · Several models side by side, and OpenRouter's routing
#
# Which model is best for *this* prompt? Name several with `-m a,b,c`: they all stream
# **at the same time**, each into its own column (three per row, stacked on a narrow
# page) with its own reasoning pane, tool cards and footer. When all have finished, a
# table compares them: who served them, time to first token, total time, tokens, speed
# and cost, with the fastest and the cheapest marked. One Stop stops every column; a
# model that fails shows its error in its column and the others go on.
#
# The whole cell stays one output: while it streams it is drawn with widgets, and when
# it ends it becomes plain HTML, so the saved notebook, nbconvert and GitHub show the
# columns without any widget state.
#
# Offline (no `OPENROUTER_API_KEY`), the emulator answers for every model id with its
# scripted assistant, so the columns below agree; with a key, each model answers for itself.

# %% setup={"model": "openai/gpt-5-mini", "python_api": true}

# %% [markdown]
# ## Compare in a cell
#
# `--out answers` keeps a dict `{model: Response}`, in the order of `-m`.

# %% active="ipynb"
# %%responses -m openai/gpt-5-mini,anthropic/claude-sonnet-4.5,google/gemini-2.5-flash --out answers
# What is 17*23? Answer in one sentence.

# %%
for model, response in answers.items():
    print(f"{model:30} {response.status:10} {response.output_text[:60]!r}")

# %% [markdown]
# ## Each model keeps its own branch
#
# After a comparison, each model continues **its own branch** of the conversation: the
# history up to the comparison, then its own answers. A later comparison with the same
# models continues every branch. A cell with just one of them continues that model's
# branch; `%responses pick MODEL` (or `--pick MODEL` on the next cell) adopts one
# branch as the conversation from then on.

# %% active="ipynb"
# %%responses -m openai/gpt-5-mini,anthropic/claude-sonnet-4.5
# And what is that number plus 9?

# %%
# %responses pick anthropic/claude-sonnet-4.5

# %%
# %responses history

# %% [markdown]
# ## Routing: fallbacks and providers
#
# OpenRouter serves most models through several providers. `--fallback a,b` sends the
# request's `models` list: OpenRouter tries them in order until one answers, and the
# footer says which model served. `--provider KEY=VALUE,...` sets the request's `provider`
# preferences, for example `sort=price`, `sort=throughput`, `only=...`, `ignore=...`,
# `zdr` (zero data retention only) or `allow_fallbacks=false`;
# `%responses config provider=...` makes them the default. The footer names the provider
# that served and how many attempts it took.

# %% active="ipynb"
# %%responses -m openai/gpt-5-mini --fallback anthropic/claude-sonnet-4.5 --provider sort=throughput --new
# What is 2+3?

# %% [markdown]
# ## In Python: `orj.compare` and `Conversation.compare`
#
# `orj.compare(input, models=[...])` returns a `Comparison`: a dict of `Response`s in
# the order of the models, and `.errors` for those that failed. `Conversation.compare`
# does the same with the branch semantics above, and `Conversation.pick(model)` adopts
# a branch. `await orj.acompare(...)` is the async twin.

# %%
comparison = orj.compare("What is 12*12?", models=[MODEL, "google/gemini-2.5-flash"])
for model, response in comparison.items():
    print(model, response.status, response.output_text.strip()[:40])

# %% [markdown]
# A model that fails does not stop the others: its entry has status `failed` (with what
# had arrived) and its error is in `.errors`. Offline, the emulator's `emulator/error-402`
# model always answers 402 (no credits), which shows it.

# %%
OFFLINE = orj.Client().offline  # the emulator answers: no key, no cassette
if OFFLINE:
    failing = orj.compare("Hi", models=[MODEL, "emulator/error-402"])
    for model, response in failing.items():
        print(model, response.status)
    print("failed:", {model: type(error).__name__ for model, error in failing.errors.items()})
