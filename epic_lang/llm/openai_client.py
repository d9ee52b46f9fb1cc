"""The backend for any OpenAI-compatible server (OpenAI, vLLM, llama.cpp, Ollama, sim-server).

One `httpx.AsyncClient` (one connection pool) per endpoint, sized so that a thousand calls
fired at once by opportunistic evaluation each get a connection; a semaphore caps how many
requests are in flight; failures worth retrying (connection errors, timeouts, 429, 5xx) are
retried with backoff that honours `Retry-After`. The API key only ever goes into the
`Authorization` header: errors and `describe()` name where it came from, never its value.
"""

from __future__ import annotations

import asyncio
import json
import random
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from epic_lang.llm.batching import Batcher
from epic_lang.llm.fast_transport import FastTransport, default_ssl_context
from epic_lang.llm.interface import LLMError, LLMRequest, LLMResult
from epic_lang.llm.retry import RETRYABLE_STATUS, RetryPolicy, parse_retry_after, retry_delay
from epic_lang.llm.wire import (
    CHAT_PATH,
    COMPLETIONS_PATH,
    chat_body,
    choices_per_prompt,
    completion_body,
    completion_params,
    result_from_answer,
    result_from_choices,
    route_of,
)

MAX_MESSAGE_CHARS = 500


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """How the client talks to one endpoint. Times are in seconds."""

    max_concurrency: int = 1024
    timeout: float = 120.0
    connect_timeout: float = 10.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    batch: bool = False
    batch_window: float = 0.005
    batch_max_prompts: int = 256


@dataclass(frozen=True, slots=True)
class Secret:
    """An API key that does not show itself in `repr` (debug dumps, tracebacks with
    locals)."""

    value: str = field(repr=False)


