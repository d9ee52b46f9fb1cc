"""The backend for any OpenAI-compatible server (OpenAI, vLLM, llama.cpp, Ollama, sim-server).

One connection pool per endpoint and event loop (`http_session.py`, on aiohttp), sized so
that a thousand calls fired at once by opportunistic evaluation each get a connection, but
never beyond what the process's open-file limit allows (`file_limit.py`): a semaphore caps the
requests in flight, and calls beyond it wait for a connection. Failures that say the endpoint
is down (connection refused, 429, 5xx) go through the endpoint's circuit (`circuit.py`), so
waiting calls ride out an outage within their time budget. A request the server may have
received and not answered (a read timeout, a connection lost after sending) is not sent again
unless the user allows it: a paid API would bill each copy. Streamed answers go through the
same attempts; a stream that fails after the program took a piece of it is never sent again.
The API key only ever goes into the `Authorization` header: errors and `describe()` name where
it came from, never its value.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from epic_lang.llm.batching import Batcher
from epic_lang.llm.circuit import Circuit, Permit
from epic_lang.llm.client_settings import ClientOptions
from epic_lang.llm.file_limit import connection_budget
from epic_lang.llm.http_session import (
    HTTPAnswer,
    HTTPReply,
    HTTPSession,
    TransportError,
    environment_proxy,
)
from epic_lang.llm.interface import LLMError, LLMRequest, LLMResult, TokenUsage
from epic_lang.llm.retry import RETRYABLE_STATUS, parse_retry_after
from epic_lang.llm.sse import StreamUsage, chat_pieces, sse_data
from epic_lang.llm.structured import schema_format_hint
from epic_lang.llm.wire import (
    CHAT_PATH,
    COMPLETIONS_PATH,
    MODELS_PATH,
    chat_body,
    choices_per_prompt,
    completion_body,
    completion_params,
    reported_usage,
    result_from_answer,
    result_from_choices,
    route_of,
)

MAX_MESSAGE_CHARS = 500


@dataclass(frozen=True, slots=True)
class Secret:
    """An API key that does not show itself in `repr` (debug dumps, tracebacks with
    locals)."""

    value: str = field(repr=False)


class LLMHTTPError(LLMError):
    """A call that failed at the HTTP level; `status` is None when no answer came back
    (connection error or timeout)."""

    kind = "http"

    def __init__(self, message: str, status: int | None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class _Failure:
    """A failed attempt. `unanswered`: the request was sent and the server may still be
    processing it, so sending it again may run (and bill) it twice."""

    status: int | None
    message: str
    retryable: bool
    unanswered: bool = False
    retry_after: float | None = None

    @property
    def endpoint_down(self) -> bool:
        return self.retryable and not self.unanswered


@dataclass(slots=True)
class _LoopState:
    """Everything bound to one event loop: a client or semaphore made on one loop cannot be
    used on another (`Program.call` may run each call in a fresh loop)."""

    loop: asyncio.AbstractEventLoop
    http: HTTPSession
    limit: asyncio.Semaphore
    circuit: Circuit[_Failure]
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
        no_key_reason: str | None = None,
        options: ClientOptions | None = None,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self.model = model
        self._api_key = Secret(api_key) if api_key else None
        self._key_source = key_source
        self._no_key_reason = no_key_reason
        self.options = options or ClientOptions()
        self._state_cache: _LoopState | None = None
        # Counted per HTTP answer, in `post`: a batched request's usage covers all its
        # prompts and is counted once; a retried request only for the answer that came.
        self.usage = TokenUsage()

    def describe(self) -> str:
        parts = [
            f"OpenAI-compatible server {safe_url(self.base_url)}",
            f"model {self.model or '(server default)'}",
        ]
        if self._api_key:
            parts.append(f"API key from {self._key_source or 'the caller'}")
        elif self._no_key_reason:
            parts.append(f"no API key sent: {self._no_key_reason}")
        try:
            proxy = environment_proxy(self.base_url)
        except ValueError as exc:
            parts.append(str(exc))
        else:
            if proxy is not None:
                parts.append(f"through the proxy {proxy}")
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
            body = chat_body(request, self.model, self.options.schema_format)
            try:
                answer = await self.post(CHAT_PATH, body)
            except LLMHTTPError as exc:
                hint = schema_format_hint(str(exc), body)
                if hint is None:
                    raise
                raise LLMHTTPError(f"{exc} ({hint})", exc.status) from None
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

    async def stream(self, request: LLMRequest) -> AsyncIterator[str]:
        """The answer of an `llm` request as the server generates it (chat completions with
        `"stream": true`), sent and retried as every call is (`_Attempts`). Once a piece has
        been handed on, a failure is final: the program has used what came, and a second
        answer would not continue it."""
        body = chat_body(request, self.model, self.options.schema_format)
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
        call = _Attempts(self, self.base_url + CHAT_PATH)
        state, circuit = call.state, call.circuit
        while True:
            permit = circuit.admit_now() or await call.admit()
            answered = False  # the circuit was told: the server is up
            used = 0
            async with state.limit:
                if circuit.is_open and not permit.probe:
                    continue  # the server went down while this call waited for a connection
                try:
                    async with state.http.open(call.url, body) as answer:
                        if answer.status >= 400:
                            failure = _refusal(answer, await answer.read())
                        else:
                            circuit.succeeded(permit)  # the server is up, whatever comes next
                            answered = True
                            try:
                                async with aclosing(self._pieces(answer)) as pieces:
                                    async for piece in pieces:
                                        used += 1
                                        yield piece
                                return
                            except LLMError as exc:
                                failure = _Failure(answer.status, str(exc), False)
                except TransportError as exc:
                    failure = _Failure(None, str(exc), not exc.lasting, exc.sent)
                except BaseException:
                    if not answered:
                        circuit.undecided(permit)
                    raise
            call.failed(permit, failure, told=answered, used=used)

    async def _pieces(self, answer: HTTPAnswer) -> AsyncGenerator[str]:
        """The stream's pieces as they arrive; its usage counts once the stream is whole."""
        usage = StreamUsage()
        events = sse_data(answer.chunks(), self.options.max_response_bytes)
        async for piece in chat_pieces(events, usage):
            yield piece
        if usage.counts is not None:
            self.usage.add(*usage.counts)

    async def _sample_chat(self, request: LLMRequest) -> list[str]:
        """n samples; servers that ignore `n` (llama.cpp's) are asked again for the rest."""
        samples: list[str] = []
        while len(samples) < request.n:
            body = chat_body(request, self.model, self.options.schema_format)
            body["n"] = request.n - len(samples)
            answer = await self.post(CHAT_PATH, body)
            got = result_from_answer(request, "chat", answer)
            assert isinstance(got, list)
            if not got:
                raise LLMError("the server answered a request for samples with no choices")
            samples.extend(str(text) for text in got[: request.n - len(samples)])
        return samples

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        """POST `body` to the endpoint's `path` with retries (`_Attempts`); the decoded JSON
        answer. Written apart from `stream`'s loop, without generators or context managers:
        this is the path of every call of a fan-out, and each of those costs CPU per call."""
        state = self._state()
        circuit, url = state.circuit, self.base_url + path
        call: _Attempts | None = None  # made by the first attempt that fails or has to wait
        while True:
            permit = circuit.admit_now()
            if permit is None:
                call = call or _Attempts(self, url)
                permit = await call.admit()
            await state.limit.acquire()
            try:
                if circuit.is_open and not permit.probe:
                    continue  # the server went down while this call waited for a connection
                try:
                    outcome = _outcome(await state.http.exchange(url, body))
                except TransportError as exc:
                    outcome = _Failure(None, str(exc), not exc.lasting, exc.sent)
                except BaseException:
                    circuit.undecided(permit)
                    raise
            finally:
                state.limit.release()
            if not isinstance(outcome, _Failure):
                circuit.succeeded(permit)
                counts = reported_usage(outcome)
                if counts is not None:
                    self.usage.add(*counts)
                return outcome
            call = call or _Attempts(self, url)
            call.failed(permit, outcome, told=False, used=0)

    def _why_not_again(self, failure: _Failure, attempts: int) -> str | None:
        """Why a failed call ends here ("" when nothing needs saying); None to try again."""
        policy = self.options.retry
        if not failure.retryable:
            return f"gave up after {attempts} attempts" if attempts > 1 else ""
        if failure.unanswered and not policy.retry_unsafe:
            return (
                "not sent again: the server may still be processing it; "
                "`retry_unsafe = true` allows sending it again"
            )
        if attempts >= policy.max_attempts:
            return f"gave up after {attempts} attempts"
        if failure.retry_after is not None and failure.retry_after > policy.max_retry_after:
            return f"asked to wait {failure.retry_after:g} s"
        return None

    def _out_of_time(self, attempts: int) -> str:
        spent = f"{self.options.retry.budget:g} s (retry_budget)"
        if attempts == 0:
            return f"gave up after waiting {spent} for the server to come back"
        return f"gave up after {attempts} attempts and {spent} of retrying"

    def _error(self, url: str, failure: _Failure, attempts: int, why: str | None) -> LLMHTTPError:
        where = safe_url(url)
        what = (
            f"HTTP {failure.status}: {failure.message}"
            if failure.status is not None
            else failure.message
        )
        tail = why
        if failure.status in (401, 403) and self._no_key_reason:
            tail = f"no API key sent: {self._no_key_reason}"
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
            size = min(self.options.max_concurrency, connection_budget())
            state = self._state_cache = _LoopState(
                loop,
                self._new_session(),
                asyncio.Semaphore(size),
                Circuit(self.options.retry),
                Batcher(
                    lambda body: self.post(COMPLETIONS_PATH, body),
                    window=self.options.batch_window,
                    max_prompts=self.options.batch_max_prompts,
                ),
            )
        return state

    def _new_session(self) -> HTTPSession:
        headers = {"User-Agent": "epic-lang"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key.value}"
        try:
            return HTTPSession(self.base_url, headers, self.options)
        except ValueError as exc:  # an unusable proxy in the environment
            raise LLMError(str(exc)) from None

    async def model_ids(self) -> list[str]:
        """The ids `GET /models` lists, asked once and never retried (for the editor's
        connection test, `probe.py`); failures raise `LLMHTTPError` as a call's would."""
        url = self.base_url + MODELS_PATH
        try:
            answer = await self._state().http.exchange(url)
        except TransportError as exc:
            raise self._error(url, _Failure(None, str(exc), False), 1, None) from None
        if answer.status >= 400:
            message = _server_message(answer.content, answer.reason)
            raise self._error(url, _Failure(answer.status, message, False), 1, None)
        try:
            listed = json.loads(answer.content).get("data")
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            raise LLMHTTPError(f"{safe_url(url)}: the model list is not JSON", 200) from None
        if not isinstance(listed, list):
            return []
        return [str(m["id"]) for m in listed if isinstance(m, dict) and "id" in m]

    async def aclose(self) -> None:
        state, self._state_cache = self._state_cache, None
        if state is not None and state.loop is asyncio.get_running_loop():
            await state.http.aclose()


