"""Media types of HTTP bodies, read the one way everything here reads them."""

from __future__ import annotations

__all__ = ["is_json", "media_type"]


def media_type(content_type: str) -> str:
    """The media type of a Content-Type header, lower case, without parameters ("" when none)."""
    return content_type.split(";")[0].strip().lower()


def is_json(media: str) -> bool:
    """Whether a media type (as `media_type` gives it) promises JSON."""
    return media == "application/json" or media.endswith("+json")
