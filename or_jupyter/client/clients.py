"""HTTP clients for OpenRouter's Responses API: `Client` (sync) and `AsyncClient`.

They know nothing of notebooks. Retries happen only before the first byte of a
response: a stream that has begun is never sent again. The two clients are a
pair with the same surface; what they share (configuration, the request, the
retry policy in `retry.py`, turning answers into typed errors) lives here once.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import os
import threading
import time
from collections.abc import Generator
from typing import Any
from urllib.parse import quote

import httpx

from .._version import __version__
from ..inputs.attachments import as_input
from ..kept.cache import Cache, open_cache
from ..kept.cassette import Recorder
from ..kept.chain import Kept, player_of, recorder_of
from ..kept.exchange import (
    CACHED,
    HIDDEN,
    MIN_SECRET_LENGTH,
    acapture,
    capture,
    replayed,
    request_json,
)
from ..kept.replay import Player
from ..protocol import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    MissingAPIKeyError,
    Response,
    SecretInRequestError,
    UnexpectedContentError,
    error_for_status,
    failed_body_error,
    request_body,
    response_from_json,
    snippet,
)
from . import ledger
from .offline_mode import OFFLINE_ENV, emulator_endpoint, offline_requested
from .retry import retry_delays
from .stream import (
    MAX_BODY_BYTES,
    MAX_ERROR_BODY_BYTES,
    AsyncResponseStream,
    ResponseStream,
    aread_body,
    json_body,
    read_body,
    response_media_type,
)
from .tls import tls_context

__all__ = ["AsyncClient", "Client", "DEFAULT_BASE_URL"]

DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
DEFAULT_TIMEOUT = httpx.Timeout(120.0, connect=10.0)
METADATA_HEADER = "X-OpenRouter-Metadata"
MISSING_KEY = (
    "No OpenRouter API key: set the OPENROUTER_API_KEY environment variable, pass "
    "Client(api_key=...), run `%responses key` in a notebook, or use offline mode "
    f"({OFFLINE_ENV}=1)."
)


_SAME = object()  # `with_options`: leave this option as it is


class _BearerAuth(httpx.Auth):
    """Adds the key to each request; its repr never shows the key."""

    def __init__(self, key: str) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(self.headers())
        yield request

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}"}

    def __repr__(self) -> str:
        return "<bearer auth, key hidden>"


def _usable_key(key: Any) -> str | None:
    """The key without the spaces and line break a copy-paste adds. One that still holds
    whitespace, control or non-ASCII characters is refused here, without echoing it: as a
    header it would fail every request, with the key in the HTTP library's error."""
    if key is None:
        return None
    if not isinstance(key, str):
        raise TypeError(f"api_key must be a string, not {type(key).__name__}")
    key = key.strip()
    if key and not (key.isascii() and key.isprintable() and " " not in key):
        raise ValueError(
            "the API key holds spaces, line breaks or characters no key has (a copy-paste "
            "mistake?); it was not used"
        )
    return key or None


def _header_value(option: str, value: Any) -> str:
    """`value`, checked to be sent as an HTTP header: printable ASCII, one line."""
    if not isinstance(value, str) or not (value.isascii() and value.isprintable()):
        raise ValueError(
            f"{option} is sent as an HTTP header: printable ASCII on one line, not {value!r}"
        )
    return value


