"""An httpx transport for many concurrent small requests: HTTP/1.1 on asyncio streams.

httpx's default transport (httpcore over anyio and h11) spends about 1.5 ms of CPU per request
under load, and its pool rescans every connection whenever a request starts or ends, which is
quadratic in the number in flight: 1,000 concurrent calls cost seconds of CPU before any
answer arrives. This transport keeps a stack of idle keep-alive connections per origin (O(1)
to take or return one) and parses responses directly. `httpx.AsyncClient` still builds the
requests and decodes the responses (content encodings, JSON), so the client code is unchanged.

Its errors say whether the request may have reached the server, which decides whether it is
safe to send again: `httpx.ConnectError` and `httpx.ConnectTimeout` mean nothing was sent;
every other error comes after the request was written. A response body larger than
`max_body_bytes` (when given) is not read but refused with `ResponseTooLarge`.

It does not do proxies or HTTP/2; `openai_client` uses httpx's own transport when an
environment proxy applies. Concurrency is bounded by the caller (the client's semaphore).
"""

from __future__ import annotations

import asyncio
import ssl
import sys
import time
from dataclasses import dataclass

import httpx

MAX_HEAD_BYTES = 64 * 1024
NO_BODY_STATUS = frozenset({204, 304})


class ResponseTooLarge(httpx.RemoteProtocolError):
    """The answer's body is larger than the limit the client set."""

    def __init__(self, limit: int, request: httpx.Request) -> None:
        super().__init__(f"the answer is larger than {limit:,} bytes", request=request)
        self.limit = limit


@dataclass(slots=True)
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float = 0.0
    reused: bool = False

    def close(self) -> None:
        self.writer.close()


class _Closed(Exception):
    """The server closed a reused keep-alive connection before answering."""


class _TooLarge(Exception):
    """The body is larger than the limit."""


class FastTransport(httpx.AsyncBaseTransport):
    """Keep-alive HTTP/1.1 connections, reused most-recent first."""

    def __init__(
        self,
        tls: ssl.SSLContext | None = None,
        keepalive_expiry: float = 30.0,
        max_body_bytes: int | None = None,
    ) -> None:
        # Building a TLS context costs 20-100 ms of CPU that blocks the event loop, so a
        # client of a plain `http://` server (the local and simulated ones) never builds one.
        self._tls = tls
        self._expiry = keepalive_expiry
        self._max_body = sys.maxsize if max_body_bytes is None else max_body_bytes
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = default_ssl_context()
        return self._tls

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        data = _request_head(request) + await request.aread()
        connection = self._reuse(request) or await self._open(request, timeouts.get("connect"))
        try:
            return await self._exchange(request, connection, data, timeouts.get("read"))
        except _Closed:
            # A stale keep-alive connection the server had closed before reading the request:
            # once more on a fresh connection, which cannot be stale.
            connection = await self._open(request, timeouts.get("connect"))
            return await self._exchange(request, connection, data, timeouts.get("read"))

    async def _exchange(
        self, request: httpx.Request, connection: _Connection, data: bytes, timeout: float | None
    ) -> httpx.Response:
        try:
            status, headers, content, keep = await _exchange(
                connection, data, request.method, timeout, self._max_body
            )
        except _Closed:
            connection.close()
            raise
        except _TooLarge as exc:
            connection.close()
            raise ResponseTooLarge(self._max_body, request) from exc
        except TimeoutError as exc:
            connection.close()
            raise httpx.ReadTimeout("no answer in time", request=request) from exc
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            connection.close()
            raise httpx.RemoteProtocolError(_reason(exc), request=request) from exc
        except BaseException:
            connection.close()  # cancelled mid-exchange: the stream state is unknown
            raise
        if keep:
            self._give_back(request, connection)
        else:
            connection.close()
        return httpx.Response(
            status, headers=headers, stream=httpx.ByteStream(content), request=request
        )

    def _reuse(self, request: httpx.Request) -> _Connection | None:
        """The most recently used idle connection that is still open and fresh."""
        stack = self._idle.get(_origin(request.url))
        now = time.monotonic()
        while stack:
            connection = stack.pop()
            if now - connection.idle_since < self._expiry and not connection.reader.at_eof():
                connection.reused = True
                return connection
            connection.close()
        return None

    async def _open(self, request: httpx.Request, timeout: float | None) -> _Connection:
        url = request.url
        secure = url.scheme == "https"
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    url.host,
                    url.port or (443 if secure else 80),
                    ssl=self._tls_context() if secure else None,
                    server_hostname=url.host if secure else None,
                    limit=MAX_HEAD_BYTES,
                )
        except TimeoutError as exc:
            raise httpx.ConnectTimeout("connecting timed out", request=request) from exc
        except OSError as exc:
            raise httpx.ConnectError(_reason(exc), request=request) from exc
        return _Connection(reader, writer)

    def _give_back(self, request: httpx.Request, connection: _Connection) -> None:
        connection.idle_since = time.monotonic()
        self._idle.setdefault(_origin(request.url), []).append(connection)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, {}
        for stack in idle.values():
            for connection in stack:
                connection.close()