class _Attempts:
    """One call's attempts, under the rule that `post` and `stream` both follow: the call
    waits for the endpoint's circuit; its retry budget runs from its first failure, or from
    when it first finds the server down (waiting calls hold no connection, and each fails on
    its own time); each failed attempt tells the circuit what it learnt, and the call ends
    where `_why_not_again` or the budget says so."""

    __slots__ = ("backend", "url", "state", "circuit", "attempts", "deadline", "failure")

    def __init__(self, backend: OpenAIBackend, url: str) -> None:
        self.backend = backend
        self.url = url
        self.state = backend._state()
        self.circuit = self.state.circuit
        self.attempts = 0
        self.deadline: float | None = None
        self.failure: _Failure | None = None

    async def admit(self) -> Permit:
        """The circuit's permit to try, once it gives one; the call's error when its budget
        runs out first."""
        if self.deadline is None and self.circuit.is_open:
            self.deadline = asyncio.get_running_loop().time() + self.backend.options.retry.budget
        try:
            return await self.circuit.admit(self.deadline)
        except TimeoutError:
            cause = self.failure or self.circuit.cause
            assert cause is not None
            why = self.backend._out_of_time(self.attempts)
            raise self.backend._error(self.url, cause, self.attempts, why) from None

    def failed(self, permit: Permit, failure: _Failure, told: bool, used: int) -> None:
        """Counts a failed attempt; raises the call's error when it ends the call. `told`: the
        circuit already knows the server is up; `used`: pieces of the answer handed on."""
        backend = self.backend
        self.failure = failure
        self.attempts += 1
        if not told:
            _tell(self.circuit, permit, failure)
        if used:
            raise backend._error(self.url, failure, self.attempts, _already_used(used))
        now = asyncio.get_running_loop().time()
        if self.deadline is None:
            self.deadline = now + backend.options.retry.budget
        why = backend._why_not_again(failure, self.attempts)
        if why is None and now >= self.deadline:
            why = backend._out_of_time(self.attempts)
        if why is not None:
            raise backend._error(self.url, failure, self.attempts, why or None)


