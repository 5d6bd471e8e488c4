"""Typed errors, and building them from OpenRouter's error bodies and events.

Every error is an `APIError`, so `except orj.APIError` catches them all. Messages
never contain the API key: they are built only from what the server sent. Each class
has a `hint`: what the user can do about it, in a few words.

    APIError                      .status_code (None when no HTTP status applies), .code,
    |                             .message (full text; str() caps it), .metadata, .hint
    +-- BadRequestError           400, 413, 422
    +-- AuthenticationError       401
    |   +-- MissingAPIKeyError    no key given or found (nothing was sent)
    +-- InsufficientCreditsError  402
    +-- PermissionDeniedError     403 (moderation, guardrails)
    +-- NotFoundError             404
    +-- RequestTimeoutError       408
    +-- RateLimitError            429, .retry_after
    +-- ServerError               5xx
    +-- APIConnectionError        no HTTP response (connection failed or broke)
    |   +-- APITimeoutError       the server took too long
    +-- ProtocolError             not the Responses protocol (e.g. invalid JSON)
    +-- StreamError               the stream broke after it began; .response keeps what arrived
        +-- ResponseFailedError   the server said the response failed (response.failed,
        |                         an error event, a failed non-streamed body)
        +-- StreamTimeoutError    (also an APITimeoutError) the server went silent mid-stream

In-stream failures have `status_code=None`: the HTTP status (200) says nothing about them.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "InsufficientCreditsError",
    "MissingAPIKeyError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProtocolError",
    "RateLimitError",
    "RequestTimeoutError",
    "ResponseFailedError",
    "ServerError",
    "StreamError",
    "StreamTimeoutError",
    "error_for_status",
    "error_from_event",
    "parse_retry_after",
]

HINTS = {
    400: "check the request parameters",
    401: "check your API key (OPENROUTER_API_KEY)",
    402: "add credits at openrouter.ai/settings/credits or pick a free model",
    403: "the input was flagged by moderation or a guardrail",
    404: "check the model id (see `%responses models`)",
    408: "the request timed out; try again",
    413: "the request is too large; shorten the input",
    422: "check the request parameters",
    429: "you are rate limited; wait and retry, or use your own provider key",
    502: "the provider returned an error; try again or another model",
    503: "no provider is available for this model right now; try again later",
}


class APIError(Exception):
    """An error from OpenRouter or on the way to it.

    `status_code` is the HTTP status (None when no response arrived), `code` the
    error code as sent (int or string), `message` OpenRouter's message, `metadata`
    its extra details (e.g. `provider_name`, `raw`).
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: int | str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.code = code if code is not None else status_code
        self.metadata = metadata or {}

    HINT: str | None = None  # a class's own advice; else advice by HTTP status

    @property
    def hint(self) -> str | None:
        """What the user can do about it, in a few words."""
        if self.HINT is not None:
            return self.HINT
        status = self.status_code
        return HINTS.get(status) or (
            "the server failed; try again" if status and status >= 500 else None
        )

    def __str__(self) -> str:
        head = f"{self.status_code}: " if self.status_code else ""
        raw = self.metadata.get("raw")
        detail = f" ({raw})" if isinstance(raw, str) and raw and raw not in self.message else ""
        return f"{head}{self.message}{detail}"


class BadRequestError(APIError):
    """400, 413 or 422: the request was rejected as it stands."""


class AuthenticationError(APIError):
    """401: the API key is missing, wrong or revoked."""


class MissingAPIKeyError(AuthenticationError):
    """No API key was given or found in the environment."""


class InsufficientCreditsError(APIError):
    """402: the account has too few credits for this request."""


class PermissionDeniedError(APIError):
    """403: moderation or a guardrail refused the input."""


class NotFoundError(APIError):
    """404: no such model or endpoint."""


class RequestTimeoutError(APIError):
    """408: the server gave up waiting."""


class RateLimitError(APIError):
    """429: rate limited. `retry_after` is the server's advice in seconds, if any."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(APIError):
    """5xx: OpenRouter or the provider failed."""


class APIConnectionError(APIError):
    """No HTTP response: the connection failed or broke before the response began."""


class APITimeoutError(APIConnectionError):
    """The server took longer than the timeout allows."""


class ProtocolError(APIError):
    """The server sent something that is not the Responses protocol (e.g. invalid JSON)."""


class StreamError(APIError):
    """The stream failed after it began. `response` holds everything received until then."""

    HINT = "the stream broke; what arrived is kept. Try again."

    def __init__(self, message: str, *, response: Any = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.response = response


class ResponseFailedError(StreamError):
    """The server reported that the response failed; `response` holds what arrived."""

    HINT = "the model or its provider failed; try again or another model"


class StreamTimeoutError(StreamError, APITimeoutError):
    """The stream began, then the server went silent for longer than the read timeout."""

    HINT = "the server stopped sending; try again"


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: RequestTimeoutError,
    413: BadRequestError,
    422: BadRequestError,
    429: RateLimitError,
}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header given in seconds; None when absent or a date."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(0.0, seconds)


def error_for_status(status: int, body: bytes, retry_after: str | None = None) -> APIError:
    """The typed error for an HTTP error response with OpenRouter's JSON body (or any body)."""
    code, message, metadata = _parse_error_body(body)
    message = message or f"HTTP {status}"
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else APIError)
    kwargs: dict[str, Any] = {"status_code": status, "code": code, "metadata": metadata}
    if cls is RateLimitError:
        kwargs["retry_after"] = parse_retry_after(retry_after)
    return cls(message, **kwargs)


def error_from_event(data: dict[str, Any]) -> dict[str, Any]:
    """Normalise an in-stream error (flat per spec, nested per docs, or in a chunk) to a dict."""
    nested = data.get("error")
    source = nested if isinstance(nested, dict) else data
    error = {"code": source.get("code"), "message": source.get("message") or "stream error"}
    for key in ("param", "metadata"):
        if source.get(key) is not None:
            error[key] = source[key]
    return error


def _parse_error_body(body: bytes) -> tuple[Any, str, dict[str, Any]]:
    try:
        data = json.loads(body)
    except ValueError:
        return None, body[:300].decode("utf-8", "replace").strip(), {}
    if not isinstance(data, dict):
        return None, str(data)[:300], {}
    error = data.get("error")
    if isinstance(error, str):
        return None, error, {}
    if not isinstance(error, dict):
        error = data
    metadata = error.get("metadata") or data.get("metadata") or {}
    return (
        error.get("code"),
        str(error.get("message") or ""),
        metadata if isinstance(metadata, dict) else {},
    )
