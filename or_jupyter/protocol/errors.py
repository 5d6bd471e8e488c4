"""Typed errors, and building them from OpenRouter's error bodies and events.

Every error is an `APIError`, so `except orj.APIError` catches them all::

    APIError                        anything from OpenRouter or on the way to it
    ├── BadRequestError             400, 413, 422: the request was rejected as it stands
    ├── AuthenticationError         401: the key is missing, wrong or revoked
    │   └── MissingAPIKeyError      no key was given or found (nothing was sent)
    ├── InsufficientCreditsError    402
    ├── PermissionDeniedError       403: moderation or a guardrail
    ├── NotFoundError               404: no such model or endpoint
    ├── RequestTimeoutError         408
    ├── RateLimitError              429 (.retry_after)
    ├── ServerError                 5xx
    ├── RedirectError               3xx, which is not followed (.location)
    ├── SecretInRequestError        the request holds the API key (.path; nothing was sent)
    ├── BudgetExceededError         the session's spend reached its budget (nothing was sent)
    ├── ProtocolError               the server answered, but not in the Responses protocol
    │   ├── UnexpectedContentError  HTML, invalid JSON or another body where JSON/SSE was due
    │   └── ResponseTooLargeError   a body over the size the client reads
    ├── APIConnectionError          no whole answer: connecting, sending or reading a body failed
    │   └── APITimeoutError         the server took longer than the timeout
    │       └── StreamTimeoutError  (also a StreamError) silent mid-stream
    └── StreamError                 the stream broke after it began (.response: what arrived)
        ├── ResponseFailedError     the server reported the response failed
        ├── EventTooLargeError      one SSE event over the size the client reads
        └── StreamTimeoutError

`status_code` is the HTTP status, or None when no HTTP status applies (no response,
a local refusal, or a failure inside a stream). `hint` says what the user can do;
an error caused by the request's size (`too_large`: HTTP 413, or a provider's
"context length exceeded" in any of its shapes) names the ways to shrink a conversation.
Messages never contain the API key: they are built only from what the server sent
(the client hides a key the server echoes), and no httpx exception is chained in.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExceededError",
    "EventTooLargeError",
    "InsufficientCreditsError",
    "MissingAPIKeyError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProtocolError",
    "RateLimitError",
    "RedirectError",
    "RequestTimeoutError",
    "ResponseFailedError",
    "ResponseTooLargeError",
    "SecretInRequestError",
    "ServerError",
    "StreamError",
    "StreamTimeoutError",
    "UnexpectedContentError",
    "error_for_status",
    "error_from_event",
    "failed_body_error",
    "too_large",
    "parse_retry_after",
    "printable",
    "snippet",
]

HINTS = {
    400: "check the request parameters",
    401: "check your API key (OPENROUTER_API_KEY)",
    402: "add credits at openrouter.ai/settings/credits or pick a free model",
    403: "the input was flagged by moderation or a guardrail",
    404: "check the model id (see `%responses models`)",
    408: "the request timed out; try again",
    422: "check the request parameters",
    429: "you are rate limited; wait and retry, or use your own provider key",
    502: "the provider returned an error; try again or another model",
    503: "no provider is available for this model right now; try again later",
}
SIZE_HINT = (
    "the conversation is too long for the model: start afresh with `%responses reset` "
    "(or `-n` on the cell), drop the oldest turns with `%responses config history_limit=auto`, "
    "let the server truncate with `%responses config truncation=auto`, or shorten the input"
)
# Error codes for a request over the model's context or the server's size limit:
# OpenAI's `code`, OpenRouter's `metadata.error_type` (the spec's ApiErrorType).
_SIZE_CODES = {"context_length_exceeded", "payload_too_large"}
_SIZE_WORDS = re.compile(
    r"context[ _-]?(?:length|window)|prompt is too long|input is too long|too many (?:input )?tokens"
    r"|exceeds the maximum number of tokens|request (?:body )?(?:entity )?too large"
    r"|payload too large|reduce the length of the (?:messages|input|prompt)",
    re.IGNORECASE,
)
SHOWN_LIMIT = 2000  # characters of `message` that `str()` shows
SNIPPET_LIMIT = 200  # characters of a non-JSON body that become the message


class APIError(Exception):
    """An error from OpenRouter or on the way to it.

    `status_code` is the HTTP status (None when none applies), `code` the error
    code as sent (int or string), `message` the server's message in full,
    `metadata` its extra details (e.g. `provider_name`, `raw`).
    """

    HINT: str | None = None  # a class's own advice; else advice by HTTP status

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

    @property
    def hint(self) -> str | None:
        """What the user can do about it, in a few words."""
        if too_large(self):
            return SIZE_HINT
        if self.HINT is not None:
            return self.HINT
        status = self.status_code
        return HINTS.get(status) or (
            "the server failed; try again" if status and status >= 500 else None
        )

    def __str__(self) -> str:
        status = self.status_code
        head = f"{status}: " if status and not 200 <= status < 300 else ""
        message = self.message
        if len(message) > SHOWN_LIMIT:
            extra = len(message) - SHOWN_LIMIT
            message = f"{message[:SHOWN_LIMIT]}… [truncated {extra:,} characters]"
        raw = self.metadata.get("raw")
        detail = (
            f" ({raw[:SHOWN_LIMIT]})" if isinstance(raw, str) and raw and raw not in message else ""
        )
        return f"{head}{message}{detail}"


class BadRequestError(APIError):
    """400, 413 or 422: the request was rejected as it stands."""


class AuthenticationError(APIError):
    """401: the API key is missing, wrong or revoked."""


class MissingAPIKeyError(AuthenticationError):
    """No API key was given or found in the environment; nothing was sent."""

    HINT = "set OPENROUTER_API_KEY or run `%responses key`"


class BudgetExceededError(APIError):
    """The kernel's spend reached the budget set with `orj.set_budget` (or
    `%responses config budget=`): the send was refused before anything was sent."""

    HINT = "raise the budget with `%responses config budget=DOLLARS` or `orj.set_budget(DOLLARS)`"


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


class RedirectError(APIError):
    """3xx: the server redirected; the client does not follow. `location` is where to."""

    HINT = "point base_url at the address the server redirects to"

    def __init__(self, message: str, *, location: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.location = location

    def __str__(self) -> str:
        where = f" (Location: {self.location})" if self.location else ""
        return f"{super().__str__()}{where}"


class SecretInRequestError(APIError):
    """The request holds the API key it would authenticate with; nothing was sent.

    `path` is where it was found, e.g. `input[0].content` or `headers["X-Title"]`.
    """

    HINT = "remove the API key from the input; it would reach the model"

    def __init__(self, message: str, *, path: str = "", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.path = path


class ProtocolError(APIError):
    """The server sent something that is not the Responses protocol (e.g. invalid JSON)."""

    HINT = "the server's answer is not OpenRouter's; check base_url"


class UnexpectedContentError(ProtocolError):
    """A body that is not what was asked for: HTML, invalid JSON, or JSON of the wrong shape.

    `content_type` is what the server declared; `message` the start of the body.
    """

    def __init__(self, message: str, *, content_type: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.content_type = content_type


class ResponseTooLargeError(ProtocolError):
    """A body larger than the client reads (`limit` bytes); the rest was not read."""

    HINT = "the body was too large to read; ask for less output"

    def __init__(self, message: str, *, limit: int = 0, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.limit = limit


class APIConnectionError(APIError):
    """No HTTP response: the connection failed or broke before the response began."""

    HINT = "check the network and base_url; try again"


class APITimeoutError(APIConnectionError):
    """The server took longer than the timeout allows."""

    HINT = "try again, or raise the timeout"


class StreamError(APIError):
    """The stream failed after it began. `response` holds everything received until then."""

    HINT = "the stream broke; what arrived is kept. Try again."

    def __init__(self, message: str, *, response: Any = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.response = response


class ResponseFailedError(StreamError):
    """The server reported that the response failed: a `response.failed` or `error` event,
    or a non-streamed body with status `failed` or an `error` object."""

    HINT = "the model or provider failed; try again or another model"


class EventTooLargeError(StreamError):
    """One SSE event grew past the size the client reads; the stream was stopped."""

    HINT = "an event was too large to read; ask for less output"


class StreamTimeoutError(StreamError, APITimeoutError):
    """The stream began, then the server went silent for longer than the read timeout."""

    HINT = "the server went silent; what arrived is kept. Try again or raise the timeout."


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
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


def too_large(error: APIError) -> bool:
    """Whether the request was refused for its size: HTTP 413, or the model's context
    exceeded (by code, `metadata.error_type`, or the words providers use for it).

    A body too large for the client to read (`ResponseTooLargeError`, an event) is the
    answer's size, not the request's, and is not counted.
    """
    if isinstance(error, (ResponseTooLargeError, EventTooLargeError)):
        return False
    if error.status_code == 413:
        return True
    metadata = error.metadata if isinstance(error.metadata, dict) else {}
    codes = (error.code, metadata.get("error_type"))
    if any(isinstance(code, str) and code in _SIZE_CODES for code in codes):
        return True
    raw = metadata.get("raw")
    texts = [error.message, raw if isinstance(raw, str) else ""]
    return any(_SIZE_WORDS.search(text[:SHOWN_LIMIT]) for text in texts)


def printable(text: str) -> str:
    """`text` without terminal escape sequences and control or format characters
    (newlines and tabs stay), so a hostile message cannot drive the terminal."""
    text = _ESCAPES.sub("", text)
    if text.isprintable():
        return text
    return "".join(
        c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cf", "Cs")
    )


def snippet(body: bytes, limit: int = SNIPPET_LIMIT) -> str:
    """The start of a body as one clean line: what a non-JSON body can tell the user."""
    text = body[: limit * 4].decode("utf-8", "replace")
    return " ".join(printable(text).split())[:limit]


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header given in seconds; None when absent or a date."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(0.0, seconds) if seconds == seconds else None


def error_for_status(
    status: int,
    body: bytes,
    retry_after: str | None = None,
    *,
    location: str | None = None,
    truncated: bool = False,
) -> APIError:
    """The typed error for an HTTP error or redirect, from OpenRouter's JSON body (or any body).

    `truncated` says the body was cut at the client's limit; the message notes it.
    """
    code, message, metadata = _parse_error_body(body)
    message = message or f"HTTP {status}"
    if truncated:
        message += " [the error body was too large; only its start was read]"
    kwargs: dict[str, Any] = {"status_code": status, "code": code, "metadata": metadata}
    if 300 <= status < 400:
        return RedirectError(message, location=location, **kwargs)
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else APIError)
    if cls is RateLimitError:
        kwargs["retry_after"] = parse_retry_after(retry_after)
    return cls(message, **kwargs)


def failed_body_error(data: dict[str, Any], response: Any = None) -> ResponseFailedError:
    """The error for a successful HTTP answer whose JSON says it failed (`error` or status).

    Like an in-stream failure it has no `status_code`: the HTTP 200 says nothing of it.
    """
    error = error_from_event(data) if data.get("error") else {"code": None, "message": ""}
    return ResponseFailedError(
        printable(str(error.get("message") or "the response failed")),
        code=error.get("code"),
        metadata=error.get("metadata") if isinstance(error.get("metadata"), dict) else None,
        response=response,
    )


def error_from_event(data: dict[str, Any]) -> dict[str, Any]:
    """Normalise an in-stream error (flat per spec, nested per docs, or in a chunk) to a dict."""
    nested = data.get("error")
    source = nested if isinstance(nested, dict) else data
    message = source.get("message") or (nested if isinstance(nested, str) else None)
    error = {"code": source.get("code"), "message": message or "stream error"}
    for key in ("param", "metadata"):
        if source.get(key) is not None:
            error[key] = source[key]
    return error


def _parse_error_body(body: bytes) -> tuple[Any, str, dict[str, Any]]:
    try:
        data = json.loads(body)
    except ValueError:
        return None, snippet(body), {}
    if not isinstance(data, dict):
        return None, snippet(json.dumps(data).encode()), {}
    error = data.get("error")
    if isinstance(error, str):
        return None, printable(error), {}
    if not isinstance(error, dict):
        error = data
    metadata = error.get("metadata") or data.get("metadata") or {}
    return (
        error.get("code"),
        printable(str(error.get("message") or "")),
        metadata if isinstance(metadata, dict) else {},
    )
