"""Send completions requests that are pending at the same moment as one request.

Opportunistic evaluation fires many independent calls in the same instant. `/v1/completions`
accepts a list of prompts, and servers that batch on the GPU (vLLM, llama.cpp's server) answer
such a list in about the time of one prompt. The batcher collects requests with equal
parameters for a short window, sends one request, and hands each caller its own choices.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from epic_lang.llm.wire import split_batched_answer

Send = Callable[[dict[str, Any]], Awaitable[Any]]


@dataclass(slots=True)
class _Group:
    params: dict[str, Any]
    per_prompt: int
    prompts: list[str] = field(default_factory=list)
    waiters: list[asyncio.Future[list[dict[str, Any]]]] = field(default_factory=list)


class Batcher:
    """Groups prompts by their request parameters; one group becomes one request when its
    window closes or it reaches `max_prompts`."""

    def __init__(self, send: Send, *, window: float, max_prompts: int) -> None:
        self._send = send
        self._window = window
        self._max_prompts = max_prompts
        self._groups: dict[str, _Group] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(
        self, params: dict[str, Any], per_prompt: int, prompt: str
    ) -> list[dict[str, Any]]:
        """The choices the server gave for `prompt` (n of them for `per_prompt` = n)."""
        loop = asyncio.get_running_loop()
        key = json.dumps(params, sort_keys=True, default=str)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = _Group(params, per_prompt)
            loop.call_later(self._window, self._flush, key, group)
        waiter: asyncio.Future[list[dict[str, Any]]] = loop.create_future()
        group.prompts.append(prompt)
        group.waiters.append(waiter)
        if len(group.prompts) >= self._max_prompts:
            self._flush(key, group)
        return await waiter

    def _flush(self, key: str, group: _Group) -> None:
        if self._groups.get(key) is not group:
            return  # already sent because it was full
        del self._groups[key]
        task = asyncio.get_running_loop().create_task(self._send_group(group))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_group(self, group: _Group) -> None:
        prompts: str | list[str] = group.prompts if len(group.prompts) > 1 else group.prompts[0]
        try:
            answer = await self._send({**group.params, "prompt": prompts})
            parts = split_batched_answer(answer, len(group.prompts), group.per_prompt)
        except Exception as exc:
            if len(group.prompts) > 1 and _blames_the_request(exc):
                # One bad prompt (say, too long) must not fail its neighbours: send each
                # prompt alone, so only the bad one fails.
                await asyncio.gather(
                    *(
                        self._send_group(_Group(group.params, group.per_prompt, [prompt], [waiter]))
                        for prompt, waiter in zip(group.prompts, group.waiters, strict=True)
                    )
                )
                return
            for waiter in group.waiters:  # every caller sees the request's failure
                if not waiter.done():
                    waiter.set_exception(exc)
            return
        except asyncio.CancelledError:
            for waiter in group.waiters:
                waiter.cancel()
            raise
        for waiter, choices in zip(group.waiters, parts, strict=True):
            if not waiter.done():
                waiter.set_result(choices)


def _blames_the_request(exc: Exception) -> bool:
    """A client error (4xx other than the retried 408, 409, 429): the request itself was
    refused, perhaps because of one of its prompts."""
    status = getattr(exc, "status", None)
    return isinstance(status, int) and 400 <= status < 500 and status not in (408, 409, 429)
