"""`Response`: what a Responses API call produced, as plain data.

Also the shape `Response` reads from output items, used to check streamed items
(`item_problem`) and to clean the output of terminal events and JSON bodies
(`clean_output`), so that no property ever trips over an odd item.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from .citations import Citation, citations_of
from .images import GeneratedImage, response_images
from .routing import attempt_count, served_provider

__all__ = ["FunctionCall", "Response", "Status"]

Status = Literal["completed", "incomplete", "failed", "cancelled", "in_progress"]
STATUS_VALUES: tuple[str, ...] = get_args(Status)

# The item fields `Response` and the accumulator read, and the type each must have
# when present (None always passes: real traffic sends `null` for absent fields).
_STRINGS = ("type", "id")
_STRINGS_BY_TYPE = {"function_call": ("name", "call_id", "arguments")}
_PART_LISTS_BY_TYPE = {"message": ("content",), "reasoning": ("content", "summary")}
_PART_STRINGS = ("type", "text", "refusal")


@dataclass(slots=True)
class FunctionCall:
    """A function call the model asked for. `arguments` is the JSON string as sent."""

    name: str
    call_id: str
    id: str | None
    arguments: str

    def parsed_arguments(self) -> Any:
        """The arguments decoded from JSON (an empty string means no arguments).

        Raises `ValueError` when they are not JSON, nesting too deep included.
        """
        if not self.arguments.strip():
            return {}
        try:
            return json.loads(self.arguments)
        except RecursionError:
            raise ValueError("the arguments are nested too deeply to decode") from None


@dataclass
class Response:
    """A response, final or accumulated so far.

    `output` holds the output items in `output_index` order, JSON-ready and fit to
    send back as input. `openrouter_metadata` is the routing record OpenRouter adds
    when asked (`X-OpenRouter-Metadata: enabled`, which the clients send). Text, reasoning and calls are derived from it, never from
    the server's `output_text` field (which real traffic leaves empty at times).
    """

    id: str | None = None
    model: str | None = None
    status: Status = "in_progress"
    output: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    incomplete_details: dict[str, Any] | None = None
    created_at: float | None = None
    openrouter_metadata: dict[str, Any] | None = None
    cached: bool = False  # answered from the response cache or a cassette: nothing was spent

    @property
    def output_text(self) -> str:
        """The answer: the text of every output message, in order."""
        return self._message_parts("output_text", "text")

    @property
    def reasoning_text(self) -> str:
        """Raw reasoning text and reasoning summaries, paragraphs separated by a blank line."""
        texts = [
            part["text"]
            for item in self._items("reasoning")
            for key in ("content", "summary")
            for part in _parts(item, key)
            if _string(part.get("text"))
        ]
        return "\n\n".join(texts)

    @property
    def refusal(self) -> str:
        """Refusal text, when the model declined."""
        return self._message_parts("refusal", "refusal")

    @property
    def citations(self) -> list[Citation]:
        """The sources the answer cites (`url_citation` annotations): url, title, start, end."""
        return citations_of(self.output)

    @property
    def function_calls(self) -> list[FunctionCall]:
        """The function calls of this response, in output order."""
        return [
            FunctionCall(
                name=_string(item.get("name")),
                call_id=_string(item.get("call_id")) or _string(item.get("id")),
                id=item.get("id") if isinstance(item.get("id"), str) else None,
                arguments=_string(item.get("arguments")),
            )
            for item in self._items("function_call")
        ]

    @property
    def images(self) -> list[GeneratedImage]:
        """The images the model generated (`image_generation_call` items), in output order."""
        return response_images(self.output)

    @property
    def reasoning_hidden(self) -> bool:
        """True when the provider sent reasoning only as `encrypted_content` (nothing to show)."""
        items = list(self._items("reasoning"))
        return (
            bool(items)
            and not self.reasoning_text
            and any(item.get("encrypted_content") for item in items)
        )

    @property
    def cost(self) -> float | None:
        """Cost in USD credits, as OpenRouter reports it in `usage.cost` (None if not a number)."""
        cost = self.usage.get("cost") if isinstance(self.usage, dict) else None
        return float(cost) if _is_number(cost) else None

    @property
    def provider(self) -> str | None:
        """The provider that served the response, from `openrouter_metadata` (None if unknown)."""
        return served_provider(self.openrouter_metadata)

    @property
    def attempts(self) -> int | None:
        """How many attempts OpenRouter's routing took, from `openrouter_metadata`."""
        return attempt_count(self.openrouter_metadata)

    def _items(self, kind: str) -> Iterator[dict[str, Any]]:
        return (item for item in self.output if isinstance(item, dict) and item.get("type") == kind)

    def _message_parts(self, part_type: str, key: str) -> str:
        return "".join(
            _string(part.get(key))
            for item in self._items("message")
            for part in _parts(item, "content")
            if part.get("type") == part_type
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the response's fields."""
        return {
            "id": self.id,
            "model": self.model,
            "status": self.status,
            "output": self.output,
            "output_text": self.output_text,
            "usage": self.usage,
            "error": self.error,
            "incomplete_details": self.incomplete_details,
            "provider": self.provider,
            "openrouter_metadata": self.openrouter_metadata,
        }


def _parts(item: dict[str, Any], key: str) -> Iterator[dict[str, Any]]:
    parts = item.get(key)
    return (
        (part for part in parts if isinstance(part, dict)) if isinstance(parts, list) else iter(())
    )


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# -- the shape of output items ---------------------------------------------------------


def item_problem(item: dict[str, Any]) -> tuple[str, str, Any] | None:
    """The first field of an output item of the wrong type: (path, expected, value), or None."""
    for key in _string_fields(item):
        value = item.get(key)
        if value is not None and not isinstance(value, str):
            return key, "a string", value
    for key in _PART_LISTS_BY_TYPE.get(item.get("type"), ()):
        parts = item.get(key)
        if parts is None:
            continue
        if not isinstance(parts, list):
            return key, "a list", parts
        for position, part in enumerate(parts):
            if not isinstance(part, dict):
                return f"{key}[{position}]", "an object", part
            for name in _PART_STRINGS:
                value = part.get(name)
                if value is not None and not isinstance(value, str):
                    return f"{key}[{position}].{name}", "a string", value
    return None


def clean_output(output: Any) -> list[dict[str, Any]]:
    """Output items cleaned to the shape `Response` reads.

    Items that are not objects are dropped; string fields of another type are
    dropped too, except `arguments`, which is JSON-encoded; content and summary
    lists keep only their object parts, and those lose text fields that are not strings.
    """
    if not isinstance(output, list):
        return []
    return [clean_item(item) for item in output if isinstance(item, dict)]


def clean_item(item: dict[str, Any]) -> dict[str, Any]:
    """One output item cleaned as `clean_output` says (a copy; fine items come back equal)."""
    if item_problem(item) is None:
        return dict(item)
    clean = dict(item)
    if not isinstance(clean.get("type"), (str, type(None))):
        del clean["type"]
    for key in _string_fields(clean):
        value = clean.get(key)
        if value is None or isinstance(value, str):
            continue
        if key == "arguments" and (encoded := _json(value)) is not None:
            clean[key] = encoded
        else:
            del clean[key]
    for key in _PART_LISTS_BY_TYPE.get(clean.get("type"), ()):
        parts = clean.get(key)
        if isinstance(parts, list):
            clean[key] = [_clean_part(part) for part in parts if isinstance(part, dict)]
        elif parts is not None:
            del clean[key]
    return clean


def _clean_part(part: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value
        for key, value in part.items()
        if key not in _PART_STRINGS or value is None or isinstance(value, str)
    }


def _string_fields(item: dict[str, Any]) -> tuple[str, ...]:
    kind = item.get("type")
    return _STRINGS + _STRINGS_BY_TYPE.get(kind, ()) if isinstance(kind, str) else _STRINGS


def _json(value: Any) -> str | None:
    try:
        return json.dumps(value)
    except (ValueError, TypeError, RecursionError):
        return None
