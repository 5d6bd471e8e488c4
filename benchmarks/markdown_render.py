"""How much rendering a streamed answer costs, frozen blocks vs re-rendering everything.

Streams a ~50 KB Markdown document as 4-character deltas through StreamingMarkdown and
compares with re-rendering the whole document on every delta. Prints figures only.

    .venv/bin/python benchmarks/markdown_render.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from markdown_it import MarkdownIt

from or_jupyter.render.markdown import StreamingMarkdown, render_markdown
from or_jupyter.render.sanitize import sanitize

DELTA = 4
THROTTLE = 0.050  # seconds between view updates
ARRIVALS_PER_SECOND = 100  # a fast model: one delta every 10 ms
FULL_RENDER_SAMPLES = 300


def section(n: int) -> str:
    return f"""## Section {n}: results

Here is what *section {n}* found, with `inline code`, **bold text** and a
[link](https://example.com/{n}). The paragraph goes on long enough to wrap twice in a
notebook, since answers tend to have long paragraphs.

- first point about {n}
- second point, with a nested list:
  - detail a
  - detail b
- third point

| metric | value | change |
|:-------|------:|:------:|
| speed  | {n * 3} | +{n}% |
| memory | {n * 7} MB | -2% |

```python
def compute_{n}(values: list[float]) -> float:
    \"\"\"Average of the positive values.\"\"\"
    positive = [v for v in values if v > 0]
    return sum(positive) / len(positive) if positive else 0.0
```

1. Check the input.
2. Run `compute_{n}`.

> Note: results for {n} are preliminary.

"""


def build_document(size: int = 50_000) -> str:
    parts, total = ["# Report\n\n"], 0
    while total < size:
        parts.append(section(len(parts)))
        total += len(parts[-1])
    return "".join(parts)


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def best_of(runs: int, work: Callable[[], object]) -> float:
    return min(timed(work) for _ in range(runs))


def stream_all(deltas: list[str], render_every: int | None) -> tuple[int, int]:
    """Feed every delta, rendering the tail every ``render_every`` deltas (None: by clock)."""
    md, renders, last = StreamingMarkdown(), 0, time.perf_counter()
    for index, delta in enumerate(deltas, 1):
        md.feed(delta)
        now = time.perf_counter() if render_every is None else 0.0
        due = now - last >= THROTTLE if render_every is None else index % render_every == 0
        if due:
            md.tail_html()
            renders, last = renders + 1, now
    md.close()
    md.html()  # the final flush
    return renders + 1, max(len(block) for block in md.frozen_blocks)


def late_definitions(count: int = 600) -> None:
    """Links used in early blocks, defined only at the end (each definition revises earlier blocks)."""
    text = "".join(f"Paragraph [link {i}] here.\n\n" for i in range(count))
    text += "".join(f"[link {i}]: https://example.com/{i}\n\n" for i in range(count))
    lines = text.splitlines(keepends=True)

    def streamed() -> str:
        markdown = StreamingMarkdown()
        for line in lines:
            markdown.feed(line)
        markdown.close()
        return markdown.html()

    assert streamed() == render_markdown(text)
    stream_time, full = best_of(3, streamed), best_of(3, lambda: render_markdown(text))
    print(f"\n{count} links used before their definitions, streamed line by line:")
    print(
        f"  streamed {stream_time * 1e3:.0f} ms vs one full render {full * 1e3:.0f} ms: "
        f"{stream_time / full:.1f}x"
    )


def main() -> None:
    text = build_document()
    deltas = [text[i : i + DELTA] for i in range(0, len(text), DELTA)]
    feeds = len(deltas)
    print(f"document: {len(text):,} characters, {feeds:,} deltas of {DELTA} characters")

    full = best_of(5, lambda: render_markdown(text))
    html = render_markdown(text)
    print(f"\none full render: {full * 1e3:.1f} ms ({len(html):,} characters of HTML)")

    per_feed = timed(lambda: stream_all(deltas, render_every=1))
    print(
        f"\nstreamed, tail_html() after every feed: {per_feed * 1e3:.0f} ms total, "
        f"{per_feed / feeds * 1e6:.0f} us per feed, {per_feed / full:.1f}x one full render"
    )

    batch = int(THROTTLE * ARRIVALS_PER_SECOND)
    batched = timed(lambda: stream_all(deltas, render_every=batch))
    print(
        f"streamed, tail_html() every {batch} feeds ({THROTTLE * 1e3:.0f} ms at "
        f"{ARRIVALS_PER_SECOND} deltas/s): {batched * 1e3:.0f} ms total, "
        f"{batched / feeds * 1e6:.0f} us per feed"
    )

    result: list[tuple[int, int]] = []
    clocked = timed(lambda: result.append(stream_all(deltas, render_every=None)))
    print(
        f"streamed as fast as possible, tail_html() at most every {THROTTLE * 1e3:.0f} ms "
        f"of wall time: {clocked * 1e3:.0f} ms total, {result[0][0]} renders"
    )

    step = max(1, feeds // FULL_RENDER_SAMPLES)
    samples = [timed(lambda end=end: render_markdown(text[: end * DELTA]))
               for end in range(1, feeds + 1, step)]  # fmt: skip
    rerender = statistics.fmean(samples) * feeds
    print(
        f"\nre-render the whole document per delta (mean of {len(samples)} sampled prefixes,"
        f" extrapolated): {rerender:.1f} s"
    )
    print(f"  ratio re-render-everything / streamed (every feed): {rerender / per_feed:.0f}x")
    print(
        f"  ratio re-render-everything / streamed (every {batch} feeds): {rerender / batched:.0f}x"
    )

    plain = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    unhighlighted = best_of(5, lambda: plain.render(text))
    raw_html = plain.render(text)
    nh3_time = best_of(5, lambda: sanitize(raw_html))
    print("\nwhere one full render's time goes:")
    print(f"  markdown-it-py alone (no highlighting, no sanitising): {unhighlighted * 1e3:.1f} ms")
    print(f"  + Pygments highlighting: {(full - unhighlighted - nh3_time) * 1e3:.1f} ms (approx.)")
    print(f"  + nh3 sanitising: {nh3_time * 1e3:.1f} ms")

    try:
        import mistune
    except ImportError:
        print("\nmistune not installed: no comparison")
        return
    to_html = mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])
    mistune_time = best_of(5, lambda: to_html(text))
    print(
        f"\nmistune {mistune.__version__} (escape=True, table, strikethrough): "
        f"{mistune_time * 1e3:.1f} ms vs markdown-it-py {unhighlighted * 1e3:.1f} ms "
        f"(ratio {unhighlighted / mistune_time:.2f})"
    )


if __name__ == "__main__":
    main()
    late_definitions()
