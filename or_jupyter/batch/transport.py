"""The batch's HTTP transport: httpx's API over aiohttp's connection pool.

A batch spends most of its CPU in the HTTP stack, not in our code: httpcore and
anyio cost about 2 ms of kernel CPU per request, aiohttp (whose HTTP parser is
compiled) about 0.5 ms. So the batch keeps `AsyncClient` and its typed errors,
auth and key checks exactly as they are and swaps only the transport under its
`httpx.AsyncClient` (figures in `benchmarks/batch.py` and the README).

Every aiohttp failure becomes the httpx error of the same meaning, with a message
of its own and no chained cause, so the client maps it to its typed errors as it
does for httpx's. Redirects are not followed and bodies are not decompressed
here (httpx decodes them), as with httpx's own transport.
"""

from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import AsyncIterator

import aiohttp
import httpx

from ..client.tls import tls_context

__all__ = ["AiohttpTransport", "batch_http"]


def batch_http(timeout: httpx.Timeout, connections: int) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` for one batch run: at most `connections` open at once."""
    return _BatchClient(timeout=timeout, transport=AiohttpTransport(connections))


class _NoCookies(httpx.Cookies):
    """A jar that keeps nothing: httpx reads every response's cookies into its jar through
    urllib's request and response wrappers, a tenth of a millisecond a row, and a batch
    has no use for them (the key authenticates each request)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


_NO_COOKIES = _NoCookies()


class _BatchClient(httpx.AsyncClient):
    """httpx's client without a cookie jar (`_NoCookies`)."""

    @property
    def cookies(self) -> httpx.Cookies:
        return _NO_COOKIES


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport on one `aiohttp.ClientSession`, opened in the loop that uses it.

    Proxies come from the environment (`HTTPS_PROXY`, `NO_PROXY`), as with httpx, read
    once per host (aiohttp's `trust_env` reads them, and `~/.netrc`, in a thread for
    every request); certificates from httpx's default context (certifi).
    """

    def __init__(self, connections: int) -> None:
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._connections, ssl=tls_context())
            self._session = aiohttp.ClientSession(connector=connector)
        timeout = request.extensions.get("timeout", {})
        try:
            response = await self._session.request(
                request.method,
                str(request.url),
                headers=[
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw
                ],
                data=request.content or None,
                allow_redirects=False,
                proxy=self._proxy(request.url),
                auto_decompress=False,
                timeout=aiohttp.ClientTimeout(
                    sock_connect=timeout.get("connect"), sock_read=timeout.get("read")
                ),
            )
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise httpx_error(exc, connecting=True) from None
        return httpx.Response(
            response.status,
            headers=response.raw_headers,
            stream=_Body(response),
            request=request,
            extensions={"http_version": b"HTTP/1.1"},
        )

    def _proxy(self, url: httpx.URL) -> str | None:
        place = (url.scheme, url.host)
        if place not in self._proxies:
            bypass = urllib.request.proxy_bypass_environment(url.host)
            proxies = urllib.request.getproxies_environment()
            self._proxies[place] = None if bypass else proxies.get(url.scheme)
        return self._proxies[place]

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class _Body(httpx.AsyncByteStream):
    """A response body as it arrives; closing it early drops the connection."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise httpx_error(exc, connecting=False) from None

    async def aclose(self) -> None:
        if self._response.content.at_eof():
            self._response.release()
        else:
            self._response.close()


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
