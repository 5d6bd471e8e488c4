"""HTTP errors shaped like OpenRouter's: statuses, JSON bodies and headers.

OpenRouter answers errors before the stream with
``{"error": {"code": <int>, "message": ..., "metadata": {...}}, "user_id": ...}``;
429 and 503 may carry ``Retry-After`` (seconds). Besides the always-failing
``emulator/error-NNN`` models, ``Flaky`` and ``Burst`` fail a request only the
first times they see it (its body, or its model id).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

USER_ID = "user_emulator"
RETRY_AFTER_SECONDS = 1


@dataclass(frozen=True)
class HTTPError:
    """A complete error answer: status, JSON body and extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        return json.dumps(self.body).encode()


def error(
    status: int, message: str, metadata: dict | None = None, headers: dict[str, str] | None = None
) -> HTTPError:
    """An error in OpenRouter's shape."""
    inner: dict[str, Any] = {"code": status, "message": message}
    if metadata:
        inner["metadata"] = metadata
    return HTTPError(status, {"error": inner, "user_id": USER_ID}, headers or {})


def _provider(raw: str) -> dict[str, str]:
    return {"provider_name": "Emulator", "raw": raw}


def model_fault(model: str) -> HTTPError | None:
    """The error an ``emulator/error-NNN`` model always answers with; None for other models."""
    if not model.startswith("emulator/error-"):  # every request asks: spare the others the table
        return None
    retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    faults = {
        "emulator/error-400": error(
            400,
            "Provider returned error",
            _provider("emulator/error-400 rejects every request: invalid_request_error"),
        ),
        "emulator/error-401": error(401, "User not found."),
        "emulator/error-402": error(
            402,
            "Insufficient credits. This account never purchased "
            "credits. Make sure your key is on the correct account or "
            "org, and if so, purchase more at "
            "https://openrouter.ai/settings/credits",
        ),
        "emulator/error-403": error(
            403,
            "emulator/error-403 requires moderation on Emulator. "
            'Your input was flagged for "harassment"',
            {
                "reasons": ["harassment"],
                "flagged_input": "...",
                "provider_name": "Emulator",
                "model_slug": "emulator/error-403",
            },
        ),
        "emulator/error-404": error(404, "No endpoints found for emulator/error-404."),
        "emulator/error-408": error(408, "Timed out waiting for the provider to respond."),
        "emulator/error-429": error(
            429,
            "Provider returned error",
            _provider(
                "emulator/error-429 is temporarily rate-limited upstream. Please retry shortly."
            ),
            retry,
        ),
        "emulator/error-500": error(500, "Internal Server Error"),
        "emulator/error-502": error(
            502,
            "Provider returned error",
            _provider("upstream connect error or disconnect/reset before headers"),
        ),
        "emulator/error-503": error(
            503,
            "No instances available for emulator/error-503.",
            _provider("Service Unavailable"),
            retry,
        ),
    }
    return faults.get(model)


class Flaky:
    """``emulator/flaky``: the first request with a given body fails with 429, a retry passes.

    Keyed by a hash of the request body, per server: a client that retries the
    same request (as SDKs do) succeeds on the second attempt, and concurrent
    tests with different prompts do not disturb each other.
    """

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def fault(self, raw_body: bytes) -> HTTPError | None:
        """429 the first time this body is seen, None afterwards."""
        key = hashlib.sha256(raw_body).hexdigest()
        with self._lock:
            if key in self._seen:
                return None
            self._seen.add(key)
        return error(
            429,
            "Provider returned error",
            _provider(
                "emulator/flaky is rate-limited on the first attempt; retry the same request."
            ),
            {"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


BURST_PREFIX = "emulator/burst-429-"
MAX_BURST = 10_000
_BURST = re.compile(r"emulator/burst-429-(\d{1,5})")


def burst_size(model: str) -> int | None:
    """N for an ``emulator/burst-429-<N>`` id (0 to ``MAX_BURST``); None for any other id."""
    match = _BURST.fullmatch(model)
    if match is None or int(match[1]) > MAX_BURST:
        return None
    return int(match[1])


class Burst:
    """``emulator/burst-429-<N>``: the first N requests to that id (per server) get 429.

    Counted per model id since the server started, whatever the body, so that a
    batch of different rows meets a burst of rate limits and then a clear road.
    """

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()

    def fault(self, model: str) -> HTTPError | None:
        """429 with ``Retry-After`` for the first N requests to a burst model, None afterwards."""
        size = burst_size(model)
        if size is None:
            return None
        with self._lock:
            seen = self._seen.get(model, 0)
            self._seen[model] = seen + 1
        if seen >= size:
            return None
        return error(
            429,
            "Provider returned error",
            _provider(
                f"{model} is rate-limited upstream for its first {size} requests "
                f"(this was request {seen + 1}). Please retry shortly."
            ),
            {"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
