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


async def _serve_connection(
    handler: Handler, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        while True:
            try:
                request = await _read_request(reader)
            except _BadRequest as exc:
                await _write(writer, json_response(400, {"error": {"message": str(exc)}}), False)
                return
            if request is None:
                return
            keep_alive = request.headers.get("connection", "").lower() != "close"
            try:
                response = await handler(request)
            except Exception as exc:  # a bug in a handler answers 500 instead of hanging up
                response = json_response(
                    500, {"error": {"message": f"{type(exc).__name__}: {exc}"}}
                )
            await _write(writer, response, keep_alive)
            if not keep_alive:
                return
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        writer.close()


async def start_http_server(
    handler: Handler, host: str, port: int, backlog: int = 4096
) -> asyncio.Server:
    """Listen on (host, port); port 0 picks a free one (see `server.sockets`)."""

    async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _serve_connection(handler, reader, writer)

    return await asyncio.start_server(on_connection, host, port, backlog=backlog)
