"""The retry policy, once, for the sync and the async client alike.

`retry_delays` is a generator: the first `next()` gives 0 (the first try goes at
once); then send it each failure and it yields the seconds to wait before the
next try, or None when the failure is final. Only failures before the first
byte of a response come here: a stream that has begun is never sent again.
"""

from __future__ import annotations

import random
from collections.abc import Generator

from ..protocol import APIConnectionError, APIError, RateLimitError

__all__ = ["MAX_RETRY_AFTER", "RETRY_STATUSES", "backoff", "retry_delays", "retryable"]

RETRY_STATUSES = frozenset({408, 429})
MAX_RETRY_AFTER = 60.0  # seconds: a longer Retry-After is capped to this
MAX_BACKOFF = 8.0


def retryable(error: APIError) -> bool:
    """Connection failures, 408, 429 and 5xx may succeed when tried again."""
    if isinstance(error, APIConnectionError):
        return True
    status = error.status_code or 0
    return status in RETRY_STATUSES or status >= 500


def retry_delays(max_retries: int) -> Generator[float | None, APIError, None]:
    """Yield 0, then for each failure sent in: the wait before retrying, or None to give up.

    The wait honours a rate limit's `Retry-After` (capped at `MAX_RETRY_AFTER`),
    else backs off exponentially from 0.5 s with jitter (half to full).
    """
    error = yield 0.0
    for attempt in range(max_retries):
        if not retryable(error):
            break
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            delay = min(error.retry_after, MAX_RETRY_AFTER)
        else:
            delay = backoff(attempt)
        error = yield delay
    yield None


def backoff(attempt: int) -> float:
    """Seconds to wait before retry number `attempt` (from 0): 0.5 s doubling, capped, jittered."""
    return min(MAX_BACKOFF, 0.5 * 2**attempt) * random.uniform(0.5, 1.0)
