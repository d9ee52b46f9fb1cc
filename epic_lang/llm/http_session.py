"""HTTP for the OpenAI-compatible client: one aiohttp connection pool per endpoint.

Why aiohttp directly: measured with `bench/backends.py` (500 and 5,000 concurrent calls at
200 ms, side by side against the same sim-server), httpx with the `httpx-aiohttp` transport
costs the httpx layer on top of aiohttp (request and response objects built twice, its error
mapping), and the hand-written HTTP/1.1 transport this module replaced gave up proxies and
left TLS and framing to us; the figures are in epic_lang/llm/README.md ("Which HTTP
library"). aiohttp gives keep-alive pools that hold thousands of connections, chunked and
compressed bodies, TLS and HTTP proxies (`CONNECT` for `https`), with C parsers.

What this module adds:

- errors (`TransportError`) that say whether the request may have reached the server, which
  decides whether sending it again is safe, and that name the setting involved;
- the one exception to "never send again": a request whose kept-alive connection the server
  had closed (it never answered a byte) goes again on another connection;
- the answer-size limit (`max_response_mb`), checked before reading and while reading;
- the environment's proxy (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, bypassed by
  `NO_PROXY`) and certificates (`SSL_CERT_FILE`, `SSL_CERT_DIR`), read once per pool rather
  than with aiohttp's `trust_env`, which looks both up again in a worker thread for every
  request (and sends `~/.netrc` passwords as Basic auth, clashing with the API key).

Requests are sent in one place, `HTTPSession._send`: `HTTPSession.exchange` reads the whole
answer (every call that does not stream), `HTTPSession.open` gives the answer's status and
headers, then its body as it arrives (`HTTPAnswer.chunks`, for streamed answers).
"""

from __future__ import annotations

import asyncio
import base64
import errno
import os
import ssl
import time
import urllib.request
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import aiohttp
import certifi
from aiohttp.client_proto import ResponseHandler
from aiohttp.tracing import Trace

from epic_lang.llm.client_settings import ClientOptions
from epic_lang.llm.retry import RETRYABLE_STATUS

# Connections being opened at once, per pool (see `_Connector`).
MAX_OPENING = 512

# Whether the current request's connection was opened for it, rather than kept alive from an
# earlier request. Set by `_Connector._create_connection` in the request's own task, read when
# the request fails.
_opened: ContextVar[bool] = ContextVar("epic_http_connection_opened", default=False)


class TransportError(Exception):
    """An exchange that ended without a (whole) HTTP answer.

    `sent`: the request may have reached the server, so sending it again may run (and bill)
    it twice. `lasting`: trying again will not help (an untrusted certificate, a proxy that
    refuses, an answer over the size limit)."""

    def __init__(self, message: str, *, sent: bool, lasting: bool = False) -> None:
        super().__init__(message)
        self.sent = sent
        self.lasting = lasting


@dataclass(frozen=True, slots=True)
class HTTPReply:
    """A whole answer, its body decoded and within the size limit."""

    status: int
    reason: str
    headers: Mapping[str, str]
    content: bytes


@dataclass(frozen=True, slots=True)
class HTTPAnswer:
    """A streamed answer whose status and headers have arrived; its body is read once, by
    `chunks` (or whole, by `read`, when it turns out to be an error)."""

    status: int
    reason: str
    headers: Mapping[str, str]
    _response: aiohttp.ClientResponse = field(repr=False)
    _options: ClientOptions = field(repr=False)

    async def read(self) -> bytes:
        """The whole (decoded) body, refused past the size limit."""
        return await _body(self._response, self._options)

    async def chunks(self) -> AsyncIterator[bytes]:
        """The (decoded) body as it arrives, refused past the size limit."""
        limit = self._options.max_response_bytes
        length = self._response.content_length
        if length is not None and length > limit:
            raise _too_large(limit)
        size = 0
        try:
            async for part in self._response.content.iter_any():
                size += len(part)
                if size > limit:
                    raise _too_large(limit)
                yield part
        except _FAILURES as exc:
            raise _transport_error(exc, self._options, answered=True) from exc


