"""JSON Schemas for tool parameters, built by pydantic and adjusted for providers.

Pydantic describes the parameters; this module removes its ``title`` noise, inlines ``$ref``s
(many providers do not resolve them), and, in strict mode, applies OpenAI's strict rules.
"""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Callable
from typing import Any

import pydantic
import pydantic_core

_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def arguments_model(
    func: Callable[..., Any],
    name: str,
    param_docs: dict[str, str],
) -> tuple[list[inspect.Parameter], type[pydantic.BaseModel]]:
    """A pydantic model of the function's parameters (``*args``/``**kwargs`` are left out).

    Fields are named p0, p1... with the parameter names as aliases, so any parameter name works
    (even ``json`` or ``model_config``, which would clash with BaseModel's own attributes).
    Extra arguments are refused, and numbers are accepted for strings.
    """
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError) as e:
        raise TypeError(f"cannot read the signature of tool {name!r}: {e}") from e
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception:  # unresolvable forward references, or not a function
        hints = {}
    params = [p for p in signature.parameters.values() if p.kind not in _VARIADIC]
    fields: dict[str, Any] = {}
    for i, p in enumerate(params):
        annotation = hints.get(p.name, p.annotation)
        info: dict[str, Any] = {"alias": p.name}
        if p.name in param_docs:
            info["description"] = param_docs[p.name]
        default = ... if p.default is p.empty else p.default
        fields[f"p{i}"] = (
            Any if annotation is p.empty else annotation,
            pydantic.Field(default, **info),
        )
    config = pydantic.ConfigDict(extra="forbid", coerce_numbers_to_str=True)
    try:
        model = pydantic.create_model(f"{name}_arguments", __config__=config, **fields)
    except (pydantic.PydanticSchemaGenerationError, pydantic.PydanticUserError, NameError) as e:
        raise TypeError(f"cannot build the schema of tool {name!r}: {first_line(e)}") from e
    return params, model


def base_schema(model: type[pydantic.BaseModel]) -> dict[str, Any]:
    """The non-strict parameters schema: no titles, ``$ref``s inlined, no top-level
    ``additionalProperties`` (several providers reject it; extra arguments are refused anyway)."""
    schema = _inline_refs(_strip_titles(model.model_json_schema()))
    schema.pop("additionalProperties", None)
    return schema


_SCHEMA_MAPS = ("properties", "$defs", "patternProperties")
_SCHEMA_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems")
_SCHEMA_ONE = ("items", "additionalProperties", "not", "contains")


def _map_children(node: dict, f: Callable[[dict], dict]) -> dict:
    """A copy of a schema node with ``f`` applied to each direct subschema (never to data such
    as ``default`` or ``enum``, which may hold keys like "title" that must stay)."""
    out = dict(node)
    for key in _SCHEMA_MAPS:
        if isinstance(node.get(key), dict):
            out[key] = {k: f(s) for k, s in node[key].items()}
    for key in _SCHEMA_LISTS:
        if isinstance(node.get(key), list):
            out[key] = [f(s) for s in node[key]]
    for key in _SCHEMA_ONE:
        if isinstance(node.get(key), dict):
            out[key] = f(node[key])
    return out


def _strip_titles(node: dict) -> dict:
    node = _map_children(node, _strip_titles)
    node.pop("title", None)
    return node


def _inline_refs(schema: dict) -> dict:
    """Replace every ``$ref`` to ``#/$defs/...`` by the definition itself: many providers do not
    resolve references. Recursive types cannot be inlined; only their definitions stay."""
    defs = schema.pop("$defs", {})
    kept: set[str] = set()

    def resolve(node: dict, seen: frozenset[str]) -> dict:
        ref = node.get("$ref", "")
        name = ref.removeprefix("#/$defs/")
        if ref.startswith("#/$defs/") and name in defs:
            if name in seen:
                kept.add(name)
                return node
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            return resolve({**defs[name], **siblings}, seen | {name})
        allof = node.get("allOf")
        if isinstance(allof, list) and len(allof) == 1:  # older pydantic: {"allOf": [{"$ref"}]}
            rest = {k: v for k, v in node.items() if k != "allOf"}
            return resolve({**allof[0], **rest}, seen)
        return _map_children(node, lambda child: resolve(child, seen))

    schema = resolve(schema, frozenset())
    kept_defs: dict[str, dict] = {}
    while kept - kept_defs.keys():
        name = min(kept - kept_defs.keys())
        kept_defs[name] = resolve(defs[name], frozenset({name}))
    if kept_defs:
        schema["$defs"] = kept_defs
    return schema


def strict_schema(node: dict) -> dict:
    """OpenAI's strict rules: on every object all properties required and
    ``additionalProperties: false``; optional ones nullable (null means "use the default", see
    ``drop_nulls``); no ``default`` keyword (it goes into the description instead)."""
    node = _map_children(node, strict_schema)
    default = node.pop("default", None)
    if default is not None:
        shown = json.dumps(pydantic_core.to_jsonable_python(default), ensure_ascii=False)
        node["description"] = f"{node.get('description', '')} (default: {shown})".strip()
    if node.get("type") == "object" or "properties" in node:
        if "properties" not in node:
            raise TypeError(
                "strict mode cannot describe a free-form dict; use a TypedDict, "
                "dataclass or pydantic model, or strict=False"
            )
        required = set(node.get("required", ()))
        node["properties"] = {
            k: s if k in required else _nullable(s) for k, s in node["properties"].items()
        }
        node["required"] = list(node["properties"])
        node["additionalProperties"] = False
    elif not node.keys() & {"type", "anyOf", "enum", "const", "$ref"}:
        raise TypeError(
            "strict mode needs a type for every value (this one is unannotated or "
            "Any); annotate it, or use strict=False"
        )
    return node


def _nullable(schema: dict) -> dict:
    if _accepts_null(schema):
        return schema
    inner = {k: v for k, v in schema.items() if k != "description"}
    out: dict[str, Any] = {"anyOf": [inner, {"type": "null"}]}
    if "description" in schema:
        out["description"] = schema["description"]
    return out


def _accepts_null(schema: dict) -> bool:
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    if None in schema.get("enum", ()) or ("const" in schema and schema["const"] is None):
        return True
    if any(_accepts_null(s) for s in schema.get("anyOf", ())):
        return True
    return not schema.keys() - {"description", "default"}  # {} accepts anything


def drop_nulls(value: Any, schema: dict) -> Any:
    """Drop nulls sent for optional fields that do not accept null, so their defaults apply.

    Models often send null for "not given", and strict schemas make every optional field
    nullable for exactly that purpose."""
    if isinstance(value, dict):
        shape = next((s for s in [schema, *schema.get("anyOf", ())] if "properties" in s), None)
        if shape is None:
            return value
        props, required = shape["properties"], set(shape.get("required", ()))
        return {
            k: drop_nulls(v, props.get(k, {}))
            for k, v in value.items()
            if not (v is None and k in props and k not in required and not _accepts_null(props[k]))
        }
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [drop_nulls(v, schema["items"]) for v in value]
    return value


def first_line(e: BaseException) -> str:
    return str(e).strip().split("\n", 1)[0]