def _tell(circuit: Circuit[_Failure], permit: Permit, failure: _Failure) -> None:
    """What a failed attempt says about the endpoint's health."""
    if failure.endpoint_down:
        circuit.failed(permit, failure.retry_after, failure)
    elif failure.status is not None:
        circuit.succeeded(permit)  # the server is up: it answered this request
    else:
        circuit.undecided(permit)


def _outcome(answer: HTTPReply) -> Any:
    """What one exchange's whole answer means for `post`: the decoded JSON, or a `_Failure`
    (which no JSON decodes to, so the answer needs no wrapper object of its own). Not a
    coroutine of its own: each layer of coroutines costs every call of a fan-out CPU when it
    starts and again each time the call resumes."""
    if answer.status >= 400:
        return _refusal(answer, answer.content)
    try:
        return json.loads(answer.content)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _Failure(answer.status, "the answer is not JSON", False)


def _refusal(answer: HTTPAnswer | HTTPReply, content: bytes) -> _Failure:
    """An answer with an error status, retryable when it says the server is busy or down."""
    return _Failure(
        answer.status,
        _server_message(content, answer.reason),
        answer.status in RETRYABLE_STATUS,
        retry_after=parse_retry_after(answer.headers),
    )


def _already_used(pieces: int) -> str:
    part = "1 piece" if pieces == 1 else f"{pieces} pieces"
    return f"not sent again: {part} of the answer had already been used"


def _server_message(content: bytes, reason: str) -> str:
    """The server's own explanation: OpenAI's `{"error": {"message"}}`, FastAPI's `detail`,
    or the start of the body."""
    try:
        data = json.loads(content)
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
        message = content[: MAX_MESSAGE_CHARS * 4].decode("utf-8", "replace").strip() or reason
    text = " ".join(str(message).split())
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + "..."
