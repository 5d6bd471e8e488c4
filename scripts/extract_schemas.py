"""Extract the schemas the emulator validates against from OpenRouter's OpenAPI spec.

Loading the full 1.3 MB YAML spec costs seconds at run time, so this script
copies only ``ResponsesRequest``, ``StreamEvents``, ``OpenResponsesResult`` and
``ModelsListResponse`` plus every component schema they reference (transitively)
into a compact JSON file shipped inside the package:
``or_jupyter/emulator/schemas.json``. Documentation-only keys are dropped.

Usage: python scripts/extract_schemas.py [SPEC.yaml] [OUT.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPEC = ROOT / "tests" / "fixtures" / "openrouter-openapi.yaml"
DEFAULT_OUT = ROOT / "or_jupyter" / "emulator" / "schemas.json"
ROOTS = ("ResponsesRequest", "StreamEvents", "OpenResponsesResult", "ModelsListResponse")
PREFIX = "#/components/schemas/"
# Keys that only document: dropping them keeps the file small without changing validation.
DOC_KEYS = {"description", "example", "examples", "x-speakeasy-name-override", "title"}


def refs_in(node: object) -> set[str]:
    """Names of the component schemas that ``node`` refers to directly."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(PREFIX):
            found.add(ref[len(PREFIX) :])
        for value in node.values():
            found |= refs_in(value)
    elif isinstance(node, list):
        for value in node:
            found |= refs_in(value)
    return found


def strip_docs(node: object, in_properties: bool = False) -> object:
    """Copy of ``node`` without documentation-only keys (property names are kept)."""
    if isinstance(node, dict):
        return {
            key: strip_docs(value, key == "properties")
            for key, value in node.items()
            if in_properties or key not in DOC_KEYS
        }
    if isinstance(node, list):
        return [strip_docs(value) for value in node]
    return node


def closure(schemas: dict, roots: tuple[str, ...]) -> dict:
    """The root schemas and all schemas reachable from them through ``$ref``."""
    keep: dict = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep[name] = schemas[name]
        todo.extend(refs_in(schemas[name]) - keep.keys())
    return keep


def extract(spec_path: Path) -> dict:
    """The compact document: ``{"components": {"schemas": {...}}}`` so refs resolve unchanged."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = yaml.load(spec_path.read_text(encoding="utf-8"), Loader=loader)
    kept = closure(spec["components"]["schemas"], ROOTS)
    return {"components": {"schemas": {name: strip_docs(kept[name]) for name in sorted(kept)}}}


def main(argv: list[str]) -> None:
    spec_path = Path(argv[1]) if len(argv) > 1 else DEFAULT_SPEC
    out_path = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    document = extract(spec_path)
    text = json.dumps(document, separators=(",", ":"), sort_keys=True)
    out_path.write_text(text, encoding="utf-8")
    count = len(document["components"]["schemas"])
    print(f"{out_path}: {count} schemas, {out_path.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main(sys.argv)
