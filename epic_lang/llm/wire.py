"""The OpenAI wire format: request bodies and answers, shared by every backend.

The HTTP client, the batcher and the in-process local model all build the same JSON bodies
and read answers through the same functions, so a program sees the same behaviour whichever
of them serves it.
"""

from __future__ import annotations

from typing import Any, Literal, TypeGuard

from epic_lang.llm.interface import LLMError, LLMRequest, LLMResult
from epic_lang.llm.structured import response_format

Route = Literal["chat", "completions"]

CHAT_PATH = "/chat/completions"
COMPLETIONS_PATH = "/completions"
MODELS_PATH = "/models"
# No single answer has this many tokens: a larger count is a server's mistake (or malice), and
# believing it would swamp every total it is added to.
MAX_REPORTED_TOKENS = 10**9


def route_of(request: LLMRequest, batching: bool) -> Route:
    """Which endpoint serves a request.

    `llm_next` needs `logprobs` on the legacy completions endpoint. With batching on, single
    prompts without a system message also go there, because only `/v1/completions` accepts a
    list of prompts in one request. `llm_json` and `llm_choice` need `response_format`, which
    only chat takes.
    """
    if request.kind == "llm_next":
        return "completions"
    if batching and request.kind in ("llm", "llm_sample") and request.system is None:
        return "completions"
    return "chat"


def _common(
    request: LLMRequest, model: str | None, schema_format: str = "json_schema"
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    chosen = request.model or model
    if chosen:
        body["model"] = chosen
    body["temperature"] = request.temperature
    body["max_tokens"] = request.max_tokens
    if request.stop:
        body["stop"] = list(request.stop)
    if request.kind == "llm_sample":
        body["n"] = request.n
    wanted = response_format(request, schema_format)
    if wanted is not None:
        body["response_format"] = wanted
    if request.extra:
        body.update(request.extra)
    return body


def chat_body(
    request: LLMRequest, model: str | None, schema_format: str = "json_schema"
) -> dict[str, Any]:
    """The `/v1/chat/completions` body for every kind but `llm_next`; `schema_format` says
    how a schema is sent (`structured.response_format`)."""
    body = _common(request, model, schema_format)
    body["messages"] = request.chat_messages()
    return body


def completion_params(request: LLMRequest, model: str | None) -> dict[str, Any]:
    """The `/v1/completions` body without its `prompt`: requests with equal params can share
    one request with a list of prompts."""
    body = _common(request, model)
    if request.kind == "llm_next":
        body["max_tokens"] = 1
        body["logprobs"] = request.k
    return body


def completion_body(request: LLMRequest, model: str | None) -> dict[str, Any]:
    """The `/v1/completions` body for one request."""
    body = completion_params(request, model)
    body["prompt"] = request.prompt or ""
    return body


def choices_per_prompt(request: LLMRequest) -> int:
    """How many choices a completions answer holds for each prompt (`n`)."""
    return request.n if request.kind == "llm_sample" else 1


def _choices(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, dict) or not isinstance(data.get("choices"), list):
        raise LLMError("the server's answer has no `choices` list (is it OpenAI-compatible?)")
    choices = [c for c in data["choices"] if isinstance(c, dict)]
    return sorted(choices, key=lambda c: c.get("index", 0))


def _chat_text(choice: dict[str, Any]) -> str:
    """The answer's text. An answer without text (`content: null`: a refusal, a tool call,
    a content filter) is an error that says why, never an empty string a program would take
    for the model's answer."""
    message = choice.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str):
        return content
    if content is not None:
        raise LLMError("the server's chat answer has a `content` that is not a string")
    reasons = [f"finish_reason {choice.get('finish_reason')!r}"]
    if isinstance(message, dict):
        if isinstance(message.get("refusal"), str):
            reasons.append(f"refusal {message['refusal'][:200]!r}")
        if message.get("tool_calls"):
            reasons.append("it asked for a tool call")
    raise LLMError(f"the server answered with no text (`content` is null; {', '.join(reasons)})")


def _completion_text(choice: dict[str, Any]) -> str:
    text = choice.get("text")
    if isinstance(text, str):
        return text
    raise LLMError("the server's completion answer has no `text`")


def _top_logprobs(choice: dict[str, Any], k: int) -> list[tuple[str, float]]:
    """Top-k next tokens in either logprobs format: the legacy completions one
    (`top_logprobs: [{token: logprob}]`) or the chat-style one used by llama.cpp's server
    (`content: [{top_logprobs: [{token, logprob}]}]`)."""
    logprobs = choice.get("logprobs")
    pairs: list[tuple[str, float]] = []
    if isinstance(logprobs, dict):
        top = logprobs.get("top_logprobs")
        content = logprobs.get("content")
        if isinstance(top, list) and top and isinstance(top[0], dict):
            pairs = [(str(t), float(lp)) for t, lp in top[0].items()]
        elif isinstance(content, list) and content and isinstance(content[0], dict):
            entries = content[0].get("top_logprobs") or []
            pairs = [(str(e["token"]), float(e["logprob"])) for e in entries]
    if not pairs:
        raise LLMError(
            "the server returned no logprobs for llm_next; it must support `logprobs` on "
            "/v1/completions"
        )
    pairs.sort(key=lambda pair: -pair[1])
    return pairs[:k]


def result_from_choices(
    request: LLMRequest, route: Route, choices: list[dict[str, Any]]
) -> LLMResult:
    """The program-facing value of one request from its own choices (already split out of a
    batched answer)."""
    if request.kind == "llm_next":
        if not choices:
            raise LLMError("the server's answer has no choices")
        return _top_logprobs(choices[0], request.k)
    text_of = _chat_text if route == "chat" else _completion_text
    texts = [text_of(c) for c in choices]
    if request.kind == "llm_sample":
        return texts
    if not texts:
        raise LLMError("the server's answer has no choices")
    return texts[0]


def result_from_answer(request: LLMRequest, route: Route, data: Any) -> LLMResult:
    """The program-facing value of a whole (unbatched) answer."""
    return result_from_choices(request, route, _choices(data))


def split_batched_answer(data: Any, prompts: int, per_prompt: int) -> list[list[dict[str, Any]]]:
    """The choices of a batched completions answer, grouped by prompt: choice `index` is
    `prompt_index * n + j`, as in OpenAI's API."""
    groups: list[list[dict[str, Any]]] = [[] for _ in range(prompts)]
    for position, choice in enumerate(_choices(data)):
        index = choice.get("index", position)
        if not isinstance(index, int) or not 0 <= index // per_prompt < prompts:
            raise LLMError(f"the server's batched answer has a choice with index {index!r}")
        groups[index // per_prompt].append(choice)
    return groups


def reported_usage(data: Any) -> tuple[int, int] | None:
    """(prompt tokens, completion tokens) from an answer's `usage`, or None when it has none
    that can be believed: both counts must be integers from 0 to `MAX_REPORTED_TOKENS`. An
    unbelievable `usage` is left out of the counts; it never fails the call."""
    usage = data.get("usage") if isinstance(data, dict) else None
    if not isinstance(usage, dict):
        return None
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
    if _plausible_count(prompt) and _plausible_count(completion):
        return prompt, completion
    return None


def _plausible_count(value: object) -> TypeGuard[int]:
    return (
        isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_REPORTED_TOKENS
    )