class _ClientBase:
    """What both clients share: key, base URL, headers, the request, typed errors."""

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
            base_url, api_key = emulator_endpoint()
        key = _usable_key(api_key or os.environ.get("OPENROUTER_API_KEY") or None)
        self._auth = _BearerAuth(key) if key else None
        guarded = key and not self.offline and len(key) >= MIN_SECRET_LENGTH
        self._secret = key if guarded else None
        self.base_url = (
            base_url or os.environ.get("OPENROUTER_BASE_URL") or DEFAULT_BASE_URL
        ).rstrip("/")
        self.timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        # Asked for by name (or by `with_options`): it then overrides an http_client's own.
        self._request_timeout = httpx.USE_CLIENT_DEFAULT if timeout is None else timeout
        self.max_retries = max_retries
        # Routing metadata (`openrouter_metadata`: serving provider, attempts) on every answer.
        self.headers = {"User-Agent": f"or_jupyter/{__version__}", METADATA_HEADER: "enabled"}
        title = _header_value("app_title", app_title or "or_jupyter")
        self.headers["X-OpenRouter-Title"] = self.headers["X-Title"] = title
        if app_url:
            self.headers["HTTP-Referer"] = _header_value("app_url", app_url)
        # `model_entry`'s copy of `/models`, read once; shared with copies of this client.
        self._catalogue: dict[str, dict[str, Any]] = {}
        self._catalogue_lock = threading.Lock()

    @property
    def cache(self) -> Cache | None:
        """The response cache this client asks before the network (None: none)."""
        return self.kept.cache

    @cache.setter
    def cache(self, cache: Cache | None) -> None:
        self.kept.cache = cache

    def with_options(
        self,
        *,
        cache: Cache | str | os.PathLike[str] | None | object = _SAME,
        max_retries: int | object = _SAME,
        timeout: float | httpx.Timeout | object = _SAME,
        http_client: Any = None,
    ) -> Any:
        """A copy of this client with some options changed: same key, address and headers.

        The copy shares this client's connections (this client closes them) unless
        `http_client` is given; `cache=None` turns the response cache off for the copy."""
        return self._twin(type(self), http_client, cache, max_retries, timeout)

    def _twin(
        self, kind: type, http_client: Any, cache: Any, max_retries: Any, timeout: Any
    ) -> Any:
        twin = kind.__new__(kind)  # the same fields: both kinds are a `_ClientBase`
        twin.__dict__.update(self.__dict__)
        twin.kept = dataclasses.replace(self.kept)  # its own chain: a cache change stays its own
        if cache is not _SAME:
            twin.kept.cache = open_cache(cache)
        if max_retries is not _SAME:
            twin.max_retries = max_retries
        if timeout is not _SAME:
            twin.timeout = twin._request_timeout = timeout
        if http_client is not None:
            twin._http = http_client
        elif kind is not type(self):  # another kind of client needs connections of its kind
            twin._http = (httpx.AsyncClient if kind is AsyncClient else httpx.Client)(
                timeout=twin.timeout
            )
        twin._owns_http = http_client is None and kind is not type(self)
        return twin

    def __repr__(self) -> str:
        key = "set" if self._auth else "missing"
        mode = ", offline" if self.offline else ""
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key={key}{mode})"

    def _prepare(self, params: dict[str, Any], stream: bool) -> tuple[str, bytes, dict[str, str]]:
        """The URL, the encoded body and the headers of a `POST /responses`, checked."""
        replaying = self.kept.active_player() is not None
        if self._auth is None and not replaying:
            raise MissingAPIKeyError(MISSING_KEY, status_code=None)
        if "input" in params:  # images, files and DataFrames become a user message's parts
            params = {**params, "input": as_input(params["input"])}
        body = request_body(params, stream=stream)
        if not replaying:  # a cassette answers everything, and the cache what it holds: free
            ledger.check(free=lambda: self.kept.holds(self.base_url, "/responses", body))
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        headers = {**self.headers, "Content-Type": "application/json"}
        if stream:
            headers["Accept"] = "text/event-stream"
        url = f"{self.base_url}/responses"
        self._refuse_secret(url, headers, content, body)
        return url, content.encode(), headers

    def _build(
        self, method: str, url: str, content: bytes | None, headers: dict[str, str]
    ) -> httpx.Request:
        """The httpx request (either client kind builds it the same way), its URL parsed once."""
        return self._http.build_request(
            method,
            _parsed_url(url),
            content=content,
            headers=headers,
            timeout=self._request_timeout,
        )

    def _get(self, path: str) -> tuple[str, dict[str, str]]:
        url = f"{self.base_url}{path}"
        self._refuse_secret(url, self.headers, "", None)
        return url, dict(self.headers)

    def _refuse_secret(self, url: str, headers: dict[str, str], content: str, body: Any) -> None:
        """Defence in depth: never send the key anywhere but the Authorization header."""
        secret = self._secret
        if secret is None:
            return
        places = ["the URL"] if secret in url else []
        places += [
            f'headers["{name}"]'
            for name, value in headers.items()
            if name.lower() != "authorization" and secret in value
        ]
        if not places and json.dumps(secret, ensure_ascii=False)[1:-1] in content:
            places.append(_find(body, secret, "") or "the request body")
        if places:
            raise SecretInRequestError(
                f"the request contains the API key it authenticates with, at {places[0]}; "
                "nothing was sent",
                path=places[0],
            )

    # -- the cache and cassettes: answers kept as bytes, served below the stream parser --

    def _kept(
        self, method: str, url: str, content: bytes | None, request: httpx.Request, aio: bool
    ) -> tuple[httpx.Response | None, tuple[str, Any, Any] | None]:
        """The answer the active cassette or the cache holds for this request (else None),
        and for a live answer what `capture` needs: the path, the body and who keeps a
        copy once it is read to its end (the recorder, the cache), or None if nobody."""
        if self.kept.idle():  # nothing keeps answers: the body is not parsed back
            return None, None
        path, body = url[len(self.base_url) :], request_json(content)
        kept = self.kept.lookup(self.base_url, method, path, body)
        if kept.found is not None:
            return replayed(kept.found, request, paced=kept.paced, aio=aio), None
        return None, (path, body, kept.keep) if kept.keep is not None else None

    def _error(self, response: httpx.Response, body: bytes, truncated: bool) -> APIError:
        return self._redact(
            error_for_status(
                response.status_code,
                body,
                response.headers.get("retry-after"),
                location=response.headers.get("location"),
                truncated=truncated,
            )
        )

    def _transport_error(self, exc: httpx.HTTPError) -> APIError:
        """A key-free copy of a transport failure: its type and message, not the exception
        (whose request holds the Authorization header)."""
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(f"the request timed out ({type(exc).__name__})")
        return self._redact(
            APIConnectionError(f"could not reach the server ({type(exc).__name__}: {exc})")
        )

    def _redact(self, error: APIError) -> APIError:
        """Hide the key should a server echo it back in an error message or its metadata."""
        secret = self._secret
        if not secret:
            return error
        if secret in error.message:
            error.message = error.message.replace(secret, HIDDEN)
            error.args = (error.message,)
        location = getattr(error, "location", None)
        if location and secret in location:
            error.location = location.replace(secret, HIDDEN)
        if error.metadata:
            escaped = json.dumps(secret)[1:-1]
            text = json.dumps(error.metadata, default=str)
            if escaped in text:
                error.metadata = json.loads(text.replace(escaped, HIDDEN))
        return error

    def _response(self, response: httpx.Response, body: bytes, truncated: bool) -> Response:
        """The `Response` of a non-streamed answer; a failed one raises `ResponseFailedError`."""
        data = json_body(response, body, truncated, "response")
        if not isinstance(data, dict):
            raise _wrong_shape(response, body, "a response")
        if data.get("error") and "output" not in data:
            raise self._redact(failed_body_error(data))
        result = response_from_json(data)
        if result.status == "failed":
            raise self._redact(failed_body_error(data, response=result))
        result.cached = bool(response.extensions.get(CACHED))
        return result

    def _keep_catalogue(self, entries: list[Any]) -> None:
        """Keep the catalogue's entries by id (an empty entry marks it read, if it is empty)."""
        found = {
            e["id"]: e for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str)
        }
        self._catalogue.update(found or {"": {}})

    def _account(self, response: httpx.Response, body: bytes, truncated: bool, noun: str) -> dict:
        """The `data` object of an account answer (`/credits`, `/key`, `/generation`)."""
        data = json_body(response, body, truncated, noun)
        if isinstance(data, dict) and data.get("error") and "data" not in data:
            raise self._redact(failed_body_error(data))
        if isinstance(data, dict) and isinstance(data.get("data"), dict):
            return data["data"]
        raise _wrong_shape(response, body, noun)

    def _models(self, response: httpx.Response, body: bytes, truncated: bool) -> list[Any]:
        data = json_body(response, body, truncated, "model catalogue")
        if isinstance(data, dict) and data.get("error") and "data" not in data:
            raise self._redact(failed_body_error(data))
        if isinstance(data, dict) and isinstance(data.get("data", []), list):
            return data.get("data", [])
        if isinstance(data, list):
            return data
        raise _wrong_shape(response, body, "a model list")


