# %% [markdown]
# # 08 · Prompts over data: one prompt, many rows
#
# Real notebook work is often one prompt over many rows: classify every review, extract
# fields from every document, summarise every ticket. `orj.map(data, template, ...)` runs
# the template once per row, many requests at a time, and gives back a table in the
# rows' order, whatever order the answers came in.
#
# - **Concurrency and rate limits**: at most `concurrency` requests in flight and `rpm`
#   started per minute. A 429 pauses *every* worker for its `Retry-After`, once; other
#   failures retry per row; a row that still fails is recorded and the run goes on.
# - **Progress**: one live line (done, failed, running, rows/s, ETA, cost so far and
#   projected) with a Stop button; a one-line summary stays in the saved notebook.
# - **Budget**: `max_cost` in dollars: too dear an estimate is refused before anything
#   is sent; during the run no row starts once the cost reaches it.
# - **Resume**: with `store=`, every finished row is written to a SQLite file. Running
#   the same call again sends only the rows not done yet (after Stop, an error or a
#   kernel restart), and identical rows are never paid for twice.
#
# Offline, the emulator answers every row (arithmetic it works out; other prompts get a
# scripted answer, and a schema is filled with placeholder values); with a key, the
# model answers each row itself.

# %% setup={"model": "openai/gpt-5-mini", "python_api": true}

# %% [markdown]
# ## A DataFrame in, a DataFrame out
#
# The template uses the magic's `{field}` rules on each row: `{text}` is the row's
# `text` column. The result has the same index, so `df.join(out)` lines it up: the
# answer in `output`, then `status`, `error`, `cost`, the tokens, `seconds` and `cached`.

# %%
import pandas as pd

reviews = pd.DataFrame(
    {
        "text": [
            "Arrived early and works perfectly.",
            "Stopped charging after a week.",
            "It is a kettle. It boils water.",
            "The best headphones I have owned.",
            "Customer service never answered.",
            "Fine for the price.",
        ]
    },
    index=[f"r{i}" for i in range(6)],
)
out = orj.map(
    reviews,
    "Classify the sentiment of this review in one word: {text}",
    model=MODEL,
    concurrency=4,
)
reviews.join(out)[["text", "status", "output_tokens", "cost"]]

# %% [markdown]
# ## One column per field: `schema=`
#
# With a Pydantic model (or a JSON Schema), the answer is asked for as structured output,
# parsed and validated, and each top-level field becomes a column. An answer that does not
# fit the schema marks its row `failed`, with the reason in `error`.

# %%
from typing import Literal

from pydantic import BaseModel


class Sentiment(BaseModel):
    label: Literal["positive", "negative", "neutral"]
    confidence: float


labelled = orj.map(
    reviews, "Classify the sentiment of this review: {text}", model=MODEL, schema=Sentiment
)
print(list(labelled.columns))
print(labelled["status"].value_counts().to_dict())

# %% [markdown]
# ## A list in, a list out
#
# A list of strings uses `{}` (or `{item}`) for the item; a list of dicts uses its keys.
# The result is a list of `RowResult`s in the same order.

# %%
sums = orj.map(["12*12", "7+8", "99+1", "6*7"], "What is {}?", model=MODEL, progress=False)
for result in sums:
    print(result.key, result.status, result.output)

# %% [markdown]
# ## Resume where it stopped: `store=`
#
# Every finished row is written to the SQLite file as it completes, keyed by a hash of its
# request. Running the same call again (after Stop, an error or a kernel restart) sends only
# the rows that are missing: here the second run sends nothing, every row is `cached` and
# costs nothing. The file never holds the API key.

# %%
import os

STORE = "reviews.sqlite"
first = orj.map(reviews, "Summarise in five words: {text}", model=MODEL, store=STORE)
again = orj.map(reviews, "Summarise in five words: {text}", model=MODEL, store=STORE)
print("first run cached:", int(first["cached"].sum()), "of", len(first))
print("second run cached:", int(again["cached"].sum()), "of", len(again), "· cost", again["cost"].sum())
os.remove(STORE)

# %% [markdown]
# ## A budget: `max_cost=`
#
# Before sending, the run's cost is estimated from the model's `/models` pricing (the
# input size, and `max_output_tokens` for the answers). An estimate over `max_cost` is
# refused with the figures, and nothing is sent; `force=True` runs anyway and still stops
# starting rows once the actual cost reaches `max_cost`.

# %%
try:
    orj.map(reviews, "Write a long essay about: {text}", model=MODEL, max_cost=0.001)
except orj.BudgetError as exc:
    print("refused:", exc)

# %% [markdown]
# ## Rate limits and failures
#
# A 429 pauses every worker for its `Retry-After` (one pause for all, not one per row);
# 5xx answers and dropped connections retry per row with backoff. Offline, the emulator's
# `emulator/burst-429-3` model answers its first three requests with 429 and `Retry-After:
# 1`; the run waits once and every row is done. A model that cannot answer
# (`emulator/error-402`: no credits) leaves every row `failed` with its error, and the
# run still returns.

# %%
OFFLINE = orj.Client().offline  # the emulator answers: no key, no cassette
if OFFLINE:
    burst = orj.map(["1+1", "2+2", "3+3", "4+4"], "What is {}?", model="emulator/burst-429-3")
    print([r.status for r in burst])
    failing = orj.map(["1+1", "2+2"], "What is {}?", model="emulator/error-402", progress=False)
    print([r.status for r in failing], failing[0].error[:40])

# %% [markdown]
# ## In a cell: `%%responses --over`
#
# `%%responses --over DATA --out NAME` runs the cell's prompt once per row of `DATA`, with
# the cell's options (`-m`, `--schema`, `--reasoning`, `--tools`, ...). The cell's `{field}`
# names a field of the row, not a notebook variable, and the progress line is drawn
# instead of the answers.

# %% active="ipynb"
# %%responses --over reviews --out results
# Translate this review into French: {text}

# %%
results[["status", "output_tokens"]].head(3)

# %% [markdown]
# ## Beyond one kernel: Dask
#
# When the data is a Dask DataFrame, `orj.map` returns a lazy Dask DataFrame built with
# `map_partitions`: each partition runs the same concurrent fan-out on its worker, with
# `concurrency` and `rpm` split across the partitions. The API key never enters the task
# graph: workers read `OPENROUTER_API_KEY` from their own environment, or you pass
# `client=make_client` (a function each worker calls to make its client). Install it with
# `pip install "or_jupyter[dask]"`; the README's "Prompts over data" section shows how to
# point it at a cluster.
#
# ```python
# import dask.dataframe as dd
# lazy = orj.map(dd.from_pandas(reviews, npartitions=2), "Classify: {text}", model=MODEL)
# lazy.compute()
# ```
