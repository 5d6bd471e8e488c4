"""OpenRouter's routing, emulated: model fallbacks, the routing metadata, and paced models.

A request's candidates are its ``model`` and then its ``models`` list, each once
(OpenRouter tries them in that order). The server answers with the first candidate
that does not fail; ``metadata`` describes that in the spec's ``OpenRouterMetadata``
shape, sent only when the request asks with ``X-OpenRouter-Metadata: enabled``.

Paced models say their pace in their id: ``emulator/pace-<TPS>tps`` streams
``TPS`` tokens per second, and ``emulator/pace-<TPS>tps-ttft<MS>ms`` waits ``MS``
milliseconds before the first token, e.g. ``emulator/pace-40tps-ttft300ms``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

PROVIDER = "Emulator"
METADATA_HEADERS = ("X-OpenRouter-Metadata", "X-OpenRouter-Experimental-Metadata")
MAX_TTFT_MS = 60_000
MIN_TPS, MAX_TPS = 0.01, 1e6
PACE_DEFAULT_TOKENS = 600
_PACE = re.compile(r"emulator/pace-(\d{1,7}(?:\.\d{1,3})?)tps(?:-ttft(\d{1,6})ms)?")


@dataclass(frozen=True)
class Pace:
    """A paced model's tokens per second and its delay before the first token, in seconds."""

    tps: float
    ttft: float


def pace_of(model: str) -> Pace | None:
    """The pace an ``emulator/pace-…`` model id names; None for any other id (or a bad pace)."""
    match = _PACE.fullmatch(model)
    if match is None:
        return None
    tps = float(match[1])
    ttft_ms = int(match[2] or 0)
    if not MIN_TPS <= tps <= MAX_TPS or ttft_ms > MAX_TTFT_MS:
        return None
    return Pace(tps, ttft_ms / 1000)


def candidates(body: dict[str, Any], model: str) -> list[str]:
    """The models to try, in order: ``model``, then the ``models`` list, each once."""
    listed = [m for m in body.get("models") or [] if isinstance(m, str)]
    first = [model] if body.get("model") or not listed else []
    return list(dict.fromkeys([*first, *listed]))


def wants_metadata(headers: Any) -> bool:
    """Whether the request asked for routing metadata (the header, or its legacy name)."""
    return any((headers.get(name) or "").strip().lower() == "enabled" for name in METADATA_HEADERS)


def metadata(tried: list[str], failures: list[tuple[str, int]], served: str) -> dict[str, Any]:
    """``OpenRouterMetadata`` for a request whose candidates were ``tried``.

    ``failures`` are the (model, status) of the candidates that failed before ``served``.
    """
    attempts = [{"provider": PROVIDER, "model": m, "status": s} for m, s in failures]
    attempts.append({"provider": PROVIDER, "model": served, "status": 200})
    return {
        "requested": tried[0],
        "strategy": "fallback" if len(tried) > 1 else "direct",
        "region": None,
        "summary": f"available={len(tried)}, selected={PROVIDER}",
        "attempt": len(attempts),
        "attempts": attempts,
        "is_byok": False,
        "endpoints": {
            "total": len(tried),
            "available": [
                {"model": m, "provider": PROVIDER, "selected": m == served} for m in tried
            ],
        },
    }
