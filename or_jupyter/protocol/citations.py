"""`url_citation` annotations: the sources a web-searching model cites, as plain data.

A message's `output_text` parts carry `annotations`; those of type `url_citation` name
a URL, its title and the span of the text (`start_index`, `end_index`) they support.
They arrive streamed (`response.output_text.annotation.added`) and again in the final
message. Fields of the wrong type are read as absent: a citation without a string
`url` is no citation. A message keeps at most `MAX_CITATIONS` (a hostile server could
send thousands), and a URL longer than `MAX_URL` or holding control characters is no
web URL (shown as text, never a link).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ANNOTATION_ADDED",
    "MAX_CITATIONS",
    "MAX_URL",
    "Citation",
    "citation",
    "citations_of",
    "is_web_url",
    "message_citations",
]

ANNOTATION_ADDED = "response.output_text.annotation.added"
MAX_CITATIONS = 1000
MAX_URL = 2048  # what browsers and servers reliably take


@dataclass(frozen=True, slots=True)
class Citation:
    """One cited source: `start` and `end` index the cited span of the answer text."""

    url: str
    title: str
    start: int | None
    end: int | None


def is_web_url(url: str) -> bool:
    """Whether `url` is an http or https URL (the only ones shown as links), of at most
    `MAX_URL` characters, none of them a control character."""
    if len(url) > MAX_URL:
        return False
    head = "".join(url.split()).lower()  # browsers ignore whitespace inside a scheme
    return head.isprintable() and head.startswith(("http://", "https://"))


def citation(annotation: Any, offset: int = 0) -> Citation | None:
    """The `Citation` of one annotation (None unless a `url_citation` with a string URL).

    `offset` shifts its indexes, for a part that follows others in the same message.
    """
    if not isinstance(annotation, dict) or annotation.get("type") != "url_citation":
        return None
    url = annotation.get("url")
    if not isinstance(url, str) or not url:
        return None
    title = annotation.get("title")
    return Citation(
        url=url,
        title=title if isinstance(title, str) else "",
        start=_index(annotation.get("start_index"), offset),
        end=_index(annotation.get("end_index"), offset),
    )


def message_citations(item: dict[str, Any]) -> list[Citation]:
    """The citations of one message item, indexed into the text of all its `output_text`
    parts joined (as `Response.output_text` joins them)."""
    found: dict[Citation, None] = {}  # ordered, and a set: thousands stay linear
    offset = 0
    parts = item.get("content")
    for part in parts if isinstance(parts, list) else ():
        if not isinstance(part, dict) or part.get("type") != "output_text":
            continue
        listed = part.get("annotations")
        for annotation in listed if isinstance(listed, list) else ():
            cited = citation(annotation, offset)
            if cited is not None and len(found) < MAX_CITATIONS:
                found.setdefault(cited)
        text = part.get("text")
        offset += len(text) if isinstance(text, str) else 0
    return list(found)


def citations_of(output: Iterable[Any]) -> list[Citation]:
    """Every citation of the message items in `output`, in order, duplicates dropped.

    Indexes are relative to each message's own text.
    """
    found: dict[Citation, None] = {}
    for item in output:
        if isinstance(item, dict) and item.get("type") == "message":
            found.update(dict.fromkeys(message_citations(item)))
    return list(found)[:MAX_CITATIONS]


def _index(value: Any, offset: int) -> int | None:
    return value + offset if type(value) is int and value >= 0 else None
