"""The OpenAI-compatible client against a real sim-server: answers, retries, timeouts,
failures, the concurrency limit and the secrecy of the API key."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from epic_lang.llm.interface import LLMError, LLMRequest
from epic_lang.llm.openai_client import ClientOptions, LLMHTTPError, OpenAIBackend
from epic_lang.llm.retry import RetryPolicy

FAST_RETRY = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05)
RULES = [
    {"match": "capital of (\\w+)", "answer": "The capital of \\1."},
    {"match": "^The sky is$", "top_logprobs": {" blue": -0.2, " grey": -1.9, " clear": -2.5}},
]


def backend(url: str, **options: object) -> OpenAIBackend:
    options.setdefault("retry", FAST_RETRY)
    return OpenAIBackend(url, "sim", options=ClientOptions(**options))  # type: ignore[arg-type]


async def test_each_kind_of_call_gets_its_answer(start_sim):
    sim = start_sim(RULES)
    client = backend(sim.base_url)
    assert await client.complete(LLMRequest("llm", prompt="capital of Peru")) == (
        "The capital of Peru."
    )
    chat = LLMRequest(
        "llm_chat", messages=(("user", "hi"), ("assistant", "yo"), ("user", "capital of Chad"))
    )
    assert await client.complete(chat) == "The capital of Chad."
    samples = await client.complete(
        LLMRequest("llm_sample", prompt="tell me", n=3, temperature=0.9)
    )
    assert isinstance(samples, list) and len(samples) == 3 and len(set(samples)) == 3
    top = await client.complete(LLMRequest("llm_next", prompt="The sky is", k=2))
    assert top == [(" blue", -0.2), (" grey", -1.9)]
    await client.aclose()
    assert sim.stats()["by_path"] == {"chat": 3, "completions": 1}


async def test_stop_and_max_tokens_reach_the_server(start_sim):
    sim = start_sim([{"match": "count", "answer": "one two three four five"}])
    client = backend(sim.base_url)
    cut = await client.complete(LLMRequest("llm", prompt="count", max_tokens=2))
    stopped = await client.complete(LLMRequest("llm", prompt="count", stop=(" four",)))
    await client.aclose()
    assert (cut, stopped) == ("one two", "one two three")


async def test_429_with_retry_after_is_retried_after_the_wait(start_sim):
    sim = start_sim(
        [
            {"match": "busy", "status": 429, "times": 2, "retry_after": 0.3},
            {"match": "busy", "answer": "finally"},
        ]
    )
    client = backend(sim.base_url)
    started = time.perf_counter()
    answer = await client.complete(LLMRequest("llm", prompt="busy"))
    waited = time.perf_counter() - started
    await client.aclose()
    assert answer == "finally"
    assert sim.stats()["by_status"] == {"429": 2, "200": 1}
    assert waited >= 0.6  # both Retry-After waits were honoured


async def test_500_that_never_recovers_is_a_clean_error(start_sim):
    sim = start_sim([{"match": "", "status": 500, "message": "the model fell over"}])
    client = backend(sim.base_url)
    with pytest.raises(LLMHTTPError) as caught:
        await client.complete(LLMRequest("llm", prompt="x"))
    await client.aclose()
    error = caught.value
    assert error.status == 500
    assert str(error) == (
        f"{sim.base_url}/chat/completions answered HTTP 500: the model fell over "
        "(gave up after 3 attempts)"
    )
    assert sim.stats()["requests"] == 3


async def test_client_errors_are_not_retried(start_sim):
    sim = start_sim([{"match": "", "status": 400, "message": "bad request"}])
    client = backend(sim.base_url)
    with pytest.raises(LLMHTTPError, match="HTTP 400: bad request$"):
        await client.complete(LLMRequest("llm", prompt="x"))
    await client.aclose()
    assert sim.stats()["requests"] == 1


async def test_a_server_too_slow_times_out_and_the_request_is_not_sent_again(start_sim):
    sim = start_sim([{"match": "slow", "latency_ms": 3000, "answer": "late"}])
    client = backend(sim.base_url, read_timeout=0.2)
    with pytest.raises(LLMHTTPError) as caught:
        await client.complete(LLMRequest("llm", prompt="slow"))
    await client.aclose()
    assert caught.value.status is None
    assert "no answer within 0.2 s (read_timeout) (not sent again" in str(caught.value)
    assert sim.stats()["requests"] == 1  # a paid API bills every copy


async def test_retry_unsafe_sends_a_timed_out_request_again(start_sim):
    sim = start_sim([{"match": "slow", "latency_ms": 3000, "answer": "late"}])
    unsafe = RetryPolicy(max_attempts=2, base_delay=0.01, retry_unsafe=True)
    client = backend(sim.base_url, read_timeout=0.2, retry=unsafe)
    with pytest.raises(LLMHTTPError, match="gave up after 2 attempts"):
        await client.complete(LLMRequest("llm", prompt="slow"))
    await client.aclose()
    assert sim.stats()["requests"] == 2


async def test_an_unreachable_server_is_a_clean_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = backend(f"http://127.0.0.1:{port}/v1")
    with pytest.raises(LLMHTTPError, match="cannot reach the server"):
        await client.complete(LLMRequest("llm", prompt="x"))
    await client.aclose()


async def test_the_concurrency_limit_is_respected(start_sim):
    sim = start_sim(latency_ms=50)
    client = backend(sim.base_url, max_concurrency=5)
    answers = await asyncio.gather(
        *(client.complete(LLMRequest("llm", prompt=f"p{i}")) for i in range(40))
    )
    await client.aclose()
    assert len(answers) == 40
    stats = sim.stats()
    assert stats["requests"] == 40
    assert stats["peak_in_flight"] == 5


async def test_many_calls_are_all_in_flight_at_once(start_sim):
    sim = start_sim(hold_until=300)  # answered once all 300 are in flight
    client = backend(sim.base_url)
    answers = await asyncio.gather(
        *(client.complete(LLMRequest("llm", prompt=f"p{i}")) for i in range(300))
    )
    await client.aclose()
    assert len(set(answers)) > 1
    assert sim.stats()["peak_in_flight"] == 300


async def test_a_backend_works_across_event_loops(start_sim):
    sim = start_sim(RULES)
    client = backend(sim.base_url)

    async def ask() -> object:
        return await client.complete(LLMRequest("llm", prompt="capital of Mali"))

    first = await ask()
    second = await asyncio.to_thread(asyncio.run, ask())
    assert first == second == "The capital of Mali."
    await client.aclose()


def test_a_bad_base_url_is_refused():
    with pytest.raises(LLMError, match="not an http"):
        OpenAIBackend("localhost:8000")
