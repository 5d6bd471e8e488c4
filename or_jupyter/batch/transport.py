"""The batch's HTTP transport: httpx's API over aiohttp's connection pool.

A batch spends most of its CPU in the HTTP stack, not in our code: httpcore and
anyio cost about 2 ms of kernel CPU per request, aiohttp (whose HTTP parser is
compiled) about 0.5 ms. So the batch keeps `AsyncClient` and its typed errors,
auth and key checks exactly as they are and swaps only the transport under its
`httpx.AsyncClient` (figures in `benchmarks/batch.py` and the README).

Building httpx's Request and Response models around aiohttp's cost another 0.3 ms
a request, half of aiohttp's own; so the batch's client also offers `exchange`,
which `AsyncClient` uses when nothing keeps answers (no cache or cassette): the
same request, answered by a `Reply` that has just what the client reads.

Every aiohttp failure becomes the httpx error of the same meaning, with a message
of its own and no chained cause, so the client maps it to its typed errors as it
does for httpx's. Redirects are not followed. Under httpx's models the body is not
decompressed here (httpx decodes it, as with its own transport); `exchange` has no
httpx to do that, so aiohttp decodes its body.
"""

from __future__ import annotations

import asyncio
import functools
import urllib.request
from collections.abc import AsyncIterator, Mapping
from urllib.parse import urlsplit

import aiohttp
import httpx

from ..client.tls import tls_context

__all__ = ["AiohttpTransport", "Reply", "batch_http"]


def batch_http(timeout: httpx.Timeout, connections: int) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` for one batch run: at most `connections` open at once."""
    return _BatchClient(timeout, AiohttpTransport(connections))


class _NoCookies(httpx.Cookies):
    """A jar that keeps nothing: httpx reads every response's cookies into its jar through
    urllib's request and response wrappers, a tenth of a millisecond a row, and a batch
    has no use for them (the key authenticates each request)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


_NO_COOKIES = _NoCookies()


class _BatchClient(httpx.AsyncClient):
    """httpx's client on aiohttp, without a cookie jar (`_NoCookies`), with `exchange`."""

    def __init__(self, timeout: httpx.Timeout, transport: AiohttpTransport) -> None:
        super().__init__(timeout=timeout, transport=transport)
        self._pool = transport

    @property
    def cookies(self) -> httpx.Cookies:
        return _NO_COOKIES

    async def exchange(
        self,
        method: str,
        url: str,
        content: bytes | None,
        headers: dict[str, str],
        timeout: float | httpx.Timeout | object = httpx.USE_CLIENT_DEFAULT,
    ) -> Reply:
        """Send one request as it is (no redirect followed) and return its `Reply`, the body
        not yet read; a failure raises the httpx error of the same meaning."""
        limits = self.timeout if timeout is httpx.USE_CLIENT_DEFAULT else httpx.Timeout(timeout)
        response = await self._pool.open(
            method, url, list(headers.items()), content, limits.connect, limits.read, True
        )
        return Reply(response)


class Reply:
    """An answer as `AsyncClient` reads it: the parts of an `httpx.Response` it uses
    (status, case-insensitive headers, extensions, the body in chunks, closing)."""

    __slots__ = ("status_code", "headers", "extensions", "_response")

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.status_code: int = response.status
        self.headers: Mapping[str, str] = response.headers  # aiohttp's: case-insensitive
        self.extensions: dict[str, object] = {}
        self._response = response

    def aiter_bytes(self) -> AsyncIterator[bytes]:
        return _chunks(self._response)

    async def aclose(self) -> None:
        _close(self._response)


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport on one `aiohttp.ClientSession`, opened in the loop that uses it.

    Proxies come from the environment (`HTTPS_PROXY`, `NO_PROXY`), as with httpx, read
    once per host (aiohttp's `trust_env` reads them, and `~/.netrc`, in a thread for
    every request); certificates from httpx's default context (certifi).
    """

    def __init__(self, connections: int) -> None:
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str | None], str | None] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {})
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        response = await self.open(
            request.method,
            str(request.url),
            headers,
            request.content,
            timeout.get("connect"),
            timeout.get("read"),
            False,  # httpx decodes the body
        )
        return httpx.Response(
            response.status,
            headers=response.raw_headers,
            stream=_Body(response),
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def open(
        self,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        content: bytes | None,
        connect: float | None,
        read: float | None,
        decompress: bool,
    ) -> aiohttp.ClientResponse:
        """Send a request; its response with the body unread, or the httpx error it meant."""
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._connections, ssl=tls_context())
            self._session = aiohttp.ClientSession(connector=connector)
        try:
            return await self._session.request(
                method,
                url,
                headers=headers,
                data=content or None,
                allow_redirects=False,
                proxy=self._proxy(url),
                auto_decompress=decompress,
                timeout=_timeout(connect, read),
            )
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise httpx_error(exc, connecting=True) from None

    def _proxy(self, url: str) -> str | None:
        place = _place(url)
        if place not in self._proxies:
            scheme, host = place
            bypass = urllib.request.proxy_bypass_environment(host or "")
            proxies = urllib.request.getproxies_environment()
            self._proxies[place] = None if bypass else proxies.get(scheme)
        return self._proxies[place]

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


@functools.lru_cache(maxsize=64)
def _place(url: str) -> tuple[str, str | None]:
    """The scheme and host of a URL (a batch sends to one or two, thousands of times)."""
    parts = urlsplit(url)
    return parts.scheme, parts.hostname


@functools.lru_cache(maxsize=16)
def _timeout(connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(sock_connect=connect, sock_read=read)


class _Body(httpx.AsyncByteStream):
    """A response body as it arrives; closing it early drops the connection."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    def __aiter__(self) -> AsyncIterator[bytes]:
        return _chunks(self._response)

    async def aclose(self) -> None:
        _close(self._response)


async def _chunks(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.content.iter_any():
            yield chunk
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise httpx_error(exc, connecting=False) from None


def _close(response: aiohttp.ClientResponse) -> None:
    """Give the connection back when the body was read to its end, else drop it."""
    if response.content.at_eof():
        response.release()
    else:
        response.close()


_KINDS: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),  # no byte within the read timeout
    (aiohttp.ClientProxyConnectionError, httpx.ProxyError),
    (aiohttp.ClientConnectorError, httpx.ConnectError),
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
    (aiohttp.ClientPayloadError, httpx.RemoteProtocolError),
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
)


def httpx_error(exc: BaseException, *, connecting: bool) -> httpx.TransportError:
    """The httpx error that means what `exc` means, named after it and without its cause."""
    message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    for aiohttp_kind, kind in _KINDS:
        if isinstance(exc, aiohttp_kind):
            return kind(message)
    if isinstance(exc, asyncio.TimeoutError):
        return (httpx.ConnectTimeout if connecting else httpx.ReadTimeout)(message)
    if isinstance(exc, ValueError):  # a header or URL aiohttp cannot send
        return httpx.UnsupportedProtocol(message)
    return (httpx.ConnectError if connecting else httpx.ReadError)(message)
