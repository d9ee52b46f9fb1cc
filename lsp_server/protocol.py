"""pygls's LSP protocol, made to answer requests it cannot read, and to refuse requests
without calling it a failure.

pygls turns a request whose params do not fit the LSP types (no params, a string for a
position, a negative or 2**64 line) into an exception while decoding the JSON and only logs
it, so the client waits for an answer for ever. Here such a request decodes to an
`Unreadable` message instead, answered with InvalidParams (-32602) like any failed request.

pygls also logs every error answer with a traceback, as if the server had crashed. A
`Refusal` (a rename that would clash, say) is an ordinary answer: the client shows its
message (RequestFailed, -32803, whose message LSP says is for the user), and the log gets
one line.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol

logger = logging.getLogger("epic.lsp")


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A request whose params could not be decoded."""

    msg_id: int | str
    method: str
    error: JsonRpcException


class Refusal(JsonRpcException):
    """A request the server declines, with the reason for the user."""

    CODE = -32803  # RequestFailed


class EpicProtocol(LanguageServerProtocol):
    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            msg_id = data.get("id")
            if not isinstance(msg_id, int | str) or not isinstance(data.get("method"), str):
                raise  # not a request: there is no one to answer
            if not isinstance(error, JsonRpcInvalidParams):
                error = JsonRpcInvalidParams()
            return Unreadable(msg_id, data["method"], error)

    def handle_message(self, message: Any) -> None:
        if isinstance(message, Unreadable):
            logger.warning("invalid params in a %s request", message.method)
            self._send_response(message.msg_id, None, message.error.to_response_error())
            return
        super().handle_message(message)

    def _send_handler_result(self, future: Future[Any], *, msg_id: Any) -> None:
        if not future.cancelled() and isinstance(refusal := future.exception(), Refusal):
            self._request_futures.pop(msg_id, None)
            logger.info("declined request %s: %s", msg_id, refusal)
            self._send_response(msg_id, error=refusal.to_response_error())
            return
        super()._send_handler_result(future, msg_id=msg_id)
