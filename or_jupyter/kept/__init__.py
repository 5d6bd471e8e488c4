"""Answers kept as bytes: the exchange format, the response cache (SQLite) and cassettes
(recorded sessions to replay). The client serves a request from here before the network."""

from .cache import Cache, CacheError
from .cassette import CassetteError, ReplayMissError

__all__ = ["Cache", "CacheError", "CassetteError", "ReplayMissError"]
