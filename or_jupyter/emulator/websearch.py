"""A deterministic web search, for requests that offer the `openrouter:web_search` tool.

The "search" looks nothing up: it picks from a fixed list of fake pages (filtered by
the tool's `allowed_domains` / `excluded_domains`, at most `max_results`), streams a
`web_search_call` item with the real event sequence (`output_item.added`,
`web_search_call.in_progress`, `.searching`, `.completed`, `output_item.done`), and the
answer cites the pages with `url_citation` annotations: streamed as
`response.output_text.annotation.added` after the text, and in the final message.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import texts

__all__ = ["PAGES", "SEARCH_PRICE", "Search", "cited_answer", "search_events", "web_search"]

SEARCH_PRICE = 0.004  # USD per search, notional, added to `usage.cost`
DEFAULT_RESULTS = 3

# (url, title, one sentence the answer says citing it); fake pages on reserved domains.
PAGES = [
    (
        "https://docs.example.com/responses/streaming",
        "Streaming responses — Example Docs",
        "Streamed answers arrive as server-sent events, one delta at a time.",
    ),
    (
        "https://news.example.org/2026/search-grounding",
        "Why grounded answers cite their sources",
        "Citing sources lets a reader check every claim.",
    ),
    (
        "https://wiki.example.net/Web_search",
        "Web search - Example Wiki",
        "A web search returns ranked pages for a query.",
    ),
    (
        "https://blog.example.com/offline-emulators",
        "Testing against an offline emulator",
        "An emulator answers the same request the same way every time.",
    ),
    (
        "https://example.edu/courses/information-retrieval",
        "Information retrieval, lecture 1",
        "Relevance ranking decides which results come first.",
    ),
]


@dataclass
class Search:
    """One search call: the query the model issued and the pages it found."""

    query: str
    pages: list[tuple[str, str, str]] = field(default_factory=list)


def web_search_options(tools: list[Any]) -> dict[str, Any] | None:
    """The `parameters` of the request's `openrouter:web_search` tool ({} if it has none),
    or None when the request offers no web search."""
    for tool in tools:
        if isinstance(tool, dict) and tool.get("type") == "openrouter:web_search":
            parameters = tool.get("parameters")
            return parameters if isinstance(parameters, dict) else {}
    return None


def web_search(prompt: str, options: dict[str, Any]) -> Search:
    """The search for a prompt: the fake pages the tool's options allow."""
    allowed = options.get("allowed_domains") or []
    excluded = options.get("excluded_domains") or []
    limit = options.get("max_results") or DEFAULT_RESULTS
    pages = [
        page
        for page in PAGES
        if (not allowed or any(_within(page[0], d) for d in allowed))
        and not any(_within(page[0], d) for d in excluded)
    ]
    return Search(query=texts.excerpt(prompt, 100) or "web search", pages=pages[:limit])


def cited_answer(search: Search) -> tuple[str, list[dict[str, Any]]]:
    """The answer's Markdown and its `url_citation` annotations (indexes into that text)."""
    text = "### From the web (scripted)\n\n"
    if not search.pages:
        return text + "The search found nothing within the allowed domains.", []
    annotations = []
    for url, title, sentence in search.pages:
        start = len(text)
        text += sentence
        annotations.append(
            {
                "type": "url_citation",
                "url": url,
                "title": title,
                "start_index": start,
                "end_index": len(text),
            }
        )
        text += " "
    return text.rstrip() + "\n", annotations


def search_item(search: Search, item_id: str, status: str) -> dict[str, Any]:
    """The `web_search_call` item (the spec's `OutputItemWebSearchCall`)."""
    action: dict[str, Any] = {"type": "search", "query": search.query}
    if status == "completed":
        action["sources"] = [{"type": "url", "url": url} for url, _, _ in search.pages]
    return {"type": "web_search_call", "id": item_id, "status": status, "action": action}


def search_events(search: Search, draft: Any, item_id: str) -> Iterator[dict[str, Any]]:
    """The events of one search call, appended to the draft's output when done."""
    index = len(draft.output)
    at = {"output_index": index, "item_id": item_id}
    item = search_item(search, item_id, "in_progress")
    yield draft.event("response.output_item.added", output_index=index, item=item)
    yield draft.event("response.web_search_call.in_progress", **at)
    yield draft.event("response.web_search_call.searching", **at)
    yield draft.event("response.web_search_call.completed", **at)
    done = search_item(search, item_id, "completed")
    draft.output.append(done)
    draft.searches += 1
    yield draft.event("response.output_item.done", output_index=index, item=done)


def _within(url: str, domain: str) -> bool:
    host = url.split("//", 1)[-1].split("/", 1)[0].lower()
    domain = domain.lower().strip()
    return host == domain or host.endswith("." + domain)