class LLMHTTPError(LLMError):
    """A call that failed at the HTTP level; `status` is None when no answer came back
    (connection error or timeout)."""

    def __init__(self, message: str, status: int | None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class _Failure:
    status: int | None
    message: str
    retry_after: float | None = None


@dataclass(slots=True)
class _LoopState:
    """Everything bound to one event loop: a client or semaphore made on one loop cannot be
    used on another (`Program.call` may run each call in a fresh loop)."""

    loop: asyncio.AbstractEventLoop
    client: httpx.AsyncClient
    limit: asyncio.Semaphore
    batcher: Batcher


def safe_url(url: str) -> str:
    """The URL without user:password, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def normalise_base_url(url: str) -> str:
    """A base URL as OpenAI clients take it: request paths are appended to it."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise LLMError(f"the LLM base URL {safe_url(url)!r} is not an http(s) URL")
    return url


class OpenAIBackend:
    """Answers LLM requests through one OpenAI-compatible endpoint."""

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        api_key: str | None = None,
        *,
        key_source: str | None = None,
        options: ClientOptions | None = None,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self.model = model
        self._api_key = Secret(api_key) if api_key else None
        self._key_source = key_source
        self.options = options or ClientOptions()
        self._rng = random.Random()
        self._state_cache: _LoopState | None = None

    def describe(self) -> str:
        parts = [
            f"OpenAI-compatible server {safe_url(self.base_url)}",
            f"model {self.model or '(server default)'}",
        ]
        if self._api_key:
            parts.append(f"API key from {self._key_source or 'the caller'}")
        if self.options.batch:
            parts.append("batching (llm calls sent as /v1/completions prompts)")
        return ", ".join(parts)

    def identity(self) -> str:
        """What answers depend on, for cache keys: endpoint, model, and whether `llm` calls
        go through chat or (batched) completions."""
        route = "completions" if self.options.batch else "chat"
        return f"{safe_url(self.base_url)} model={self.model or ''} llm-route={route}"

    async def complete(self, request: LLMRequest) -> LLMResult:
        route = route_of(request, self.options.batch)
        if route == "chat":
            if request.kind == "llm_sample":
                return await self._sample_chat(request)
            answer = await self.post(CHAT_PATH, chat_body(request, self.model))
            return result_from_answer(request, route, answer)
        if self.options.batch:
            choices = await self._state().batcher.submit(
                completion_params(request, self.model),
                choices_per_prompt(request),
                request.prompt or "",
            )
            return result_from_choices(request, route, choices)
        answer = await self.post(COMPLETIONS_PATH, completion_body(request, self.model))
        return result_from_answer(request, route, answer)

    async def _sample_chat(self, request: LLMRequest) -> list[str]:
        """n samples; servers that ignore `n` (llama.cpp's) are asked again for the rest."""
        samples: list[str] = []
        while len(samples) < request.n:
            body = chat_body(request, self.model)
            body["n"] = request.n - len(samples)
            answer = await self.post(CHAT_PATH, body)
            got = result_from_answer(request, "chat", answer)
            assert isinstance(got, list)
            if not got:
                raise LLMError("the server answered a request for samples with no choices")
            samples.extend(got[: request.n - len(samples)])
        return samples

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        """POST `body` to the endpoint's `path` with retries; the decoded JSON answer."""
        state = self._state()
        url = self.base_url + path
        policy = self.options.retry
        attempt = 0
        while True:
            async with state.limit:
                outcome = await self._attempt(state.client, url, body)
            if isinstance(outcome, _Answer):
                return outcome.value
            failure = outcome
            attempt += 1
            retryable = failure.status is None or failure.status in RETRYABLE_STATUS
            if not retryable or attempt >= policy.max_attempts:
                raise self._error(url, failure, attempt)
            if failure.retry_after is not None and failure.retry_after > policy.max_retry_after:
                raise self._error(url, failure, attempt, f"asked to wait {failure.retry_after:g} s")
            await asyncio.sleep(retry_delay(policy, attempt - 1, failure.retry_after, self._rng))

    async def _attempt(
        self, client: httpx.AsyncClient, url: str, body: dict[str, Any]
    ) -> _Answer | _Failure:
        try:
            response = await client.post(url, json=body)
        except httpx.TimeoutException:
            return _Failure(None, f"no answer within {self.options.timeout:g} s")
        except httpx.ConnectError as exc:
            return _Failure(None, f"cannot reach the server ({_describe_exception(exc)})")
        except httpx.TransportError as exc:
            return _Failure(None, f"the connection failed ({_describe_exception(exc)})")
        if response.status_code >= 400:
            return _Failure(
                response.status_code,
                _server_message(response),
                parse_retry_after(response.headers),
            )
        try:
            return _Answer(response.json())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _Failure(response.status_code, "the answer is not JSON")

    def _error(
        self, url: str, failure: _Failure, attempts: int, why: str | None = None
    ) -> LLMHTTPError:
        where = safe_url(url)
        what = (
            f"HTTP {failure.status}: {failure.message}"
            if failure.status is not None
            else failure.message
        )
        tail = why or (f"gave up after {attempts} attempts" if attempts > 1 else None)
        message = f"{where} answered {what}" if failure.status else f"{where}: {what}"
        if tail:
            message += f" ({tail})"
        return LLMHTTPError(self._redact(message), failure.status)

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key.value, "[API key]") if self._api_key else text

    def _state(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        state = self._state_cache
        if state is None or state.loop is not loop:
            state = self._state_cache = _LoopState(
                loop,
                self._new_client(),
                asyncio.Semaphore(self.options.max_concurrency),
                Batcher(
                    lambda body: self.post(COMPLETIONS_PATH, body),
                    window=self.options.batch_window,
                    max_prompts=self.options.batch_max_prompts,
                ),
            )
        return state

    def _new_client(self) -> httpx.AsyncClient:
        size = self.options.max_concurrency
        headers = {"User-Agent": "epic-lang"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key.value}"
        # Without a proxy, EPIC's own transport; it builds a TLS context only for `https`.
        proxied = _proxy_applies(self.base_url)
        transport = None if proxied else FastTransport()
        return httpx.AsyncClient(
            headers=headers,
            verify=default_ssl_context() if proxied else True,
            transport=transport,
            timeout=httpx.Timeout(
                self.options.timeout, connect=self.options.connect_timeout, pool=None
            ),
            limits=httpx.Limits(
                max_connections=size, max_keepalive_connections=size, keepalive_expiry=30.0
            ),
        )

    async def aclose(self) -> None:
        state, self._state_cache = self._state_cache, None
        if state is not None and state.loop is asyncio.get_running_loop():
            await state.client.aclose()


@dataclass(frozen=True, slots=True)
class _Answer:
    value: Any


def _proxy_applies(url: str) -> bool:
    """Whether an environment proxy (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, not bypassed by
    NO_PROXY) covers `url`; then httpx's own transport, which speaks to proxies, is used."""
    proxies = urllib.request.getproxies_environment()
    parts = urlsplit(url)
    if not (proxies.get(parts.scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass_environment(parts.hostname or "", proxies)


def _describe_exception(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _server_message(response: httpx.Response) -> str:
    """The server's own explanation: OpenAI's `{"error": {"message"}}`, FastAPI's `detail`,
    or the start of the body."""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        data = None
    message: Any = None
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            message = error.get("message")
        elif isinstance(error, str):
            message = error
        if message is None:
            message = data.get("detail") or data.get("message")
    if message is None:
        message = response.text.strip() or response.reason_phrase
    text = " ".join(str(message).split())
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + "..."