def _entry_for(catalogue: dict[str, dict[str, Any]], model: str) -> dict[str, Any] | None:
    """`model`'s entry; a variant (`openai/gpt-5-mini:online`) falls back to its base model."""
    entry = catalogue.get(model) or catalogue.get(model.split(":", 1)[0])
    return entry or None


def _with_remaining(credits: dict[str, Any]) -> dict[str, Any]:
    """The credits with what is left (`total_credits - total_usage`) when both are numbers."""
    total, used = credits.get("total_credits"), credits.get("total_usage")
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (total, used)):
        return {**credits, "remaining": total - used}
    return credits


def _wrong_shape(response: httpx.Response, body: bytes, expected: str) -> APIError:
    return UnexpectedContentError(
        f"expected {expected}, got JSON of another shape: {snippet(body)}",
        status_code=response.status_code,
        content_type=response_media_type(response),
    )


def _find(value: Any, secret: str, path: str) -> str | None:
    """The JSON path (`input[0].content`) of the first string holding `secret`."""
    if isinstance(value, str):
        return path if secret in value else None
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            name = str(key)
            if secret in name:
                return f"{path or 'the body'} (in a key)"
            step = (f"{path}.{name}" if path else name) if name.isidentifier() else None
            items.append((item, step or f"{path}[{json.dumps(name)}]"))
    elif isinstance(value, (list, tuple)):
        items = [(item, f"{path}[{index}]") for index, item in enumerate(value)]
    else:
        return None
    for item, where in items:
        found = _find(item, secret, where)
        if found is not None:
            return found
    return None


