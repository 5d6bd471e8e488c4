"""Which offered tools the scripted assistant calls, and with which arguments.

Rules (documented in README.md): a forced tool (``tool_choice`` naming a
function) is always called; otherwise every offered function whose name appears
in the last user message is called (an MCP tool offered as ``SERVER__tool`` also when
just ``tool`` appears), in the order the names appear (only the
first when ``parallel_tool_calls`` is false); ``"required"`` with no name in the
message calls the first tool; ``"none"`` calls nothing. Each argument comes from
a ``name=value`` or ``name: value`` pair in the message (an unquoted value
ends at a comma, semicolon, line end, `` and `` or the next pair), else from
the parameter's JSON Schema.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SCALAR_DEFAULTS: dict[str, Any] = {"integer": 0, "number": 0, "boolean": False, "null": None}
_FORMAT_EXAMPLES = {
    "date": "2025-01-01",
    "date-time": "2025-01-01T12:00:00Z",
    "time": "12:00:00",
    "email": "user@example.com",
    "uri": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def choose(tools: list[dict], tool_choice: Any, parallel: bool, prompt: str) -> list[dict]:
    """The tools to call, in call order."""
    if tool_choice == "none" or not tools:
        return []
    if isinstance(tool_choice, dict) and tool_choice.get("type") == "function":
        return [tool for tool in tools if tool["name"] == tool_choice.get("name")][:1]
    positions = {}
    for tool in tools:
        found = _named(tool["name"], prompt)
        if found is None and "__" in tool["name"]:  # an MCP tool, SERVER__tool: "tool" will do
            found = _named(tool["name"].rsplit("__", 1)[1], prompt)
        if found is not None:
            positions[tool["name"]] = found
    named = sorted(
        (tool for tool in tools if tool["name"] in positions),
        key=lambda tool: positions[tool["name"]],
    )
    if not named and tool_choice == "required":
        named = tools[:1]
    return named if parallel else named[:1]


def _named(name: str, prompt: str) -> int | None:
    """Where `name` stands as a word in the prompt (None if it does not)."""
    found = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", prompt, re.IGNORECASE)
    return found.start() if found else None


def arguments(tool: dict, prompt: str) -> str:
    """The JSON arguments string for a call of ``tool`` prompted by ``prompt``."""
    return json.dumps(fill(tool.get("parameters") or {}, prompt), ensure_ascii=False)


def fill(schema: dict, prompt: str) -> Any:
    """A value for an object schema: properties named in the prompt, required ones from the schema.

    Used for tool arguments and for structured output (``text.format`` ``json_schema``).
    """
    resolved = _resolve(schema, schema)
    if _first_type(resolved) == "object" or "properties" in resolved:
        return _object_value(resolved, schema, prompt)
    return example(schema, schema)


def _object_value(schema: dict, root: dict, prompt: str | None) -> dict:
    """Required properties plus any given in the prompt (all of them when strict-like)."""
    properties = schema.get("properties") or {}
    required = set(schema["required"]) if "required" in schema else set(properties)
    result = {}
    for name, prop in properties.items():
        given = _given(name, prompt) if prompt is not None else None
        if given is not None:
            result[name] = _coerce(given, _resolve(prop, root), root)
        elif name in required:
            result[name] = example(prop, root)
    return result


def _given(name: str, prompt: str) -> str | None:
    """The value written as ``name=value`` or ``name: value`` in the prompt, if any."""
    pattern = (
        rf"(?<![\w-]){re.escape(name)}\s*[:=]\s*"
        r"(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>[^,;\n]*?)"
        r"(?=\s*(?:[,;\n]|$)|[.?!:](?:\s|$)|\s+and\s|\s+[A-Za-z_][\w-]*\s*[:=]))"
    )
    match = re.search(pattern, prompt)
    if not match:
        return None
    if match.group("dq") is not None or match.group("sq") is not None:
        return match.group("dq") if match.group("dq") is not None else match.group("sq")
    bare = match.group("bare").strip().rstrip(".?!")
    return bare or None


def _coerce(text: str, schema: dict, root: dict) -> Any:
    """The prompt's text as a value of the schema's type (the schema's example if it can't be)."""
    kind = _first_type(schema)
    try:
        if "enum" in schema:
            for option in schema["enum"]:
                if str(option).lower() == text.lower():
                    return option
            return example(schema, root)
        if kind == "integer":
            return int(text)
        if kind == "number":
            value = float(text)
            return int(value) if value.is_integer() else value
        if kind == "boolean":
            return text.lower() in ("true", "yes", "1", "on")
        if kind in ("array", "object"):
            return json.loads(text)
    except (ValueError, json.JSONDecodeError):
        return example(schema, root)
    return text


def example(schema: Any, root: dict) -> Any:
    """A valid value for a JSON Schema: const, first enum value, default, example, else by type."""
    schema = _resolve(schema, root)
    if not isinstance(schema, dict):
        return None
    for key in ("const", "default"):
        if key in schema:
            return schema[key]
    if schema.get("enum"):
        return schema["enum"][0]
    if schema.get("examples"):
        return schema["examples"][0]
    if "example" in schema:
        return schema["example"]
    for key in ("anyOf", "oneOf"):
        options = [o for o in schema.get(key, []) if _first_type(_resolve(o, root)) != "null"]
        if options:
            return example(options[0], root)
    if schema.get("allOf"):
        merged: dict = {}
        for part in schema["allOf"]:
            merged.update(_resolve(part, root))
        return example(merged, root)
    kind = _first_type(schema)
    if kind == "string":
        text = _FORMAT_EXAMPLES.get(schema.get("format", ""), "example")
        return text.ljust(schema.get("minLength", 0), "x")
    if kind in ("integer", "number"):
        if "minimum" in schema:
            return schema["minimum"]
        return schema["exclusiveMinimum"] + 1 if "exclusiveMinimum" in schema else 0
    if kind == "array":
        return [example(schema.get("items", {}), root) for _ in range(schema.get("minItems", 0))]
    if kind == "object" or "properties" in schema:
        return _object_value(schema, root, None)
    return _SCALAR_DEFAULTS.get(kind or "")


def _first_type(schema: dict) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"] or kind
        return kinds[0] if kinds else None
    return kind


def _resolve(schema: Any, root: dict) -> Any:
    """Follow a local ``$ref`` (``#/$defs/X``, ``#/definitions/X``) within the tool's schema."""
    seen = 0
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < 20:
        target: Any = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        seen += 1
    return schema