async def _body(
    response: aiohttp.ClientResponse, options: ClientOptions, deadline: float | None = None
) -> bytes:
    """The whole (decoded) body; a body over the size limit is refused, unread when its
    `Content-Length` says so, else as soon as it grows past the limit; one still arriving
    after `deadline` (`time.monotonic()`), when there is one, is abandoned. A loop of
    `readany` rather than an async iterator: a fan-out of thousands of calls pays for every
    object made per call, once in CPU and again when the garbage collector traverses it."""
    limit = options.max_response_bytes
    length = response.content_length
    if length is not None and length > limit:
        raise _too_large(limit)
    stream = response.content
    parts: list[bytes] = []
    size = 0
    try:
        while part := await stream.readany():
            size += len(part)
            if size > limit:
                raise _too_large(limit)
            if deadline is not None and time.monotonic() > deadline:
                raise _late(options)
            parts.append(part)
    except _FAILURES as exc:
        raise _transport_error(exc, options, answered=True) from exc
    return parts[0] if len(parts) == 1 else b"".join(parts)


class _Connector(aiohttp.TCPConnector):
    """aiohttp's connector, with two additions.

    It opens at most `MAX_OPENING` connections at a time. Thousands of calls fired at once
    would otherwise send thousands of SYNs together: the server's accept queue overflows, the
    dropped ones are sent again after 1, 3, 7 s, and calls wait seconds (or time out) for a
    connection. Paced at 512, 5,000 calls at 200 ms (aiohttp by hand, against the sim-server)
    took 6.8 and 10.7 s instead of 13.8 and 20.8 s on a loaded two-core machine, with two
    thirds of the CPU per call; at 128, calls of a smaller fan-out (300) waited for
    connections. A kept-alive connection never waits.

    It tells each request (through `_opened`) whether its connection was opened for it, so
    that a failure on a kept-alive one can be told apart. aiohttp's own way to learn it,
    request tracing, costs about 35 us of CPU per request (measured over 2,000 requests).

    Both hook `_create_connection`, which aiohttp's `connect` awaits in the request's task
    only when no kept-alive connection is free. Hooking `connect` itself, as this class once
    did, cost every request a semaphore, a coroutine and a weak set of the protocols handed
    out (a weak reference, and a callback when each connection goes).

    aiohttp bounds a connection's TCP and TLS by `sock_connect`, but not a proxy's answer to
    `CONNECT`; that wait is bounded here, by `connect_timeout` as the opening of a connection
    is (the whole exchange's bound used to cover it, with aiohttp's `total` timeout)."""

    def __init__(self, connect_timeout: float, **options: Any) -> None:
        super().__init__(**options)
        self._opening = asyncio.Semaphore(MAX_OPENING)
        self._connect_timeout = connect_timeout

    async def _create_connection(
        self, req: aiohttp.ClientRequest, traces: list[Trace], timeout: aiohttp.ClientTimeout
    ) -> ResponseHandler:
        if not _opened.get():  # each set makes a new mapping of the context's variables
            _opened.set(True)
        async with self._opening:
            if req.proxy is None:
                return await super()._create_connection(req, traces, timeout)
            async with asyncio.timeout(self._connect_timeout):
                return await super()._create_connection(req, traces, timeout)