def _origin(url: httpx.URL) -> tuple[str, str, int]:
    return (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _request_head(request: httpx.Request) -> bytes:
    lines = [b"%s %s HTTP/1.1" % (request.method.encode(), request.url.raw_path)]
    lines += [name + b": " + value for name, value in request.headers.raw]
    return b"\r\n".join(lines) + b"\r\n\r\n"


async def _exchange(
    connection: _Connection, data: bytes, method: str, timeout: float | None, limit: int
) -> tuple[int, list[tuple[bytes, bytes]], bytes, bool]:
    """Send one request and read its whole response: status, headers, body, keep-alive."""
    reader = connection.reader
    async with asyncio.timeout(timeout):
        try:
            connection.writer.write(data)
            await connection.writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            # Closed (or reset, when our request was still unread) with no answer at all: the
            # server had closed this idle connection, so it never handled the request.
            answered = isinstance(exc, asyncio.IncompleteReadError) and exc.partial
            if connection.reused and not answered:
                raise _Closed from exc
            raise
        while True:
            status_line, *header_lines = head[:-4].split(b"\r\n")
            version, _, rest = status_line.partition(b" ")
            status = int(rest[:3])
            if status >= 200 or status == 101:
                break  # 1xx interim answers (100 Continue) are skipped
            head = await reader.readuntil(b"\r\n\r\n")
        headers = [_split_header(line) for line in header_lines if line]
        fields = {name.lower(): value for name, value in headers}
        keep = (
            fields.get(b"connection", b"").lower() != b"close"
            if version == b"HTTP/1.1"
            else fields.get(b"connection", b"").lower() == b"keep-alive"
        )
        if method == "HEAD" or status in NO_BODY_STATUS:
            content = b""
        elif b"chunked" in fields.get(b"transfer-encoding", b"").lower():
            content = await _read_chunked(reader, limit)
        elif b"content-length" in fields:
            length = int(fields[b"content-length"])
            if length > limit:
                raise _TooLarge
            content = await reader.readexactly(length)
        else:
            content = await _read_until_close(reader, limit)
            keep = False
    # httpx must not undo the framing we already removed.
    headers = [(n, v) for n, v in headers if n.lower() != b"transfer-encoding"]
    return status, headers, content, keep


def _split_header(line: bytes) -> tuple[bytes, bytes]:
    name, _, value = line.partition(b":")
    return name.strip(), value.strip()


async def _read_chunked(reader: asyncio.StreamReader, limit: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass  # trailers
            return b"".join(parts)
        total += size
        if total > limit:
            raise _TooLarge
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


async def _read_until_close(reader: asyncio.StreamReader, limit: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while part := await reader.read(64 * 1024):
        total += len(part)
        if total > limit:
            raise _TooLarge
        parts.append(part)
    return b"".join(parts)


def default_ssl_context() -> ssl.SSLContext:
    """The TLS context httpx would build (certifi's roots when available)."""
    try:
        import certifi
    except ImportError:
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())
