"""Reading a streamed chat answer: server-sent events to pieces of text.

Two functions over async iterators, apart from any transport, so that the HTTP client only
has to hand over the body's bytes as they arrive: `sse_data` cuts the bytes into events
(the `data` of each, as the SSE specification joins it), `chat_pieces` reads OpenAI's
`chat.completion.chunk` objects from them. A hostile or broken server (garbage instead of
JSON, an `error` object, a body cut before the answer was complete, a line or body larger than
the limit) gets a `StreamError` saying what was wrong, never a traceback; lines that are not
`data` fields (comments, `event:`, `id:`, `retry:`, junk) are ignored, as the specification
says. A stream that ends without `[DONE]` is accepted only when its last choice said why it
finished (`finish_reason`), so that a body cut at a chunk boundary is not taken for a whole
answer.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from epic_lang.llm.interface import LLMError
from epic_lang.llm.wire import reported_usage

DONE = "[DONE]"


class StreamError(LLMError):
    """A streamed answer that could not be read to its end."""


async def sse_data(chunks: AsyncIterator[bytes], limit: int) -> AsyncIterator[bytes]:
    """The `data` of each event in a body of server-sent events, refusing bodies larger than
    `limit` bytes (a line without end is refused once it passes the limit, too)."""
    partial: list[bytes] = []  # the bytes of a line not ended yet
    size = 0
    data: list[bytes] = []
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise StreamError(f"the streamed answer is larger than {_mb(limit)} (max_response_mb)")
        if b"\n" not in chunk:
            partial.append(chunk)
            continue
        *lines, rest = b"".join([*partial, chunk]).split(b"\n")
        partial = [rest]
        for line in lines:
            line = line.removesuffix(b"\r")
            if not line:
                if data:
                    yield b"\n".join(data)
                    data = []
            elif line.startswith(b"data:"):
                value = line[5:]
                data.append(value[1:] if value.startswith(b" ") else value)
    line = b"".join(partial).removesuffix(b"\r")
    if line.startswith(b"data:"):  # the last event, not followed by its blank line
        value = line[5:]
        data.append(value[1:] if value.startswith(b" ") else value)
    if data:
        yield b"\n".join(data)


class StreamUsage:
    """The `usage` a stream's last chunk reported (with `stream_options.include_usage`)."""

    def __init__(self) -> None:
        self.counts: tuple[int, int] | None = None


async def chat_pieces(events: AsyncIterator[bytes], usage: StreamUsage) -> AsyncIterator[str]:
    """The text pieces of a streamed chat answer (its first choice), in order."""
    finished = False
    async for data in events:
        if data.strip() == DONE.encode():
            return
        try:
            chunk = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise StreamError(
                f"the server sent an event that is not JSON: {_start(data)}"
            ) from None
        if not isinstance(chunk, dict):
            raise StreamError(f"the server sent an event that is not an object: {_start(data)}")
        error = chunk.get("error")
        if error is not None:
            message = error.get("message") if isinstance(error, dict) else error
            raise StreamError(f"the server stopped the answer with an error: {message}")
        counts = reported_usage(chunk)
        if counts is not None:
            usage.counts = counts
        choices = chunk.get("choices")
        if not isinstance(choices, list):
            raise StreamError(f"the server sent a chunk without `choices`: {_start(data)}")
        for choice in choices:
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            piece = _content(choice)
            if piece:
                yield piece
            finished = choice.get("finish_reason") is not None
    if not finished:
        raise StreamError("the stream ended before the answer was complete (no [DONE])")


def _content(choice: dict[str, Any]) -> str | None:
    delta = choice.get("delta")
    content = delta.get("content") if isinstance(delta, dict) else choice.get("text")
    if content is None or isinstance(content, str):
        return content
    raise StreamError(f"the server sent a piece of text that is not a string: {content!r:.80}")


def _start(data: bytes) -> str:
    text = data[:120].decode("utf-8", "replace")
    return repr(text + ("..." if len(data) > 120 else ""))


def _mb(limit: int) -> str:
    return f"{limit / 2**20:g} MB"
