# %% [markdown]
# # 12 · Which model for this data: evaluations
#
# OpenRouter offers hundreds of models; the question is which of them is good enough on
# *your* data, and at what price and speed. `orj.evaluate(data, template, models=[...],
# expected="label")` runs the template over every row with every model (on `orj.map`'s
# runner: concurrency, the shared 429 pause, the budget, the store), scores each answer
# and draws a leaderboard: the mean score with a 95% interval, failures, cost, cost per
# correct answer, latency, with charts of score against cost and latency.
#
# Offline, three emulator models play the candidates: `emulator/grader-<P>pct` classifies
# sentiment correctly on a stable `P`% of rows and costs more the better it is. A grader
# never sees the expected label: it derives a label from the review's text by a fixed word
# list (`great`, `love`, ... against `broken`, `rude`, ...), and the labels below follow
# that list, so `P` is how often it is right. With a key, three real models answer.

# %% setup={"model": "openai/gpt-5-mini", "python_api": true}

# %% [markdown]
# ## A small labelled DataFrame and three models

# %%
import pandas as pd

reviews = pd.DataFrame(
    [
        ("Arrived early and works perfectly, great value.", "positive"),
        ("Stopped charging after a week, useless.", "negative"),
        ("It is a kettle. It boils water.", "neutral"),
        ("The best headphones I have owned.", "positive"),
        ("Customer service was rude and the parcel was late.", "negative"),
        ("Fine for the price.", "positive"),
        ("The lid cracked on day two.", "negative"),
        ("Blue, as in the photo.", "neutral"),
        ("Lovely fabric and a comfortable fit.", "positive"),
        ("Terrible smell, asked for a refund.", "negative"),
        ("Delivered on Tuesday.", "neutral"),
        ("Friendly support, fast replies, happy overall.", "positive"),
        ("Noisy fan and it leaks.", "negative"),
        ("Good screen but slow to charge.", "neutral"),
        ("I would recommend it to anyone.", "positive"),
        ("A waste of money.", "negative"),
        ("The box holds twelve pieces.", "neutral"),
        ("Amazing sound, pleased with it.", "positive"),
        ("Poor battery and a broken strap.", "negative"),
        ("Comes in three sizes.", "neutral"),
    ],
    columns=["text", "label"],
)
OFFLINE = orj.Client().offline  # the emulator answers: no key, no cassette
if OFFLINE:
    MODELS = ["emulator/grader-60pct", "emulator/grader-75pct", "emulator/grader-90pct"]
    JUDGE = "emulator/judge"
else:
    MODELS = ["openai/gpt-5-mini", "google/gemini-2.5-flash", "anthropic/claude-haiku-4.5"]
    JUDGE = "openai/gpt-5-mini"
PROMPT = "Classify the sentiment of this review as positive, negative or neutral. Answer with the label only.\n\n{text}"
len(reviews), MODELS

# %% [markdown]
# ## The leaderboard
#
# `expected="label"` names the column with the right answer; the `exact` scorer compares
# it with each answer (case, spaces and surrounding punctuation aside). `max_cost` refuses
# a grid estimated above it before anything is sent; `store=` keeps every finished cell.
# The board ranks the models by score; with pass/fail scores the interval is Wilson's, and
# the notes say when two intervals overlap and give McNemar's exact test between the top
# two: with 20 rows, a difference of a few answers may well be chance.

# %%
STORE = "evaluate.sqlite"
board = orj.evaluate(
    reviews, PROMPT, models=MODELS, expected="label", concurrency=8, max_cost=1.00, store=STORE
)
board

# %% [markdown]
# ## One row per answer: `board.results`
#
# A long DataFrame: the row, the model, its answer, the expected value, each score, then
# status, error, cost, tokens, seconds and whether it came from the store. Failed cells
# are counted in the board's `failed` and never scored as wrong.

# %%
board.results.head(6)

# %% [markdown]
# ## Where the models disagree
#
# The rows where the models' answers differ, with each model's answer: the place to read
# before trusting a score.

# %%
board.disagreements()

# %% [markdown]
# ## The charts
#
# Score against cost (error bars are the 95% intervals; the circled models are the Pareto
# front: no other model is both cheaper and better), and score against median latency.
# They are drawn under the table too, as a PNG that stays in the saved notebook.

# %%
board.plot()

# %% [markdown]
# ## An LLM judge
#
# When an exact comparison is too strict, `judge="MODEL"` asks a model to grade each answer
# (PASS or FAIL) from the row, the expected value and the answer, never the other models'
# names. It is one more call per answer, counted apart as the judge's cost. Offline,
# `emulator/judge` grades deterministically.

# %%
judged = orj.evaluate(
    reviews, PROMPT, models=MODELS[-1:], expected="label", judge=JUDGE, store=STORE, progress=False
)
best = judged.leaderboard[0]
print(f"{best['model']}: judge {best['score']:.2f}, answers ${best['cost']:.4f}, judge ${best['judge_cost']:.4f}")

# %% [markdown]
# ## Resume, and one more model
#
# With the same `store=`, a re-run sends only what is missing: here every cell of the three
# models comes from the store (and costs nothing), and only the added model is sent.

# %%
more = MODELS + (["emulator/grader-95pct"] if OFFLINE else ["openai/gpt-5"])
again = orj.evaluate(reviews, PROMPT, models=more, expected="label", store=STORE)
print(again.results.groupby("model", sort=False)["cached"].agg(["sum", "count"]).to_string())

# %% [markdown]
# ## In a cell
#
# `%%responses --over DATA -m a,b,c --expect FIELD` does the same from a cell (the cell is
# the template), with `--scorer` (`exact`, `contains`, `number`, `json`, `regex:PATTERN`)
# and `--judge MODEL`; `--out` keeps the board. `-m NAME` takes a notebook list of ids.

# %%
TWO = MODELS[::2]

# %% active="ipynb"
# %%responses --over reviews -m TWO --expect label --out cell_board
# Classify the sentiment of this review as positive, negative or neutral. Answer with the label only.
#
# {text}

# %%
import os

os.remove(STORE)
[(entry["model"], entry["n"], entry["failed"]) for entry in cell_board.leaderboard]
