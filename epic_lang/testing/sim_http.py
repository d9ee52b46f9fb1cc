"""A small HTTP/1.1 server on asyncio streams, just enough for the simulated LLM API.

Written on raw asyncio rather than uvicorn because the simulator must hold thousands of
concurrent keep-alive connections on a shared two-core machine, and uvicorn without httptools
parses with h11 in pure Python, several times slower than this. It supports keep-alive,
`Content-Length` request bodies and chunked responses (for server-sent events).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

MAX_BODY_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class HTTPRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass(frozen=True, slots=True)
class HTTPResponse:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class StreamResponse:
    """A response sent with chunked transfer encoding as `chunks` produces its parts."""

    status: int
    chunks: AsyncIterator[bytes]
    content_type: str = "text/event-stream"
    headers: tuple[tuple[str, str], ...] = ()


Handler = Callable[[HTTPRequest], Awaitable[HTTPResponse | StreamResponse]]


def json_response(
    status: int, value: Any, headers: tuple[tuple[str, str], ...] = ()
) -> HTTPResponse:
    return HTTPResponse(status, json.dumps(value).encode(), headers=headers)


class _BadRequest(Exception):
    pass


async def _read_request(reader: asyncio.StreamReader) -> HTTPRequest | None:
    """The next request on a connection, or None when the client closed it."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    except asyncio.LimitOverrunError as exc:
        raise _BadRequest("request head too large") from exc
    lines = head.decode("latin-1").split("\r\n")
    try:
        method, target, _version = lines[0].split(" ", 2)
    except ValueError as exc:
        raise _BadRequest("malformed request line") from exc
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        raise _BadRequest("chunked request bodies are not supported")
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError as exc:
        raise _BadRequest("bad Content-Length") from exc
    if not 0 <= length <= MAX_BODY_BYTES:
        raise _BadRequest("bad Content-Length")
    body = await reader.readexactly(length) if length else b""
    url = urlsplit(target)
    return HTTPRequest(method.upper(), url.path, dict(parse_qsl(url.query)), headers, body)


def _head(status: int, fields: list[tuple[str, str]]) -> bytes:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Status"
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{name}: {value}" for name, value in fields]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _write(
    writer: asyncio.StreamWriter, response: HTTPResponse | StreamResponse, keep_alive: bool
) -> None:
    connection = ("Connection", "keep-alive" if keep_alive else "close")
    if isinstance(response, HTTPResponse):
        fields = [
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))),
            connection,
            *response.headers,
        ]
        writer.write(_head(response.status, fields) + response.body)
        await writer.drain()
        return
    fields = [
        ("Content-Type", response.content_type),
        ("Transfer-Encoding", "chunked"),
        ("Cache-Control", "no-cache"),
        connection,
        *response.headers,
    ]
    writer.write(_head(response.status, fields))
    async for chunk in response.chunks:
        if chunk:
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
    writer.write(b"0\r\n\r\n")
    await writer.drain()


class HTTPServer:
    """A listening server whose outages can be simulated: `refuse_connections(seconds)`
    closes the listening socket (new connections are refused, as by a server that is down),
    lets requests already received finish, closes idle keep-alive connections, and listens
    again on the same port afterwards."""

    def __init__(self, handler: Handler, host: str, backlog: int) -> None:
        self._handler = handler
        self._host = host
        self._backlog = backlog
        self._server: asyncio.Server | None = None
        self._idle: set[asyncio.StreamWriter] = set()
        self._refusing = False
        self.port = 0

    @property
    def sockets(self) -> tuple[Any, ...]:
        return tuple(self._server.sockets) if self._server is not None else ()

    async def listen(self, port: int) -> None:
        self._server = await asyncio.start_server(
            self._serve_connection, self._host, port, backlog=self._backlog
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def refuse_connections(self, seconds: float) -> None:
        if self._refusing or self._server is None:
            return
        self._refusing = True
        self._server.close()
        for writer in list(self._idle):
            writer.close()
        await asyncio.sleep(seconds)
        self._refusing = False
        await self.listen(self.port)

    async def serve_forever(self) -> None:
        await asyncio.Event().wait()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def __aenter__(self) -> HTTPServer:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if self._refusing:
            writer.close()  # accepted just before the listener closed
            return
        try:
            while True:
                self._idle.add(writer)
                try:
                    request = await _read_request(reader)
                except _BadRequest as exc:
                    await _write(
                        writer, json_response(400, {"error": {"message": str(exc)}}), False
                    )
                    return
                finally:
                    self._idle.discard(writer)
                if request is None:
                    return
                keep_alive = request.headers.get("connection", "").lower() != "close"
                try:
                    response = await self._handler(request)
                except Exception as exc:  # a bug in a handler answers 500 instead of hanging up
                    response = json_response(
                        500, {"error": {"message": f"{type(exc).__name__}: {exc}"}}
                    )
                keep_alive = keep_alive and not self._refusing
                await _write(writer, response, keep_alive)
                if not keep_alive:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:
            # The loop is shutting down with this connection open. Nothing awaits this task,
            # and Python 3.11's stream server logs a cancelled one as an error.
            return
        finally:
            writer.close()


async def start_http_server(
    handler: Handler, host: str, port: int, backlog: int = 4096
) -> HTTPServer:
    """Listen on (host, port); port 0 picks a free one (see `port`)."""
    server = HTTPServer(handler, host, backlog)
    await server.listen(port)
    return server
