"""The one interface between the evaluator and any LLM backend.

The evaluator turns a call of `llm`, `llm_chat`, `llm_sample` or `llm_next` into an
`LLMRequest` and awaits `LLMBackend.complete`; it knows nothing about HTTP, models or caches.
Backends (the OpenAI-compatible client, the local SmolLM2 model, the in-process fake used by
unit tests) implement this protocol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

RequestKind = Literal["llm", "llm_chat", "llm_sample", "llm_next"]


@dataclass(frozen=True, slots=True)
class LLMRequest:
    """A normalised call of one LLM external.

    - `llm`: `prompt` (and `system`) -> str
    - `llm_chat`: `messages` (tuple of (role, content)) -> str
    - `llm_sample`: `prompt`, `n` -> list of n str
    - `llm_next`: `prompt`, `k` -> list of (token, logprob) pairs, most likely first
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


class LLMError(Exception):
    """A call that finally failed; the message is shown to the user with the call site, so
    it must never contain an API key."""


class LLMBackend(Protocol):
    """Something that answers LLM requests. `describe()` is the one line `epic run` prints on
    stderr (backend kind, base URL, model), never including secrets."""

    def describe(self) -> str: ...

    async def complete(self, request: LLMRequest) -> LLMResult: ...

    async def aclose(self) -> None: ...