class _Stream(ResponseStream):
    """A `ResponseStream` whose `response` says whether it was answered from the cache or a
    cassette, and which adds the response to the session ledger once it has been read."""

    def __init__(self, open_response: Any, source: str) -> None:
        super().__init__(open_response)
        self._source: str | None = source

    def __iter__(self) -> Generator[Any, None, None]:
        try:
            yield from super().__iter__()
        finally:
            _record(self)

    @property
    def response(self) -> Response:
        return _marked(super().response, self._http_response)


class _AsyncStream(AsyncResponseStream):
    """The async `_Stream`."""

    def __init__(self, open_response: Any, source: str) -> None:
        super().__init__(open_response)
        self._source: str | None = source

    async def __aiter__(self) -> Any:
        try:
            async for event in super().__aiter__():
                yield event
        finally:
            _record(self)

    @property
    def response(self) -> Response:
        return _marked(super().response, self._http_response)


def _record(stream: Any) -> None:
    """Add a read stream's response to the ledger, once."""
    source, stream._source = stream._source, None
    if source is not None:
        ledger.record(stream.response, source)


@functools.lru_cache(maxsize=64)
def _parsed_url(url: str) -> httpx.URL:
    """`url` parsed once: httpx parses a string on every request (half of building one)."""
    return httpx.URL(url)


def _marked(response: Response, http_response: httpx.Response | None) -> Response:
    response.cached = http_response is not None and bool(http_response.extensions.get(CACHED))
    return response


