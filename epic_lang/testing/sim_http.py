"""The sim-server's listener: aiohttp's low-level web server, and the outages it can play.

aiohttp's server holds thousands of keep-alive connections with a C parser, and gives
chunked bodies (server-sent events) and keep-alive handling as every client expects them.
What it lacks for a simulator is an outage: `refuse_connections(seconds)` closes the listening
socket (new connections are refused, as by a server that is down), lets the requests already
received finish and closes their connections after the answer, closes idle keep-alive
connections at once, and listens again on the same port afterwards.
"""

from __future__ import annotations

import asyncio
import json
import socket
import weakref
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.http_parser import RawRequestMessage
from aiohttp.streams import StreamReader
from aiohttp.web_protocol import RequestHandler

MAX_BODY_BYTES = 64 * 1024 * 1024

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


def json_response(
    status: int, value: Any, headers: tuple[tuple[str, str], ...] = ()
) -> web.Response:
    return web.Response(
        status=status,
        body=json.dumps(value).encode(),
        content_type="application/json",
        headers=dict(headers),
    )


class HTTPServer:
    """A listening server whose outages can be simulated (see the module's docstring)."""

    def __init__(self, handler: Handler, host: str, backlog: int) -> None:
        self._handler = handler
        self._host = host
        self._backlog = backlog
        # access_log=None: no log line (and no formatting) per request.
        self._web = web.Server(self._handle, request_factory=self._request, access_log=None)
        self._server: asyncio.Server | None = None
        self._busy: Counter[RequestHandler] = Counter()  # connections with a request in hand
        # The transports of connections that have brought a request (a handler keeps no
        # weak references).
        self._served: weakref.WeakSet[asyncio.BaseTransport] = weakref.WeakSet()
        self._refusing = False
        self.port = 0

    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        return tuple(self._server.sockets) if self._server is not None else ()

    async def listen(self, port: int) -> None:
        self._server = await asyncio.get_running_loop().create_server(
            self._web, self._host, port, backlog=self._backlog, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def refuse_connections(self, seconds: float) -> None:
        if self._refusing or self._server is None:
            return
        self._refusing = True  # from now on every answer says `Connection: close`
        self._server.close()
        for connection in self._web.connections:
            # Kept-alive and idle: closed now (`close` would leave it open but deaf). A
            # connection not used yet is left to bring its request, as a server draining
            # its connections does, so that only requests on reused connections meet a close.
            if connection.transport in self._served and connection not in self._busy:
                connection.force_close()
        await asyncio.sleep(seconds)
        self._refusing = False
        await self.listen(self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        await self._web.shutdown(timeout=0.1)  # requests still in flight are abandoned
        if self._server is not None:
            await self._server.wait_closed()

    async def __aenter__(self) -> HTTPServer:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        connection = request.protocol
        if request.transport is not None:
            self._served.add(request.transport)
        self._busy[connection] += 1
        try:
            response = await self._handler(request)
        except ConnectionResetError:
            # The client hung up before its request was read whole (it timed out, or was
            # stopped): usual for a load test, so not worth a traceback. No one reads this.
            response = web.Response(status=499, reason="Client Closed Request")
        finally:
            self._busy[connection] -= 1
            if not self._busy[connection]:
                del self._busy[connection]
        if self._refusing:
            response.force_close()  # answered with `Connection: close`
        return response

    def _request(
        self,
        message: RawRequestMessage,
        payload: StreamReader,
        protocol: RequestHandler,
        writer: AbstractStreamWriter,
        task: asyncio.Task[None],
    ) -> web.BaseRequest:
        """A request whose body may be as large as a long prompt (aiohttp's default: 1 MB)."""
        return web.BaseRequest(
            message,
            payload,
            protocol,
            writer,
            task,
            task.get_loop(),
            client_max_size=MAX_BODY_BYTES,
        )


async def start_http_server(
    handler: Handler, host: str, port: int, backlog: int = 4096
) -> HTTPServer:
    """Listen on (host, port); port 0 picks a free one (see `port`)."""
    server = HTTPServer(handler, host, backlog)
    await server.listen(port)
    return server
