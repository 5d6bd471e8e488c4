"""How fast a batch may start requests: `rpm` spacing and one shared pause after a 429.

One `Limiter` per run is shared by every worker. A 429 pauses all of them for its
`Retry-After` (not each worker backing off on its own, which would keep hammering
the server); `rpm` spaces request starts evenly, 60/rpm seconds apart.
"""

from __future__ import annotations

import asyncio

__all__ = ["Limiter"]


class Limiter:
    """Gate every request start through `await limiter.wait()`."""

    def __init__(self, rpm: float | None = None) -> None:
        if rpm is not None and not rpm > 0:
            raise ValueError(f"rpm must be a positive number, not {rpm!r}")
        self.spacing = 60.0 / rpm if rpm else 0.0
        self._next_start = 0.0
        self._resume_at = 0.0

    async def wait(self) -> None:
        """Return when a request may start: after any pause, in its rpm slot."""
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            if self._resume_at > now:
                await asyncio.sleep(self._resume_at - now)
                continue
            slot = max(now, self._next_start)
            if slot > now:
                self._next_start = slot + self.spacing
                await asyncio.sleep(slot - now)
                if self._resume_at > loop.time():
                    continue  # a 429 arrived while this start waited for its slot
                return
            self._next_start = now + self.spacing
            return

    def pause(self, seconds: float) -> None:
        """No request starts for `seconds` from now (a longer pause already set stays)."""
        loop = asyncio.get_running_loop()
        self._resume_at = max(self._resume_at, loop.time() + seconds)