class Client(_ClientBase):
    """Synchronous client. `stream()` is the main entry point (the README shows the whole surface).

    `api_key` defaults to `$OPENROUTER_API_KEY`, `base_url` to `$OPENROUTER_BASE_URL`
    or OpenRouter. `http_client` lets you bring your own `httpx.Client` (proxies,
    transports); it is not closed by `close()`. `offline=True` (or
    `OR_JUPYTER_OFFLINE=1`) routes everything to the in-process emulator. `cache=PATH`
    answers identical requests from a SQLite response cache (`cache.py`); a cassette
    being replayed answers every request: `replay=` (a path or a `Player`) for this client
    alone, else the process's (`cassette.replay()`, `OR_JUPYTER_REPLAY`). `record=` (a path
    or a `Recorder`) records this client's exchanges, else the process's recorder does.
    The order, player -> cache -> network, is `kept/chain.py`'s.
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
        cache: Cache | str | os.PathLike[str] | None = None,
        replay: str | os.PathLike[str] | Player | None = None,
        record: str | os.PathLike[str] | Recorder | None = None,
    ) -> None:
        super().__init__(api_key, base_url, timeout, max_retries, app_title, app_url, offline)
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=self.timeout, verify=tls_context())
        self.kept = Kept(open_cache(cache), player_of(replay), recorder_of(record))

    def stream(self, **params: Any) -> ResponseStream:
        """Start a streamed response; use as `with client.stream(...) as stream: for event in stream`."""
        url, content, headers = self._prepare(params, stream=True)
        source = ledger.current_source()
        return _Stream(lambda: self._send("POST", url, content, headers), source)

    def create(self, **params: Any) -> Response:
        """A non-streaming response. Raises `ResponseFailedError` if the response failed."""
        url, content, headers = self._prepare(params, stream=False)
        source = ledger.current_source()
        response = self._send("POST", url, content, headers)
        result = self._response(response, *self._read(response, MAX_BODY_BYTES))
        ledger.record(result, source)
        return result

    def models(self) -> list[dict[str, Any]]:
        """OpenRouter's model catalogue (`GET /models`): a list of model dicts."""
        url, headers = self._get("/models")
        response = self._send("GET", url, None, headers)
        return self._models(response, *self._read(response, MAX_BODY_BYTES))

    def credits(self) -> dict[str, Any]:
        """The account's credits (`GET /credits`): `total_credits`, `total_usage` and
        `remaining`, in dollars. OpenRouter answers 403 to a key that may not read them."""
        return _with_remaining(self._account_get("/credits", "credit balance"))

    def key_info(self) -> dict[str, Any]:
        """The key in use (`GET /key`): its `label`, `limit`, `limit_remaining`, `usage`
        (and daily, weekly, monthly), `is_free_tier`, `rate_limit`. Never the key itself."""
        return self._account_get("/key", "key information")

    def generation(self, id: str) -> dict[str, Any]:
        """A generation's stats (`GET /generation?id=`): the model and provider that served,
        native token counts, latency, `total_cost`. `id` is a response's `id`."""
        return self._account_get(f"/generation?id={quote(id, safe='')}", "generation")

    def _account_get(self, path: str, noun: str) -> dict[str, Any]:
        url, headers = self._get(path)
        response = self._send("GET", url, None, headers)
        return self._account(response, *self._read(response, MAX_BODY_BYTES), noun)

    def to_async(
        self,
        *,
        cache: Cache | str | os.PathLike[str] | None | object = _SAME,
        max_retries: int | object = _SAME,
        timeout: float | httpx.Timeout | object = _SAME,
        http_client: httpx.AsyncClient | None = None,
    ) -> AsyncClient:
        """An `AsyncClient` with this client's key, address, headers and cache.

        It opens connections of its own (closed by its `aclose()`) unless `http_client`
        is given; the other options change as in `with_options`."""
        return self._twin(AsyncClient, http_client, cache, max_retries, timeout)

    def model_entry(self, model: str) -> dict[str, Any] | None:
        """The catalogue entry (`/models`) of `model`, or None if it lists no such model.

        The catalogue is read once per client, at the first call, and kept: asking before
        every request costs nothing more. If it cannot be read (no `/models` on this
        server, no network, a cassette without it) every model is unknown from then on.
        """
        with self._catalogue_lock:
            if not self._catalogue:
                try:
                    entries = self.models()
                except APIError:
                    entries = []
                self._keep_catalogue(entries)
        return _entry_for(self._catalogue, model)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _send(
        self, method: str, url: str, content: bytes | None, headers: dict[str, str]
    ) -> httpx.Response:
        """Send with retries; return an open, successful response (body not yet read)."""
        delays = retry_delays(self.max_retries)
        delay = next(delays)
        while delay is not None:
            if delay:
                time.sleep(delay)
            response, error = self._attempt(method, url, content, headers)
            if error is None:
                return response
            delay = delays.send(error)
        raise error  # outside `except`: no httpx exception (holding the key) is its context

    def _attempt(
        self, method: str, url: str, content: bytes | None, headers: dict[str, str]
    ) -> tuple[Any, APIError | None]:
        try:
            response = self._open(method, url, content, headers)
        except httpx.HTTPError as exc:
            return None, self._transport_error(exc)
        if response.status_code < 300:
            return response, None
        try:
            body, truncated = self._read(response, MAX_ERROR_BODY_BYTES)
        except APIConnectionError:  # the status says enough when its body is cut
            body, truncated = b"", False
        return None, self._error(response, body, truncated)

    def _open(
        self, method: str, url: str, content: bytes | None, headers: dict[str, str]
    ) -> httpx.Response:
        """The answer to one request, its body unread: kept (cassette, cache) or sent."""
        request = self._build(method, url, content, headers)
        response, copy = self._kept(method, url, content, request, aio=False)
        if response is not None:
            return response
        started = time.monotonic()
        response = self._http.send(request, stream=True, auth=self._auth)
        return response if copy is None else capture(response, method, *copy[:2], started, copy[2])

    def _read(self, response: httpx.Response, limit: int) -> tuple[bytes, bool]:
        """Read at most `limit` bytes of the body, then close; a broken read raises a typed error."""
        error = None
        try:
            return read_body(response, limit)
        except httpx.HTTPError as exc:
            error = self._transport_error(exc)
        finally:
            response.close()
        raise error


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
        cache: Cache | str | os.PathLike[str] | None = None,
        replay: str | os.PathLike[str] | Player | None = None,
        record: str | os.PathLike[str] | Recorder | None = None,
    ) -> None:
        super().__init__(api_key, base_url, timeout, max_retries, app_title, app_url, offline)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=self.timeout, verify=tls_context())
        self.kept = Kept(open_cache(cache), player_of(replay), recorder_of(record))

    def stream(self, **params: Any) -> AsyncResponseStream:
        """Start a streamed response: `async with client.stream(...) as s: async for event in s`."""
        url, content, headers = self._prepare(params, stream=True)
        source = ledger.current_source()
        return _AsyncStream(lambda: self._send("POST", url, content, headers), source)

    async def create(self, **params: Any) -> Response:
        """A non-streaming response. Raises `ResponseFailedError` if the response failed."""
        url, content, headers = self._prepare(params, stream=False)
        source = ledger.current_source()
        response = await self._send("POST", url, content, headers)
        result = self._response(response, *await self._read(response, MAX_BODY_BYTES))
        ledger.record(result, source)
        return result

    async def models(self) -> list[dict[str, Any]]:
        """OpenRouter's model catalogue (`GET /models`): a list of model dicts."""
        url, headers = self._get("/models")
        response = await self._send("GET", url, None, headers)
        return self._models(response, *await self._read(response, MAX_BODY_BYTES))

    async def credits(self) -> dict[str, Any]:
        """The account's credits (see `Client.credits`)."""
        return _with_remaining(await self._account_get("/credits", "credit balance"))

    async def key_info(self) -> dict[str, Any]:
        """The key in use (see `Client.key_info`)."""
        return await self._account_get("/key", "key information")

    async def generation(self, id: str) -> dict[str, Any]:
        """A generation's stats (see `Client.generation`)."""
        return await self._account_get(f"/generation?id={quote(id, safe='')}", "generation")

    async def _account_get(self, path: str, noun: str) -> dict[str, Any]:
        url, headers = self._get(path)
        response = await self._send("GET", url, None, headers)
        return self._account(response, *await self._read(response, MAX_BODY_BYTES), noun)

    def to_sync(
        self,
        *,
        cache: Cache | str | os.PathLike[str] | None | object = _SAME,
        max_retries: int | object = _SAME,
        timeout: float | httpx.Timeout | object = _SAME,
        http_client: httpx.Client | None = None,
    ) -> Client:
        """A `Client` with this client's key, address, headers and cache (see `Client.to_async`)."""
        return self._twin(Client, http_client, cache, max_retries, timeout)

    async def model_entry(self, model: str) -> dict[str, Any] | None:
        """The catalogue entry (`/models`) of `model`, or None; the catalogue is read once
        per client (see `Client.model_entry`)."""
        if not self._catalogue:
            try:
                entries = await self.models()
            except APIError:
                entries = []
            self._keep_catalogue(entries)
        return _entry_for(self._catalogue, model)

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _send(
        self, method: str, url: str, content: bytes | None, headers: dict[str, str]
    ) -> httpx.Response:
        """Send with retries; return an open, successful response (body not yet read)."""
        delays = retry_delays(self.max_retries)
        delay = next(delays)
        while delay is not None:
            if delay:
                await asyncio.sleep(delay)
            response, error = await self._attempt(method, url, content, headers)
            if error is None:
                return response
            delay = delays.send(error)
        raise error  # outside `except`: no httpx exception (holding the key) is its context

    async def _attempt(
        self, method: str, url: str, content: bytes | None, headers: dict[str, str]
    ) -> tuple[Any, APIError | None]:
        try:
            response = await self._open(method, url, content, headers)
        except httpx.HTTPError as exc:
            return None, self._transport_error(exc)
        if response.status_code < 300:
            return response, None
        try:
            body, truncated = await self._read(response, MAX_ERROR_BODY_BYTES)
        except APIConnectionError:  # the status says enough when its body is cut
            body, truncated = b"", False
        return None, self._error(response, body, truncated)

    async def _open(
        self, method: str, url: str, content: bytes | None, headers: dict[str, str]
    ) -> httpx.Response:
        """The answer to one request, its body unread: kept (cassette, cache) or sent.

        An http client with an `exchange` method (the batch's, on aiohttp) sends without
        httpx's Request and Response models, a third of the CPU of a request, whenever
        nothing keeps answers (those keep httpx responses)."""
        exchange = getattr(self._http, "exchange", None)
        if exchange is not None and self.kept.idle():
            keyed = headers if self._auth is None else {**headers, **self._auth.headers()}
            return await exchange(method, url, content, keyed, self._request_timeout)
        request = self._build(method, url, content, headers)
        response, copy = self._kept(method, url, content, request, aio=True)
        if response is not None:
            return response
        started = time.monotonic()
        response = await self._http.send(request, stream=True, auth=self._auth)
        return response if copy is None else acapture(response, method, *copy[:2], started, copy[2])

    async def _read(self, response: httpx.Response, limit: int) -> tuple[bytes, bool]:
        """Read at most `limit` bytes of the body, then close; a broken read raises a typed error."""
        error = None
        try:
            return await aread_body(response, limit)
        except httpx.HTTPError as exc:
            error = self._transport_error(exc)
        finally:
            await response.aclose()
        raise error
