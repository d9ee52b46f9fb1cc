"""A deterministic in-process LLM backend for tests and benchmarks.

Answers depend only on the request (never on timing or order), so the two evaluation
strategies must give identical results with it. Latency is configurable (a number of seconds
or a function of the request) to make schedules visible in traces. Its token usage counts
words (of the prompt or messages, and of each answer), so tests can predict it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import re
from collections.abc import AsyncIterator, Callable

from epic_lang.llm.interface import LLMError, LLMRequest, LLMResult, TokenUsage
from epic_lang.testing.sim_schema import schema_answer


class FakeBackend:
    """`reply(request) -> str` decides `llm`/`llm_chat` answers (default: a short echo of the
    prompt); `rules` maps a substring of the prompt to a fixed answer and is tried first.
    `llm_sample` gives n distinct answers, `llm_next` k tokens with falling log-probabilities.
        `llm_json` and `llm_choice` get a value of their schema drawn from the prompt (as the
    sim-server gives). A prompt containing `fail` in `fail_on` raises `LLMError`. `requests`
    records every request, in the order they were sent. `stream` gives the `llm` answer a
    word at a time, `piece_delay` seconds apart."""

    def __init__(
        self,
        latency: float | Callable[[LLMRequest], float] = 0.0,
        rules: dict[str, str] | None = None,
        reply: Callable[[LLMRequest], str] | None = None,
        fail_on: tuple[str, ...] = (),
        piece_delay: float = 0.0,
    ) -> None:
        self.latency = latency
        self.rules = dict(rules or {})
        self.reply = reply
        self.fail_on = fail_on
        self.piece_delay = piece_delay
        self.requests: list[LLMRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.usage = TokenUsage()

    def describe(self) -> str:
        latency = "variable" if callable(self.latency) else f"{self.latency * 1000:g} ms"
        return f"fake (in-process, deterministic, latency {latency})"

    async def complete(self, request: LLMRequest) -> LLMResult:
        self.requests.append(request)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            delay = self.latency(request) if callable(self.latency) else self.latency
            if delay > 0:
                await asyncio.sleep(delay)
            text = self._text(request)
            if any(word in text for word in self.fail_on):
                raise LLMError(f"fake failure for prompt {text[:40]!r}")
            if request.kind == "llm_sample":
                samples = [self._answer(request, f"#{i}") for i in range(request.n)]
                self.usage.add(len(text.split()), sum(len(s.split()) for s in samples))
                return samples
            if request.kind == "llm_next":
                self.usage.add(len(text.split()), 1)
                words = ["yes", "no", " the", " a", ".", ",", " and", " of", "1", "2"]
                start = int(_digest(text), 16) % len(words)
                return [(words[(start + i) % len(words)], -0.5 * (i + 1)) for i in range(request.k)]
            answer = self._answer(request, "")
            self.usage.add(len(text.split()), len(answer.split()))
            return answer
        finally:
            self.in_flight -= 1

    async def stream(self, request: LLMRequest) -> AsyncIterator[str]:
        """The `complete` answer in pieces of a word each (with the space or newline after
        it), `piece_delay` seconds apart."""
        answer = await self.complete(request)
        assert isinstance(answer, str)
        for index, piece in enumerate(re.findall(r"\S*\s*", answer)):
            if index and self.piece_delay > 0:
                await asyncio.sleep(self.piece_delay)
            if piece:
                yield piece

    async def aclose(self) -> None:
        return None

    def _text(self, request: LLMRequest) -> str:
        if request.kind == "llm_chat":
            return "\n".join(f"{role}: {content}" for role, content in request.messages)
        return request.prompt or ""

    def _answer(self, request: LLMRequest, salt: str) -> str:
        text = self._text(request)
        for key, answer in self.rules.items():
            if key in text:
                return answer + (f" {salt}" if salt else "")
        if self.reply is not None:
            return self.reply(request) + (f" {salt}" if salt else "")
        if request.schema is not None:
            return schema_answer(json.loads(request.schema), random.Random(_digest(text)))
        return f"fake:{_digest(text + salt + (request.system or ''))}:{text[:24]}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
