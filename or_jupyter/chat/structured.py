"""Structured output: a JSON Schema or pydantic model as `text.format`, and parsing the answer."""

from __future__ import annotations

import json
import re
from typing import Any

import pydantic

from ..tools import base_schema, strict_schema

__all__ = ["parse_structured", "text_format"]


def _is_model(schema: Any) -> bool:
    return isinstance(schema, type) and issubclass(schema, pydantic.BaseModel)


def text_format(schema: Any, name: str | None = None) -> dict[str, Any]:
    """The request's `text` parameter asking for JSON that follows `schema`.

    A pydantic model becomes a strict JSON Schema (every property required,
    no extra properties), as OpenAI's structured outputs need; a dict is sent as given.
    """
    if _is_model(schema):
        name = name or schema.__name__
        schema = strict_schema(base_schema(schema))
    elif not isinstance(schema, dict):
        raise TypeError(
            f"a schema must be a JSON Schema dict or a pydantic model, not {type(schema).__name__}"
        )
    safe_name = re.sub(r"[^A-Za-z0-9_-]", "_", name or str(schema.get("title") or "answer"))[:64]
    return {"format": {"type": "json_schema", "name": safe_name, "schema": schema, "strict": True}}


def parse_structured(text: str, schema: Any) -> Any:
    """The answer's JSON: a model instance for a pydantic model, plain data for a dict schema.

    Tolerates a Markdown code fence around the JSON, which some models add.
    """
    stripped = text.strip()
    fence = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", stripped, re.S)
    if fence:
        stripped = fence.group(1)
    if _is_model(schema):
        return schema.model_validate_json(stripped)
    return json.loads(stripped)
