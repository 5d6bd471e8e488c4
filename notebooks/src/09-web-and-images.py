# %% [markdown]
# # 09 · The web, figures, tables and images
#
# The Responses API takes more than text and gives back more than text. This notebook
# shows four of them:
#
# - **Web search with citations**: `--web` lets the model search; its answer carries
#   numbered links at the places it cites, and a **Sources** list below it.
# - **Figures and images in the prompt**: `{fig}` (a matplotlib Figure), `{img}` (a PIL
#   Image), a `Path` to a PNG, JPEG or PDF, or image `bytes` become image and file parts
#   of the message, where they stand in the text.
# - **DataFrames as tables**: `{df}` becomes a Markdown table the model can read.
# - **Images out**: `--image-out` asks a model that can draw for an image, drawn inline
#   as it arrives and kept in the saved notebook.
#
# Offline, the emulator plays all of it: a fixed web search with real citations, a
# description of the images it is sent (their type and size), and a small generated PNG.

# %% setup={"model": "openai/gpt-5-mini", "python_api": true}

# %% [markdown]
# ## A cited web answer
#
# The search runs as a card (query, status, number of results), then the answer streams;
# once it is final, its citations become numbered links, and the sources are listed with
# their title and domain. `--web-max-results N`, `--web-domains a.com,b.org` and
# `--web-exclude x.com` tune the search (each implies `--web`). Only `http` and `https`
# addresses ever become links.

# %% active="ipynb"
# %%responses --web --web-max-results 3 --out cited
# What changed in the latest Python release? Cite your sources.

# %% [markdown]
# In Python, `web=True` (or a dict of the search's options) works wherever request
# options do, and `response.citations` lists what was cited: the URL, the title, and where
# in `output_text` the citation applies.

# %%
for found in cited.citations:
    print(f"{found.title} <{found.url}> at {found.start}:{found.end}")

# %% [markdown]
# ## A figure explained
#
# Put a figure in the prompt with `{fig}`: it is sent as a PNG, an `input_image` part of
# the message, at that point of the text. `--image VAR_OR_PATH` and `--file VAR_OR_PATH`
# attach after the text instead. `%responses history` names an attachment
# (`[image: PNG 640×480, 21 KB]`) and never shows its base64.

# %%
import matplotlib

matplotlib.use("Agg")  # draw off screen: the figure is sent, not shown
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
ax.plot([2019, 2020, 2021, 2022, 2023, 2024], [12, 9, 14, 18, 21, 25], marker="o")
ax.set(title="Tickets closed per week", xlabel="year", ylabel="tickets")
plt.close(fig)

# %% active="ipynb"
# %%responses --new
# What does this chart show, in two sentences? {fig}

# %% [markdown]
# ## A DataFrame summarised
#
# `{df}` sends a DataFrame (or a Series) as a Markdown table, so the model reads the data
# rather than its `repr`. Past 50 rows or 20 columns it is cut, with a note saying how many
# were left out.

# %%
import pandas as pd

sales = pd.DataFrame(
    {
        "region": ["north", "south", "east", "west"],
        "q1": [120, 95, 143, 88],
        "q2": [131, 90, 150, 97],
    }
)

# %% active="ipynb"
# %%responses --new
# Which region grew most from q1 to q2? {sales}

# %% [markdown]
# `%responses history` shows what was sent: the question, then the table.

# %%
# %responses history

# %% [markdown]
# ## An image generated
#
# `--image-out` sends `modalities: ["image", "text"]` to a model that can draw. Partial
# images are drawn as they arrive, then the final one; only base64 that decodes to a PNG,
# JPEG, GIF or WebP is ever drawn. `response.images` holds each as a `GeneratedImage`
# (its bytes and media type, and `.to_pil()` with Pillow).

# %% active="ipynb"
# %%responses -m google/gemini-2.5-flash-image --image-out --new --out drawn
# A small gradient, from blue to orange.

# %%
[image] = drawn.images
print(image.media_type, len(image.data), "bytes", image.to_pil().size)