class HTTPSession:
    """Connections to one endpoint, all sharing `headers`. Created inside the event loop
    that uses it; the caller bounds how many requests are in flight."""

    def __init__(self, base_url: str, headers: Mapping[str, str], options: ClientOptions) -> None:
        self.proxy = environment_proxy(base_url)
        self._proxy_url = self.proxy.url if self.proxy is not None else None  # once, not per call
        self._options = options
        secure = urlsplit(base_url).scheme == "https"
        # With a proxy, sent with each request, not as the session's default headers: aiohttp
        # copies those into the `CONNECT` request to a proxy, where an `Authorization` header
        # becomes `Proxy-Authorization` and hands the API key to the proxy. Without one they
        # are the session's, which spares every request a merge of two sets of headers.
        self._headers: dict[str, str] | None = dict(headers)
        # The proxy's own credentials: on the `CONNECT` request for `https` (the request
        # itself goes encrypted through the tunnel), on each request for plain `http`.
        self._proxy_headers: dict[str, str] | None = None
        if self.proxy is not None and self.proxy.authorization is not None:
            credentials = {"Proxy-Authorization": self.proxy.authorization}
            if secure:
                self._proxy_headers = credentials
            else:
                self._headers.update(credentials)
        # limit=0: the caller's semaphore bounds the connections, sized to the open-file
        # limit; aiohttp's own cap would only add a second queue.
        connector = _Connector(
            options.connect_timeout, limit=0, ssl=tls_context() if secure else True
        )
        # Each silence is bounded by aiohttp (`sock_read`). The whole of an exchange is bounded
        # too, so that an answer trickling in a byte at a time cannot hold a call for ever,
        # but by `exchange` itself, which looks at the clock as the answer's parts arrive:
        # aiohttp's `total` costs a timer, its context and the task's registration per
        # request, on top of the two timers `sock_read` already schedules: with 500 calls
        # against the sim-server, a few percent of the client's CPU per call.
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=options.connect_timeout, sock_read=options.read_timeout
        )
        self._exchange_limit = options.connect_timeout + options.read_timeout
        defaults, self._headers = (
            (self._headers, None) if self.proxy is None else (None, self._headers)
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers=defaults,
            cookie_jar=aiohttp.DummyCookieJar(),  # an API client keeps no cookies
        )

    async def exchange(self, url: str, body: Any = None) -> HTTPReply:
        """POST `body` as JSON to `url` (GET without a body); the whole answer. Each silence
        is bounded by `read_timeout`; an answer whose head or a part of whose body arrives
        later than `connect_timeout + read_timeout` after the request began is abandoned
        (so the exchange takes at most one `read_timeout` longer than that)."""
        deadline = time.monotonic() + self._exchange_limit
        response = await self._send(url, body)
        try:
            if time.monotonic() > deadline:
                raise _late(self._options)
            content = await _body(response, self._options, deadline)
        finally:
            response.release()
        return HTTPReply(response.status, response.reason or "", response.headers, content)

    @asynccontextmanager
    async def open(self, url: str, body: Any) -> AsyncIterator[HTTPAnswer]:
        """POST `body` as JSON to `url`; the answer (server-sent events) once its head has
        arrived. It may take as long as the model generates: only each silence is bounded
        (`read_timeout`), not the whole exchange."""
        response = await self._send(url, body)
        try:
            yield HTTPAnswer(
                response.status, response.reason or "", response.headers, response, self._options
            )
        finally:
            response.release()

    async def _send(self, url: str, body: Any) -> aiohttp.ClientResponse:
        """Send the request; again while it fails on kept-alive connections the server had
        closed before answering (it never ran there). Each such failure closes one pooled
        connection, so this ends: at the latest on a new connection."""
        while True:
            if _opened.get():  # left by an earlier attempt of this task
                _opened.set(False)
            try:
                return await self._session.request(
                    "GET" if body is None else "POST",
                    url,
                    json=body,
                    headers=self._headers,
                    allow_redirects=False,
                    proxy=self._proxy_url,
                    proxy_headers=self._proxy_headers,
                    timeout=self._timeout,
                )
            except _FAILURES as exc:
                if _opened.get() or not _server_closed(exc):
                    raise _transport_error(exc, self._options, answered=False) from exc

    async def aclose(self) -> None:
        await self._session.close()


def _server_closed(exc: BaseException | None) -> bool:
    """A connection closed or reset by the server before any answer."""
    return isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError) and not (
        isinstance(exc, aiohttp.ClientConnectorError)
    )


# What aiohttp raises when an exchange fails (its timeouts are `TimeoutError`s).
_FAILURES = (aiohttp.ClientError, OSError, TimeoutError)


