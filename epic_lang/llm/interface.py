"""The one interface between the evaluator and any LLM backend.

The evaluator turns a call of `llm`, `llm_chat`, `llm_sample` or `llm_next` into an
`LLMRequest` and awaits `LLMBackend.complete` (`llm_stream` reads `LLMBackend.stream`); it
knows nothing about HTTP, models or caches.
Backends (the OpenAI-compatible client, the local SmolLM2 model, the in-process fake used by
unit tests) implement this protocol.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from typing import Literal, Protocol

from epic_lang.records import field, record

RequestKind = Literal["llm", "llm_chat", "llm_sample", "llm_next", "llm_json", "llm_choice"]


@record(frozen=True, slots=True)
class LLMRequest:
    """A normalised call of one LLM external.

    - `llm`: `prompt` (and `system`) -> str
    - `llm_chat`: `messages` (tuple of (role, content)) -> str
    - `llm_sample`: `prompt`, `n` -> list of n str
    - `llm_next`: `prompt`, `k` -> list of (token, logprob) pairs, most likely first
    - `llm_json`: `prompt`, `schema` (JSON Schema as canonical JSON text) -> its answer's text
    - `llm_choice`: `prompt`, `options`, `schema` (asking for one of them) -> the answer's text

    `regex` constrains the text of an `llm` answer. Backends honour `schema` and `regex` as
    far as they can; `structured.checked_answer` checks every answer against them. `timeout`
    is the call's deadline in seconds, retries included (None: the run's default, if any);
    it is kept by the evaluator, not sent.
    """

    kind: RequestKind
    prompt: str | None = None
    messages: tuple[tuple[str, str], ...] = ()
    system: str | None = None
    model: str | None = None
    temperature: float = 0.0
    max_tokens: int = 256
    stop: tuple[str, ...] = ()
    n: int = 1
    k: int = 5
    schema: str | None = None
    options: tuple[str, ...] = ()
    regex: str | None = None
    timeout: float | None = field(default=None, compare=False)
    extra: tuple[tuple[str, object], ...] = field(default=())

    def chat_messages(self) -> list[dict[str, str]]:
        """The request as OpenAI chat messages (system first when given)."""
        out: list[dict[str, str]] = []
        if self.system is not None:
            out.append({"role": "system", "content": self.system})
        if self.kind == "llm_chat":
            out.extend({"role": role, "content": content} for role, content in self.messages)
        else:
            out.append({"role": "user", "content": self.prompt or ""})
        return out


LLMResult = str | list[str] | list[tuple[str, float]]


@record(slots=True)
class TokenUsage:
    """The tokens a backend's calls cost, as the server (or the local model) reported them.

    Mutable on purpose: a backend adds to its tally as answers arrive, and a wrapper (the
    cache, `epic map`'s call counter) hands out its inner backend's tally itself, so that a
    cache hit costs nothing and a miss counts what the inner backend counted. `answers` is
    the number of answers that carried a usage: one batched request is one answer, however
    many prompts it held (its usage is counted once, for the whole request)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    answers: int = 0

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, prompt_tokens: int, completion_tokens: int) -> None:
        """Counts one answer, here and in the tally of the call being answered, if any
        (`CALL_USAGE`)."""
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        self.answers += 1
        call = CALL_USAGE.get()
        if call is not None and call is not self:
            call.prompt_tokens += prompt_tokens
            call.completion_tokens += completion_tokens
            call.answers += 1

    def add_all(self, other: TokenUsage) -> None:
        """Sums another tally into this one (Ray workers' tallies in the driver)."""
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.answers += other.answers

    def since(self, earlier: TokenUsage) -> TokenUsage:
        """What was counted after `earlier` (a copy taken of this tally)."""
        return TokenUsage(
            self.prompt_tokens - earlier.prompt_tokens,
            self.completion_tokens - earlier.completion_tokens,
            self.answers - earlier.answers,
        )

    def copy(self) -> TokenUsage:
        return TokenUsage(self.prompt_tokens, self.completion_tokens, self.answers)

    def short(self) -> str:
        """`12.3k tokens`, for a progress line."""
        return f"{_compact(self.total)} tokens"

    def summary(self) -> str:
        """`1234 tokens (1000 prompt + 234 completion)`, for a summary line."""
        return (
            f"{self.total} tokens ({self.prompt_tokens} prompt + "
            f"{self.completion_tokens} completion)"
        )


CALL_USAGE: ContextVar[TokenUsage | None] = ContextVar("epic_call_usage", default=None)
"""The tally of the one call that the current asyncio task (or a worker thread given its
context) is answering; the evaluator sets it in the task of each LLM call, for the trace.

A context variable rather than a field of the answer, because the layer that reads the usage
(the HTTP client, the local model, the batcher) is several wrappers below the evaluator, and
the backend protocol they all implement returns only the answer. Each task has its own value,
so concurrent calls never count each other's tokens; a batched request, answered in the task
of the call that sent it, counts its whole usage on that call."""


def _compact(count: int) -> str:
    for limit, suffix in ((10**9, "G"), (10**6, "M"), (10**3, "k")):
        if count >= limit:
            return f"{count / limit:.1f}{suffix}"
    return str(count)


class LLMError(Exception):
    """A call that finally failed; the message is shown to the user with the call site, so
    it must never contain an API key. `kind` is what a program's failure handler sees as
    `err.kind`: "llm" for a backend's own failure (the local model, a malformed answer);
    subclasses say "http", "timeout" or "json"."""

    kind = "llm"


class LLMTimeoutError(LLMError):
    """A call that did not finish within its deadline (`timeout=` or `--call-timeout`),
    retries included; it is not sent again."""

    kind = "timeout"


class LLMOutputError(LLMError):
    """An answer without the form the call asked for: not JSON, not matching the schema, not
    one of the options, or not matching the regex."""

    kind = "json"


class LLMBackend(Protocol):
    """Something that answers LLM requests. `describe()` is the one line `epic run` prints on
    stderr (backend kind, base URL, model), never including secrets."""

    def describe(self) -> str: ...

    @property
    def usage(self) -> TokenUsage:
        """The tokens this backend's calls have cost so far (see `TokenUsage`)."""
        ...

    async def complete(self, request: LLMRequest) -> LLMResult: ...

    def stream(self, request: LLMRequest) -> AsyncIterator[str]:
        """The answer of an `llm` request (`llm_stream`) in pieces, each as soon as it is
        generated; joined, they are the answer `complete` would give. A backend retries only
        before the first piece, and fails with `LLMError` when the stream breaks after it."""
        ...

    async def aclose(self) -> None: ...


BackendFactory = Callable[[], LLMBackend]
"""Makes the backend of a run at its first LLM call (a run that makes none never makes one);
the run then owns it and closes it at the end."""
