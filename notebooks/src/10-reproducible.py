# %% [markdown]
# # 10 · Reproducible notebooks: cache, record and replay, outputs that survive
#
# Re-running a notebook re-pays for every answer and gets different ones. This notebook
# shows the remedies:
#
# - **The response cache**: identical requests are answered from a SQLite file, through
#   the same live view, for nothing.
# - **Cassettes**: every exchange of a session recorded to a plain-text file, and replayed
#   later with no network and no key (how a tutorial with real answers runs on Binder).
# - **Outputs that survive**: every `%%responses` output keeps its `Response` in the
#   saved notebook, so `orj.responses_in(path)` and `%responses restore` rebuild the
#   `--out` values and conversations without calling the API.
# - **The notebook as context**: `--context N` shows the model the last cells, and
#   `%responses fix` / `explain` send it the last failing cell with its traceback.

# %% setup={"model": "openai/gpt-5-mini"}

# %% [markdown]
# ## The response cache
#
# `%responses cache on` keeps completed answers in `.or_jupyter_cache.sqlite` beside the
# notebook (or `cache on PATH`). Ask the same thing twice: the second answer is replayed
# from the file, and its footer says `cached · original cost … · nothing spent`. Failed,
# stopped and incomplete answers are never kept; `--no-cache` asks the server even so.
# The API key is neither in the cache's keys nor in the file.

# %%
# %responses cache on reproducible-cache.sqlite

# %% active="ipynb"
# %%responses --new
# What is 21*2?

# %% active="ipynb"
# %%responses --new
# What is 21*2?

# %%
# %responses cache stats

# %% [markdown]
# `%responses cache clear` empties it and `%responses cache off` stops using it. In
# Python, `orj.Client(cache="answers.sqlite")` (and `AsyncClient`, so `orj.map` serves
# identical rows from it too).

# %%
import os

# %responses cache off
os.remove("reproducible-cache.sqlite")

# %% [markdown]
# ## Record and replay
#
# `%responses record FILE` copies every exchange of this kernel into a cassette, a JSON
# Lines file you can read and diff (its format is in `docs/cassette.md`), until
# `%responses record off`. `%responses replay FILE` then answers from it, at the recorded
# pace or with `--fast` at once, without any network. A request the cassette does not
# hold is an error naming the closest recorded one and what differs.

# %%
# %responses record session.jsonl

# %% active="ipynb"
# %%responses --new --out recorded
# What is 6*7?

# %%
# %responses record off
# %responses replay session.jsonl --fast

# %% active="ipynb"
# %%responses --new --out replayed
# What is 6*7?

# %%
print(replayed.output_text == recorded.output_text, replayed.cached)
try:
    orj.Conversation(model=MODEL).send("What is 6*8?")
except orj.ReplayMissError as exc:
    print(type(exc).__name__, exc)

# %%
# %responses replay off
os.remove("session.jsonl")

# %% [markdown]
# To make a tutorial that shows real answers on Binder: run it once with a key while
# recording (`OR_JUPYTER_RECORD=notebooks/cassettes/NAME.jsonl`), commit the cassette,
# and start Binder with `OR_JUPYTER_REPLAY` pointing at it. `python -m or_jupyter.emulator
# --replay FILE` serves a cassette over HTTP to any client, the official SDKs included.
#
# ## Outputs that survive
#
# Each `%%responses` output keeps the cell's final `Response` (never the key) in its
# metadata. `orj.responses_in("notebook.ipynb")` reads them back from a saved notebook
# without calling the API: a dict of `--out` names, with the conversations in `.chats`;
# `%responses restore notebook.ipynb` puts them back into the kernel after a restart.
# `orj.ChatForm`'s transcript is plain HTML too, so it shows after reopening, in
# nbconvert and on GitHub.
#
# ## The notebook as context
#
# `--context N` puts the last N executed cells (their sources and short outputs) before
# the prompt, marked as notebook context and capped at 20,000 characters; secrets from
# the environment are redacted.

# %%
prices = {"apple": 0.5, "pear": 0.75}
total = sum(prices.values())
total

# %% active="ipynb"
# %%responses --new --context 2
# What does the code above compute?

# %% [markdown]
# After a cell fails, `%responses explain` sends its source and traceback (colours
# stripped, secrets redacted) and streams an explanation; `%responses fix` asks for a
# corrected cell too and puts it in a new cell below, for you to check and run.
