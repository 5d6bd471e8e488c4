"""HTTP clients for OpenRouter's Responses API: `Client` (sync) and `AsyncClient`.

They know nothing of notebooks. Retries happen only before the first byte of a
response: a stream that has begun is never sent again.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections.abc import Generator
from typing import Any

import httpx

from . import __version__
from .protocol import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    MissingAPIKeyError,
    RateLimitError,
    Response,
    ResponseFailedError,
    error_for_status,
    request_body,
    response_from_json,
)
from .stream import AsyncResponseStream, ResponseStream

__all__ = ["AsyncClient", "Client", "DEFAULT_BASE_URL", "offline_requested"]

DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
DEFAULT_TIMEOUT = httpx.Timeout(120.0, connect=10.0)
RETRY_STATUSES = frozenset({408, 429})
MAX_RETRY_AFTER = 60.0
MISSING_KEY = (
    "No OpenRouter API key: set the OPENROUTER_API_KEY environment variable, pass "
    "Client(api_key=...), run `%responses key` in a notebook, or use offline mode "
    "(OR_JUPYTER_OFFLINE=1)."
)


class _BearerAuth(httpx.Auth):
    """Adds the key to each request; its repr never shows the key."""

    def __init__(self, key: str) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._key}"
        yield request

    def __repr__(self) -> str:
        return "<bearer auth, key hidden>"


def offline_requested() -> bool:
    """True when `OR_JUPYTER_OFFLINE` asks for the emulator (set by `orj.offline()` too)."""
    return os.environ.get("OR_JUPYTER_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


class _ClientBase:
    """Configuration shared by both clients: key, base URL, headers, retry policy."""

    def __init__(
        self,
        api_key: str | None,
        base_url: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        app_title: str | None,
        app_url: str | None,
        offline: bool | None,
    ) -> None:
        self.offline = offline_requested() if offline is None else offline
        if self.offline:
            from .emulator import shared

            base_url, api_key = shared().base_url, "offline"
        key = api_key or os.environ.get("OPENROUTER_API_KEY") or None
        self._auth = _BearerAuth(key) if key else None
        self.base_url = (
            base_url or os.environ.get("OPENROUTER_BASE_URL") or DEFAULT_BASE_URL
        ).rstrip("/")
        self.timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        self.max_retries = max_retries
        self.headers = {"User-Agent": f"or_jupyter/{__version__}"}
        title = app_title or "or_jupyter"
        self.headers["X-OpenRouter-Title"] = self.headers["X-Title"] = title
        if app_url:
            self.headers["HTTP-Referer"] = app_url

    def __repr__(self) -> str:
        key = "set" if self._auth else "missing"
        mode = ", offline" if self.offline else ""
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key={key}{mode})"

    def _prepare(
        self, params: dict[str, Any], stream: bool
    ) -> tuple[str, dict[str, Any], dict[str, str]]:
        if self._auth is None:
            raise MissingAPIKeyError(MISSING_KEY, status_code=None)
        headers = dict(self.headers)
        if stream:
            headers["Accept"] = "text/event-stream"
        return f"{self.base_url}/responses", request_body(params, stream=stream), headers

    def _retry_delay(self, attempt: int, error: APIError) -> float | None:
        """Seconds to wait before retry number `attempt + 1`, or None to give up."""
        if attempt >= self.max_retries or not _retryable(error):
            return None
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            return min(error.retry_after, MAX_RETRY_AFTER)
        return min(8.0, 0.5 * 2**attempt) * random.uniform(0.5, 1.0)

    def _error(self, response: httpx.Response, body: bytes) -> APIError:
        return error_for_status(response.status_code, body, response.headers.get("retry-after"))


def _retryable(error: APIError) -> bool:
    if isinstance(error, APIConnectionError):
        return True
    status = error.status_code or 0
    return status in RETRY_STATUSES or status >= 500


def _transport_error(exc: httpx.HTTPError) -> APIError:
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"the request timed out ({type(exc).__name__})")
    return APIConnectionError(f"could not reach the server ({type(exc).__name__}: {exc})")


def _models(body: bytes) -> list[dict[str, Any]]:
    data = json.loads(body)
    return data.get("data", []) if isinstance(data, dict) else data


def _final(response: Response) -> Response:
    if response.status == "failed":
        error = response.error or {}
        raise ResponseFailedError(
            error.get("message") or "the response failed",
            status_code=None,
            code=error.get("code"),
            response=response,
        )
    return response


class Client(_ClientBase):
    """Synchronous client. See DESIGN.md for the contract; `stream()` is the main entry point.

    `api_key` defaults to `$OPENROUTER_API_KEY`, `base_url` to `$OPENROUTER_BASE_URL`
    or OpenRouter. `http_client` lets you bring your own `httpx.Client` (proxies,
    transports); it is not closed by `close()`. `offline=True` (or
    `OR_JUPYTER_OFFLINE=1`) routes everything to the in-process emulator.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        http_client: httpx.Client | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 2,
        app_title: str | None = None,
        app_url: str | None = None,
        offline: bool | None = None,
    ) -> None:
        super().__init__(api_key, base_url, timeout, max_retries, app_title, app_url, offline)
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=self.timeout)

    def stream(self, **params: Any) -> ResponseStream:
        """Start a streamed response; use as `with client.stream(...) as stream: for event in stream`."""
        url, body, headers = self._prepare(params, stream=True)
        return ResponseStream(lambda: self._send("POST", url, body, headers))

    def create(self, **params: Any) -> Response:
        """A non-streaming response. Raises `StreamError` if the response failed."""
        url, body, headers = self._prepare(params, stream=False)
        response = self._send("POST", url, body, headers)
        try:
            data = json.loads(response.read())
        finally:
            response.close()
        return _final(response_from_json(data))

    def models(self) -> list[dict[str, Any]]:
        """OpenRouter's model catalogue (`GET /models`): a list of model dicts."""
        response = self._send("GET", f"{self.base_url}/models", None, dict(self.headers))
        try:
            return _models(response.read())
        finally:
            response.close()

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _send(self, method: str, url: str, body: Any, headers: dict[str, str]) -> httpx.Response:
        """Send with retries; return an open, successful response (body not yet read)."""
        attempt = 0
        while True:
            request = self._http.build_request(method, url, json=body, headers=headers)
            try:
                response = self._http.send(request, stream=True, auth=self._auth)
            except httpx.HTTPError as exc:
                error, cause = _transport_error(exc), exc
            else:
                if response.status_code < 400:
                    return response
                try:
                    error, cause = self._error(response, response.read()), None
                finally:
                    response.close()
            delay = self._retry_delay(attempt, error)
            if delay is None:
                raise error from cause
            time.sleep(delay)
            attempt += 1


