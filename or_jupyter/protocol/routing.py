"""OpenRouter routing, pure: provider preferences from text, and what the routing metadata says.

`parse_provider` reads the `--provider` syntax of the magic into the request's
`provider` object (the spec's `ProviderPreferences`): comma-separated `KEY=VALUE`
words, lists joined by `|`, bare flags meaning true, `max_price.prompt=…` for the
price caps. Every mistake is a `ValueError` of one line that lists the valid keys
or values. `served_provider` and `attempt_count` read the `openrouter_metadata`
object (the spec's `OpenRouterMetadata`) without ever raising on odd shapes.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "FLAGS",
    "LISTS",
    "PRICES",
    "PROVIDER_KEYS",
    "attempt_count",
    "fallback_models",
    "parse_provider",
    "served_provider",
]

# The ProviderPreferences fields and the kind of value each takes.
SORTS = ("price", "throughput", "latency", "exacto")
DATA_COLLECTION = ("allow", "deny")
QUANTIZATIONS = (
    "int4",
    "int8",
    "fp4",
    "mxfp4",
    "nvfp4",
    "fp6",
    "fp8",
    "mxfp8",
    "fp16",
    "bf16",
    "fp32",
    "unknown",
)
FLAGS = ("allow_fallbacks", "zdr", "require_parameters", "enforce_distillable_text")
LISTS = ("order", "only", "ignore")
NUMBERS = ("preferred_max_latency", "preferred_min_throughput")
PRICES = ("prompt", "completion", "request", "image", "audio")
PROVIDER_KEYS = (
    "sort",
    *LISTS,
    *FLAGS,
    "data_collection",
    "quantizations",
    *NUMBERS,
    *(f"max_price.{kind}" for kind in PRICES),
)
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


def parse_provider(text: str) -> dict[str, Any]:
    """The `provider` object for `KEY=VALUE[,KEY=VALUE…]`, e.g. `sort=price,only=openai|azure,zdr`.

    Lists (`order`, `only`, `ignore`, `quantizations`) join their items with `|`;
    a bare flag (`zdr`) is true, `zdr=false` is false; `max_price.prompt=1.5` caps
    a price in USD per million tokens (sent as the string the spec asks for).
    An empty text gives `{}`. Raises `ValueError` (one line) for a bad key or value.
    """
    provider: dict[str, Any] = {}
    for word in (w.strip() for w in text.split(",")):
        if not word:
            continue
        key, has_value, value = (part.strip() for part in word.partition("="))
        if key not in PROVIDER_KEYS:
            raise ValueError(f"unknown provider key {key!r}; keys: {', '.join(PROVIDER_KEYS)}")
        if not has_value and key not in FLAGS:
            raise ValueError(f"provider key {key} needs a value: {key}=…")
        if key.startswith("max_price."):
            provider.setdefault("max_price", {})[key.split(".", 1)[1]] = _price(key, value)
        else:
            provider[key] = _value(key, value if has_value else "true")
    return provider


def _value(key: str, value: str) -> Any:
    if key in FLAGS:
        lowered = value.lower()
        if lowered not in _TRUE + _FALSE:
            raise ValueError(f"provider {key} must be true or false (got {value!r})")
        return lowered in _TRUE
    if key == "sort":
        return _one_of(key, value, SORTS)
    if key == "data_collection":
        return _one_of(key, value, DATA_COLLECTION)
    if key in NUMBERS:
        return _number(key, value)
    items = [item.strip() for item in value.split("|") if item.strip()]
    if not items:
        raise ValueError(f"provider {key} needs at least one name, e.g. {key}=openai|anthropic")
    if key == "quantizations":
        for item in items:
            _one_of(key, item, QUANTIZATIONS)
    return items


def _one_of(key: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"provider {key} must be one of {', '.join(allowed)} (got {value!r})")
    return value


def _number(key: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number >= 0):
        raise ValueError(f"provider {key} must be a number >= 0 (got {value!r})")
    return int(number) if number.is_integer() else number


def _price(key: str, value: str) -> str:
    _number(key, value)
    return value


def fallback_models(model: str, fallbacks: list[str]) -> list[str]:
    """The request's `models` list: the model first, then its fallbacks, each once."""
    return list(dict.fromkeys([model, *fallbacks]))


# -- reading OpenRouterMetadata ----------------------------------------------------------


def served_provider(metadata: Any) -> str | None:
    """The provider that served: the selected endpoint's, else the last successful attempt's."""
    if not isinstance(metadata, dict):
        return None
    endpoints = metadata.get("endpoints")
    available = endpoints.get("available") if isinstance(endpoints, dict) else None
    for endpoint in _objects(available):
        if endpoint.get("selected") is True and _name(endpoint.get("provider")):
            return endpoint["provider"]
    for attempt in reversed(_objects(metadata.get("attempts"))):
        if attempt.get("status") == 200 and _name(attempt.get("provider")):
            return attempt["provider"]
    return None


def attempt_count(metadata: Any) -> int | None:
    """How many attempts the request took: the larger of `attempt` and the length of `attempts`."""
    if not isinstance(metadata, dict):
        return None
    attempt = metadata.get("attempt")
    count = max(attempt if type(attempt) is int else 0, len(_objects(metadata.get("attempts"))))
    return count if count > 0 else None


def _objects(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _name(value: Any) -> bool:
    return isinstance(value, str) and bool(value)
