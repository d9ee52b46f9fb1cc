"""The HTTP/1.1 transport against hand-written servers: framing (Content-Length, chunked,
until-close), keep-alive reuse, stale connections the server closed, gzip, errors."""

from __future__ import annotations

import asyncio
import gzip
import socket
import ssl
import struct

import httpx
import pytest

from epic_lang.llm.fast_transport import FastTransport, ResponseTooLarge


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


def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=FastTransport(ssl.create_default_context()), timeout=5)


def response(body: bytes, *headers: bytes) -> bytes:
    head = [b"HTTP/1.1 200 OK", b"Content-Length: %d" % len(body), *headers]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


async def test_keep_alive_connections_are_reused():
    server, url, state = await serve([response(b'{"a": 1}')], close_after_each=False)
    async with server, client() as http:
        for _ in range(3):
            assert (await http.post(url + "/x", json={"q": 1})).json() == {"a": 1}
    assert state["connections"] == 1


async def test_a_connection_the_server_closed_is_replaced():
    server, url, state = await serve([response(b"ok")], close_after_each=True)
    async with server, client() as http:
        for _ in range(3):
            answer = await http.post(url, json={})
            assert answer.text == "ok"
            await asyncio.sleep(0.05)  # let the close arrive, or not: both must work
    assert state["connections"] == 3


async def test_chunked_until_close_and_gzip_bodies():
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n"
    )
    until_close = b"HTTP/1.0 200 OK\r\n\r\nall of it"
    zipped = response(gzip.compress(b'{"z": true}'), b"Content-Encoding: gzip")
    server, url, _ = await serve([chunked, zipped], close_after_each=False)
    async with server, client() as http:
        assert (await http.get(url)).text == "hello world"
        assert (await http.get(url)).json() == {"z": True}
    server, url, _ = await serve([until_close], close_after_each=True)
    async with server, client() as http:
        assert (await http.get(url)).text == "all of it"


async def test_interim_100_answers_are_skipped():
    server, url, _ = await serve(
        [b"HTTP/1.1 100 Continue\r\n\r\n" + response(b"done")], close_after_each=False
    )
    async with server, client() as http:
        answer = await http.post(url, content=b"x")
    assert (answer.status_code, answer.text) == (200, "done")


async def test_a_silent_server_times_out():
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server, client() as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get(url, timeout=0.1)


@pytest.mark.parametrize(
    "answer",
    [
        response(b"x" * 5000),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"900\r\n"
        + b"x" * 2304
        + b"\r\n"
        + b"900\r\n"
        + b"x" * 2304
        + b"\r\n0\r\n\r\n",
        b"HTTP/1.0 200 OK\r\n\r\n" + b"x" * 5000,
    ],
    ids=["content-length", "chunked", "until-close"],
)
async def test_a_body_over_the_limit_is_refused(answer):
    server, url, _ = await serve([answer], close_after_each=True)
    transport = FastTransport(max_body_bytes=4096)
    async with server, httpx.AsyncClient(transport=transport, timeout=5) as http:
        with pytest.raises(ResponseTooLarge, match="larger than 4,096 bytes"):
            await http.get(url)


async def test_a_reused_connection_reset_before_any_answer_is_replaced():
    """The server closes an idle keep-alive connection with our request unread (a reset):
    the request never ran, so it goes once more on a fresh connection."""
    state = {"connections": 0}

    async def once_then_reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        state["connections"] += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(response(b"ok"))
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")  # the second request: dropped unanswered
        linger_zero = struct.pack("ii", 1, 0)  # close with a reset, not a clean end
        writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger_zero)
        writer.close()

    server = await asyncio.start_server(once_then_reset, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with server, client() as http:
        assert (await http.get(url)).text == "ok"
        assert (await http.get(url)).text == "ok"
    assert state["connections"] == 2


async def test_errors_say_whether_the_request_was_sent():
    server, url, _ = await serve(
        [b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"], close_after_each=True
    )
    async with server, client() as http:
        with pytest.raises(httpx.RemoteProtocolError):  # sent on a fresh connection
            await http.get(url)
    async with client() as http:
        with pytest.raises(httpx.ConnectError):  # nothing sent: the server is gone
            await http.get(url)
