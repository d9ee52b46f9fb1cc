"""An httpx transport for many concurrent small requests: HTTP/1.1 on asyncio streams.

httpx's default transport (httpcore over anyio and h11) spends about 1.5 ms of CPU per request
under load, and its pool rescans every connection whenever a request starts or ends, which is
quadratic in the number in flight: 1,000 concurrent calls cost seconds of CPU before any
answer arrives. This transport keeps a stack of idle keep-alive connections per origin (O(1)
to take or return one) and parses responses directly. `httpx.AsyncClient` still builds the
requests and decodes the responses (content encodings, JSON), so the client code is unchanged.

It does not do proxies or HTTP/2; `openai_client` uses httpx's own transport when an
environment proxy applies. Concurrency is bounded by the caller (the client's semaphore).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass

import httpx

MAX_HEAD_BYTES = 64 * 1024
NO_BODY_STATUS = frozenset({204, 304})


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


class FastTransport(httpx.AsyncBaseTransport):
    """Keep-alive HTTP/1.1 connections, reused most-recent first."""

    def __init__(self, tls: ssl.SSLContext | None = None, keepalive_expiry: float = 30.0) -> None:
        # Building a TLS context costs 20-100 ms of CPU that blocks the event loop, so a
        # client of a plain `http://` server (the local and simulated ones) never builds one.
        self._tls = tls
        self._expiry = keepalive_expiry
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = default_ssl_context()
        return self._tls

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        body = await request.aread()
        head = _request_head(request)
        for _ in range(2):
            connection = await self._take(request, timeouts.get("connect"))
            try:
                status, headers, content, keep = await _exchange(
                    connection, head + body, request.method, timeouts.get("read")
                )
            except _Closed:
                connection.close()
                continue  # a stale keep-alive connection: once more on a fresh one
            except TimeoutError as exc:
                connection.close()
                raise httpx.ReadTimeout("no answer in time", request=request) from exc
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                    ValueError) as exc:
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
        raise httpx.RemoteProtocolError("the server closed the connection", request=request)

    async def _take(self, request: httpx.Request, timeout: float | None) -> _Connection:
        url = request.url
        stack = self._idle.get(_origin(url))
        now = time.monotonic()
        while stack:
            connection = stack.pop()
            if now - connection.idle_since < self._expiry and not connection.reader.at_eof():
                connection.reused = True
                return connection
            connection.close()
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
    connection: _Connection, data: bytes, method: str, timeout: float | None
) -> tuple[int, list[tuple[bytes, bytes]], bytes, bool]:
    """Send one request and read its whole response: status, headers, body, keep-alive."""
    reader = connection.reader
    connection.writer.write(data)
    async with asyncio.timeout(timeout):
        await connection.writer.drain()
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError as exc:
                if connection.reused and not exc.partial:
                    raise _Closed from exc
                raise
            status_line, *header_lines = head[:-4].split(b"\r\n")
            version, _, rest = status_line.partition(b" ")
            status = int(rest[:3])
            if status >= 200 or status == 101:
                break  # 1xx interim answers (100 Continue) are skipped
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
            content = await _read_chunked(reader)
        elif b"content-length" in fields:
            content = await reader.readexactly(int(fields[b"content-length"]))
        else:
            content = await reader.read()
            keep = False
    # httpx must not undo the framing we already removed.
    headers = [(n, v) for n, v in headers if n.lower() != b"transfer-encoding"]
    return status, headers, content, keep


def _split_header(line: bytes) -> tuple[bytes, bytes]:
    name, _, value = line.partition(b":")
    return name.strip(), value.strip()


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass  # trailers
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


def default_ssl_context() -> ssl.SSLContext:
    """The TLS context httpx would build (certifi's roots when available)."""
    try:
        import certifi
    except ImportError:
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())