def _transport_error(exc: BaseException, options: ClientOptions, answered: bool) -> TransportError:
    """One of aiohttp's errors (`_FAILURES`) as a `TransportError` that says what happened,
    whether the request may have been received, and which setting was involved.
    `answered`: the answer had begun."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return TransportError(
            f"cannot reach the server (no connection within {options.connect_timeout:g} s, "
            "connect_timeout)",
            sent=False,
        )
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return TransportError(
            f"the server's TLS certificate is not trusted ({_reason(exc.certificate_error)}); "
            "SSL_CERT_FILE or SSL_CERT_DIR name the certificates to trust",
            sent=False,
            lasting=True,
        )
    if isinstance(exc, aiohttp.ClientConnectorSSLError):
        return TransportError(
            f"the TLS handshake with the server failed ({_reason(exc.os_error)})",
            sent=False,
            lasting=True,
        )
    if isinstance(exc, aiohttp.ClientProxyConnectionError):
        return TransportError(f"cannot reach the proxy ({_reason(exc.os_error)})", sent=False)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return TransportError(f"cannot reach the server ({_reason(exc.os_error)})", sent=False)
    if isinstance(exc, aiohttp.ClientHttpProxyError):
        return TransportError(
            f"the proxy refused to connect to the server (HTTP {exc.status}: {exc.message})",
            sent=False,
            lasting=exc.status not in RETRYABLE_STATUS,
        )
    if isinstance(exc, TimeoutError):  # aiohttp's sock_read timeout
        return _late(options)
    if _unsent(exc, answered):
        return TransportError(
            f"the server closed the connection before the request was sent ({_reason(exc)})",
            sent=False,
        )
    when = "mid-answer" if answered else "after the request was sent"
    return TransportError(f"the connection failed {when} ({_reason(exc)})", sent=True)


def _unsent(exc: BaseException, answered: bool) -> bool:
    """The server cannot have run the request: the connection broke while the request was
    being written (aiohttp says so only in its message, stable since 3.0), or was reset
    before any answer. A reset means the server closed its socket with data of ours unread
    (a clean close after reading everything ends with a FIN, not a reset)."""
    if not isinstance(exc, aiohttp.ClientOSError):
        return False
    if str(exc.strerror or "").startswith("Can not write request"):
        return True
    return not answered and exc.errno in (errno.ECONNRESET, errno.EPIPE)


def _late(options: ClientOptions) -> TransportError:
    return TransportError(f"no answer within {options.read_timeout:g} s (read_timeout)", sent=True)


def _too_large(limit: int) -> TransportError:
    return TransportError(
        f"the answer is larger than {limit / 2**20:g} MB (max_response_mb)",
        sent=True,
        lasting=True,
    )


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@dataclass(frozen=True, slots=True)
class Proxy:
    """The HTTP proxy requests go through, and its `Proxy-Authorization` from the
    user:password in its URL."""

    url: str
    authorization: str | None = field(default=None, repr=False)

    def __str__(self) -> str:
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, "", ""))


def environment_proxy(url: str) -> Proxy | None:
    """The proxy the environment names for `url` (`HTTPS_PROXY` / `HTTP_PROXY` by its
    scheme, else `ALL_PROXY`, in either case), unless `NO_PROXY` bypasses its host. Raises
    `ValueError` for a proxy that is not an `http://` or `https://` URL."""
    proxies = urllib.request.getproxies_environment()
    parts = urlsplit(url)
    chosen = proxies.get(parts.scheme) or proxies.get("all")
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
    if not chosen or bypass(parts.hostname or "", proxies):
        return None
    if "://" not in chosen:
        chosen = "http://" + chosen  # `HTTPS_PROXY=proxy:3128`, as curl takes it
    proxy = urlsplit(chosen)
    if proxy.scheme not in ("http", "https") or not proxy.hostname:
        shown = Proxy(chosen)
        raise ValueError(f"the proxy {shown} named by the environment is not an http(s) URL")
    authorization = None
    if proxy.username is not None:
        pair = f"{unquote(proxy.username)}:{unquote(proxy.password or '')}"
        authorization = "Basic " + base64.b64encode(pair.encode()).decode()
    host = proxy.hostname if proxy.port is None else f"{proxy.hostname}:{proxy.port}"
    return Proxy(urlunsplit((proxy.scheme, host, proxy.path, "", "")), authorization)


def tls_context() -> ssl.SSLContext:
    """Whom `https` servers are trusted by: the certificates in `SSL_CERT_FILE` /
    `SSL_CERT_DIR` when either is set (OpenSSL reads them), else the system's, plus
    certifi's bundle (for Python builds that find no system store)."""
    context = ssl.create_default_context()
    if not (os.environ.get("SSL_CERT_FILE") or os.environ.get("SSL_CERT_DIR")):
        context.load_verify_locations(cafile=certifi.where())
    return context
