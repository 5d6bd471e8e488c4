"""Recorded traffic and OpenRouter's spec, for tests that check against them."""

from __future__ import annotations

import json
from functools import cache

from . import FIXTURES


@cache
def openapi_spec() -> dict:
    """The OpenRouter OpenAPI spec, loaded once per test session (it takes a few seconds)."""
    import yaml

    text = (FIXTURES / "openrouter-openapi.yaml").read_text()
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@cache
def spec_validator(schema_name: str):
    """A jsonschema validator for one of the spec's component schemas."""
    from jsonschema import Draft202012Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    registry = Registry().with_resource(
        "urn:openrouter", DRAFT202012.create_resource(openapi_spec())
    )
    schema = {"$ref": f"urn:openrouter#/components/schemas/{schema_name}"}
    return Draft202012Validator(schema, registry=registry)


def recorded(name: str) -> tuple[bytes | dict, dict, dict]:
    """(response body, request, meta) of one recorded exchange, e.g. 'openai-text-stream.0'."""
    meta = json.loads((FIXTURES / f"{name}.meta.json").read_text())
    request = json.loads((FIXTURES / f"{name}.request.json").read_text())
    sse_path = FIXTURES / f"{name}.response.sse"
    body = (
        sse_path.read_bytes()
        if sse_path.exists()
        else json.loads((FIXTURES / f"{name}.response.json").read_text())
    )
    return body, request, meta


def recorded_streams() -> list[str]:
    return sorted(p.name.removesuffix(".response.sse") for p in FIXTURES.glob("*.response.sse"))
