"""The account, emulated: ``GET /credits``, ``GET /key``, ``GET /generation``, presets and
the prompt cache.

Deterministic: the account starts with ``CREDITS`` dollars and nothing used; every answer
the server finishes adds its ``usage.cost`` to the usage and is kept (the last
``KEPT_GENERATIONS``) for ``/generation?id=``. A key containing ``limited`` is a key
without the right to read the account: ``/credits`` and ``/key`` answer it 403, as
OpenRouter answers a key that is not a management key.

Presets (``model: "@preset/SLUG"``) resolve to the model in ``PRESETS``; an unknown slug
is a 404. The prompt cache: a request carrying a caching hint (top-level ``cache_control``
or ``prompt_cache_key``) is remembered; a later hinted request whose input starts with a
remembered one (the same instructions and tools, the same first items) reports those
items' tokens as ``cached_tokens``.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from typing import Any

from . import tokens

__all__ = ["Account", "PRESETS", "preset_model"]

CREDITS = 10.0
KEY_LIMIT = 5.0
KEPT_GENERATIONS = 1000
KEPT_PREFIXES = 1000
PRESETS = {
    "emulator-echo": "emulator/echo",
    "emulator-assistant": "emulator/assistant",
}
FORBIDDEN = "Only management keys can perform this operation (emulator: keys containing 'limited')"


def preset_model(model: str) -> str | None:
    """The model a ``@preset/SLUG`` id resolves to (None for an unknown slug)."""
    return PRESETS.get(model.removeprefix("@preset/"))


class Account:
    """What the server's answers have used, its generations and its prompt cache."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.usage = 0.0
        self._generations: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._prefixes: OrderedDict[str, int] = OrderedDict()

    # -- answers ----------------------------------------------------------------------------

    def cached_tokens(self, body: dict[str, Any]) -> int:
        """Input tokens a hinted request reads from the cache; remembers its input."""
        if not body.get("cache_control") and not body.get("prompt_cache_key"):
            return 0
        items = body.get("input")
        items = items if isinstance(items, list) else [items]
        digests = _prefix_digests(body, items)
        with self._lock:
            found = 0
            for length, digest in enumerate(digests, start=1):
                if digest in self._prefixes:
                    found = length
            self._prefixes[digests[-1]] = len(items)
            while len(self._prefixes) > KEPT_PREFIXES:
                self._prefixes.popitem(last=False)
        if not found:
            return 0
        return tokens.input_count({**body, "input": items[:found]})

    def finished(self, response: Any, requested: str, streamed: bool) -> None:
        """Count a finished response's cost and keep its stats for ``/generation``."""
        if not isinstance(response, dict) or not isinstance(response.get("id"), str):
            return
        usage = response.get("usage") or {}
        cost = float(usage.get("cost") or 0)
        stats = _generation(response, usage, requested, streamed)
        with self._lock:
            self.usage += cost
            self._generations[response["id"]] = stats
            while len(self._generations) > KEPT_GENERATIONS:
                self._generations.popitem(last=False)

    # -- the account routes -----------------------------------------------------------------

    def credits(self) -> dict[str, Any]:
        return {"data": {"total_credits": CREDITS, "total_usage": round(self.usage, 12)}}

    def key(self) -> dict[str, Any]:
        used = round(self.usage, 12)
        return {
            "data": {
                "label": "emulator key",
                "limit": KEY_LIMIT,
                "limit_remaining": round(max(KEY_LIMIT - used, 0.0), 12),
                "limit_reset": None,
                "include_byok_in_limit": False,
                "usage": used,
                "usage_daily": used,
                "usage_weekly": used,
                "usage_monthly": used,
                "byok_usage": 0,
                "byok_usage_daily": 0,
                "byok_usage_weekly": 0,
                "byok_usage_monthly": 0,
                "is_free_tier": False,
                "is_management_key": False,
                "is_provisioning_key": False,
                "creator_user_id": None,
                "expires_at": None,
                "rate_limit": {
                    "requests": -1,
                    "interval": "10s",
                    "note": "This field is deprecated and safe to ignore.",
                },
            }
        }

    def generation(self, generation_id: str) -> dict[str, Any] | None:
        with self._lock:
            stats = self._generations.get(generation_id)
        return None if stats is None else {"data": stats}


def _prefix_digests(body: dict[str, Any], items: list[Any]) -> list[str]:
    """One digest per prefix of the input (1 item, 2 items, ...), after its instructions and tools."""
    running = hashlib.sha256(
        json.dumps([body.get("instructions"), body.get("tools")], sort_keys=True).encode()
    )
    digests = []
    for item in items:
        running.update(json.dumps(item, sort_keys=True).encode())
        digests.append(running.copy().hexdigest())
    return digests


def _generation(
    response: dict[str, Any], usage: dict[str, Any], requested: str, streamed: bool
) -> dict[str, Any]:
    """The spec's ``GenerationResponse.data`` for a finished response."""
    details = usage.get("input_tokens_details") or {}
    output_details = usage.get("output_tokens_details") or {}
    cost = usage.get("cost") or 0
    prompt, completion = usage.get("input_tokens") or 0, usage.get("output_tokens") or 0
    preset = requested.removeprefix("@preset/") if requested.startswith("@preset/") else None
    return {
        "id": response["id"],
        "upstream_id": None,
        "total_cost": cost,
        "cache_discount": None,
        "upstream_inference_cost": None,
        "created_at": _iso(response.get("created_at")),
        "model": response.get("model"),
        "app_id": None,
        "streamed": streamed,
        "cancelled": False,
        "provider_name": "Emulator",
        "latency": 0,
        "moderation_latency": None,
        "generation_time": 0,
        "finish_reason": "stop" if response.get("status") == "completed" else "length",
        "service_tier": None,
        "tokens_prompt": prompt,
        "tokens_completion": completion,
        "native_tokens_prompt": prompt,
        "native_tokens_completion": completion,
        "native_tokens_completion_images": None,
        "native_tokens_reasoning": output_details.get("reasoning_tokens") or 0,
        "native_tokens_cached": details.get("cached_tokens") or 0,
        "num_media_prompt": None,
        "num_input_audio_prompt": None,
        "num_media_completion": None,
        "num_search_results": None,
        "num_fetches": None,
        "web_search_engine": None,
        "origin": "",
        "usage": cost,
        "is_byok": False,
        "native_finish_reason": None,
        "external_user": None,
        "api_type": "completions",  # the spec knows no "responses" type
        "preset_id": preset,
        "router": None,
        "provider_responses": None,
        "user_agent": None,
        "http_referer": None,
        "data_region": "global",
        "workspace_id": None,
    }


def _iso(created: Any) -> str:
    import datetime

    seconds = created if isinstance(created, (int, float)) else 0
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).isoformat()
