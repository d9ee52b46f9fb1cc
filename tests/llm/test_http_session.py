"""The client's HTTP layer (aiohttp) against real servers on loopback: keep-alive reuse,
framing (chunked, until-close, gzip), the size limit, timeouts, stale keep-alive connections,
and errors that say whether the request may have reached the server."""

from __future__ import annotations

import asyncio
import gzip
import socket
import struct
from collections.abc import AsyncIterator

import pytest

from epic_lang.llm.client_settings import ClientOptions
from epic_lang.llm.http_session import HTTPSession, TransportError


async def serve(answers: list[bytes], close_after_each: bool):
    """A server sending `answers` in turn (one per request) and counting connections."""
    state = {"connections": 0, "next": 0}

    async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        state["connections"] += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    ),
                    0,
                )
                await reader.readexactly(length)
                writer.write(answers[state["next"] % len(answers)])
                state["next"] += 1
                await writer.drain()
                if close_after_each:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    server = await asyncio.start_server(on_connection, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", state


def response(body: bytes, *headers: bytes) -> bytes:
    head = [b"HTTP/1.1 200 OK", b"Content-Length: %d" % len(body), *headers]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def session(url: str, **options: object) -> HTTPSession:
    return HTTPSession(url, {}, ClientOptions(**options))  # type: ignore[arg-type]


async def fetch(http: HTTPSession, url: str) -> bytes:
    answer = await http.exchange(url, {"q": 1})
    assert answer.status == 200
    return answer.content


@pytest.fixture
async def http_of() -> AsyncIterator:
    made: list[HTTPSession] = []

    def make(url: str, **options: object) -> HTTPSession:
        made.append(session(url, **options))
        return made[-1]

    yield make
    for http in made:
        await http.aclose()


async def test_keep_alive_connections_are_reused(http_of):
    server, url, state = await serve([response(b'{"a": 1}')], close_after_each=False)
    async with server:
        http = http_of(url)
        for _ in range(3):
            assert await fetch(http, url) == b'{"a": 1}'
    assert state["connections"] == 1


async def test_chunked_until_close_and_gzip_bodies(http_of):
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n"
    )
    zipped = response(gzip.compress(b'{"z": true}'), b"Content-Encoding: gzip")
    server, url, _ = await serve([chunked, zipped], close_after_each=False)
    async with server:
        http = http_of(url)
        assert await fetch(http, url) == b"hello world"
        assert await fetch(http, url) == b'{"z": true}'
    server, url, _ = await serve([b"HTTP/1.0 200 OK\r\n\r\nall of it"], close_after_each=True)
    async with server:
        assert await fetch(http_of(url), url) == b"all of it"


@pytest.mark.parametrize(
    "answer",
    [
        response(b"x" * 5000),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + (b"900\r\n" + b"x" * 2304 + b"\r\n") * 2
        + b"0\r\n\r\n",
        b"HTTP/1.0 200 OK\r\n\r\n" + b"x" * 5000,
        response(gzip.compress(b"x" * 5000), b"Content-Encoding: gzip"),
    ],
    ids=["content-length", "chunked", "until-close", "gzip-bomb"],
)
async def test_a_body_over_the_limit_is_refused(http_of, answer):
    server, url, _ = await serve([answer], close_after_each=True)
    async with server:
        http = http_of(url, max_response_bytes=4096)
        with pytest.raises(TransportError, match="larger than 0.00390625 MB") as caught:
            await fetch(http, url)
    assert caught.value.lasting


async def test_a_silent_server_times_out_and_the_request_counts_as_sent(http_of):
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        with pytest.raises(TransportError, match=r"no answer within 0.2 s \(read_timeout\)") as e:
            await fetch(http_of(url, read_timeout=0.2), url)
    assert e.value.sent and not e.value.lasting


async def test_an_answer_trickling_past_connect_and_read_timeouts_is_abandoned(http_of):
    """Never silent for `read_timeout`, but still arriving after `connect_timeout +
    read_timeout`: the exchange is abandoned rather than held as long as the server likes."""

    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        try:
            for _ in range(1000):
                writer.write(b"x")
                await writer.drain()
                await asyncio.sleep(0.02)
        except ConnectionError:
            pass
        writer.close()

    server = await asyncio.start_server(trickle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        http = http_of(url, connect_timeout=0.1, read_timeout=0.2)
        with pytest.raises(TransportError, match=r"no answer within 0.2 s \(read_timeout\)") as e:
            await fetch(http, url)
    assert e.value.sent and not e.value.lasting


async def test_a_reused_connection_reset_before_any_answer_is_replaced(http_of):
    """The server closes an idle keep-alive connection with our request unread (a reset):
    the request never ran, so it goes once more on another connection."""
    state = {"connections": 0}

    async def once_then_reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        state["connections"] += 1
        await reader.readuntil(b"\r\n\r\n")
        await reader.readexactly(8)  # the body, {"q": 1}
        writer.write(response(b"ok"))
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")  # the second request: dropped unanswered
        linger_zero = struct.pack("ii", 1, 0)  # close with a reset, not a clean end
        writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger_zero)
        writer.close()

    server = await asyncio.start_server(once_then_reset, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        http = http_of(url)
        assert await fetch(http, url) == b"ok"
        assert await fetch(http, url) == b"ok"
    assert state["connections"] == 2


async def test_a_new_connection_reset_before_any_answer_is_not_replaced(http_of):
    """Only a kept-alive connection's reset says the request never ran: on a connection
    opened for it, the server may have read (and run) the request, so it fails as sent."""
    state = {"connections": 0}

    async def reset_the_first(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        state["connections"] += 1
        await reader.readuntil(b"\r\n\r\n")
        if state["connections"] > 1:  # sent again: answered, and the test fails
            await reader.readexactly(8)
            writer.write(response(b"ok"))
            await writer.drain()
            writer.close()
            return
        linger_zero = struct.pack("ii", 1, 0)  # close with a reset, the body unread
        writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger_zero)
        writer.close()

    server = await asyncio.start_server(reset_the_first, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server:
        with pytest.raises(TransportError):
            await fetch(http_of(url), url)
    assert state["connections"] == 1


async def test_errors_say_whether_the_request_was_sent(http_of):
    server, url, _ = await serve(
        [b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"], close_after_each=True
    )
    async with server:
        with pytest.raises(TransportError, match="the connection failed mid-answer") as lost:
            await fetch(http_of(url), url)  # a fresh connection: the server had the request
    assert lost.value.sent
    with pytest.raises(TransportError, match="cannot reach the server") as refused:
        await fetch(http_of(url), url)  # nothing sent: the server is gone
    assert not refused.value.sent and not refused.value.lasting
