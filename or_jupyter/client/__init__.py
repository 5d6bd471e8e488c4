"""The HTTP clients (`Client`, `AsyncClient`), their streams, the retry policy and the
offline switch. They know nothing of notebooks; answers kept by the cache or a cassette
come from `kept/`, below them."""

from .clients import DEFAULT_BASE_URL, AsyncClient, Client
from .offline_mode import offline
from .stream import AsyncResponseStream, ResponseStream

__all__ = [
    "DEFAULT_BASE_URL",
    "AsyncClient",
    "AsyncResponseStream",
    "Client",
    "ResponseStream",
    "offline",
]