class AsyncClient(_ClientBase):
    """Asynchronous client, the same surface as `Client` with `await` / `async with`."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 2,
        app_title: str | None = None,
        app_url: str | None = None,
        offline: bool | None = None,
    ) -> None:
        super().__init__(api_key, base_url, timeout, max_retries, app_title, app_url, offline)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=self.timeout)

    def stream(self, **params: Any) -> AsyncResponseStream:
        """Start a streamed response: `async with client.stream(...) as s: async for event in s`."""
        url, body, headers = self._prepare(params, stream=True)
        return AsyncResponseStream(lambda: self._send("POST", url, body, headers))

    async def create(self, **params: Any) -> Response:
        """A non-streaming response. Raises `StreamError` if the response failed."""
        url, body, headers = self._prepare(params, stream=False)
        response = await self._send("POST", url, body, headers)
        try:
            data = json.loads(await response.aread())
        finally:
            await response.aclose()
        return _final(response_from_json(data))

    async def models(self) -> list[dict[str, Any]]:
        """OpenRouter's model catalogue (`GET /models`): a list of model dicts."""
        response = await self._send("GET", f"{self.base_url}/models", None, dict(self.headers))
        try:
            return _models(await response.aread())
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _send(
        self, method: str, url: str, body: Any, headers: dict[str, str]
    ) -> httpx.Response:
        attempt = 0
        while True:
            request = self._http.build_request(method, url, json=body, headers=headers)
            try:
                response = await self._http.send(request, stream=True, auth=self._auth)
            except httpx.HTTPError as exc:
                error, cause = _transport_error(exc), exc
            else:
                if response.status_code < 400:
                    return response
                try:
                    error, cause = self._error(response, await response.aread()), None
                finally:
                    await response.aclose()
            delay = self._retry_delay(attempt, error)
            if delay is None:
                raise error from cause
            await asyncio.sleep(delay)
            attempt += 1
