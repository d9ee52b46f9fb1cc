"""pygls's LSP protocol, made to answer requests it cannot read.

pygls turns a request whose params do not fit the LSP types (no params, a string for a
position, a negative or 2**64 line) into an exception while decoding the JSON and only logs
it, so the client waits for an answer for ever. Here such a request decodes to an
`Unreadable` message instead, answered with InvalidParams (-32602) like any failed request.
"""

from __future__ import annotations

import logging
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
