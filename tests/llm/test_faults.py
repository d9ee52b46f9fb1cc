"""Big runs ride out faults: the client against a sim-server that plays outages (connections
refused, or 503 for every request), silence, `content: null` and huge answers. The server
counts the requests it received, which proves what was (not) sent again."""

from __future__ import annotations

import asyncio
import time

import pytest

from epic_lang.llm.interface import LLMError, LLMRequest
from epic_lang.llm.openai_client import ClientOptions, LLMHTTPError, OpenAIBackend
from epic_lang.llm.retry import RetryPolicy

OUTAGE = 3.0


def backend(url: str, **options: object) -> OpenAIBackend:
    return OpenAIBackend(url, "sim", options=ClientOptions(**options))  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["refuse", "503"])
async def test_every_call_survives_a_3_second_outage_with_1000_in_flight(start_sim, mode):
    sim = start_sim(latency_ms=200)
    client = backend(sim.base_url)
    calls = 2000

    async def outage_soon() -> None:
        await asyncio.sleep(0.3)
        await asyncio.to_thread(sim.start_outage, OUTAGE, mode)

    started = time.perf_counter()
    answers, _ = await asyncio.gather(
        asyncio.gather(*(client.complete(LLMRequest("llm", prompt=f"p{i}")) for i in range(calls))),
        outage_soon(),
    )
    wall = time.perf_counter() - started
    await client.aclose()
    stats = sim.stats()
    refused = stats["by_status"].get("503", 0)
    print(
        f"\n{mode} outage of {OUTAGE:g} s: {len(answers)}/{calls} calls completed in {wall:.1f} s, "
        f"{stats['requests']} requests received, {refused} answered 503"
    )
    assert len(answers) == calls and all(answers)
    assert wall >= OUTAGE  # the outage did hold the calls back
    # One probe at a time while the server is down, not every call retrying on its own.
    assert refused <= 1024 + 10


async def test_a_silent_server_fails_the_call_after_the_read_timeout_without_resending(start_sim):
    sim = start_sim([{"match": "hello", "silent": True}])
    client = backend(sim.base_url, read_timeout=0.5)
    started = time.perf_counter()
    with pytest.raises(LLMHTTPError) as caught:
        await client.complete(LLMRequest("llm", prompt="hello"))
    failed_after = time.perf_counter() - started
    await client.aclose()
    print(f"\nsilent server: the call failed after {failed_after:.2f} s (read_timeout 0.5 s)")
    assert "no answer within 0.5 s (read_timeout)" in str(caught.value)
    assert "retry_unsafe" in str(caught.value)
    assert sim.stats()["requests"] == 1
    assert failed_after >= 0.5


async def test_a_server_that_stays_down_fails_calls_when_their_retry_budget_is_spent(start_sim):
    sim = start_sim([{"match": "", "status": 503, "message": "down for maintenance"}])
    policy = RetryPolicy(max_attempts=100, base_delay=0.05, max_delay=0.2, budget=1.0)
    client = backend(sim.base_url, retry=policy)
    results = await asyncio.gather(
        *(client.complete(LLMRequest("llm", prompt=f"p{i}")) for i in range(50)),
        return_exceptions=True,
    )
    await client.aclose()
    assert all(isinstance(r, LLMHTTPError) for r in results)
    message = str(results[0])
    assert "HTTP 503: down for maintenance" in message and "(retry_budget)" in message
    # 50 first attempts, then one probe at a time: about 1 s / 0.2 s of them.
    assert sim.stats()["requests"] < 50 + 15


async def test_content_null_is_an_error_that_names_the_finish_reason(start_sim):
    sim = start_sim([{"match": "forbidden", "null_content": True}])
    client = backend(sim.base_url)
    expected = r"no text \(`content` is null; finish_reason 'content_filter'"
    with pytest.raises(LLMError, match=expected):
        await client.complete(LLMRequest("llm", prompt="forbidden topic"))
    await client.aclose()


async def test_a_huge_answer_is_refused_and_not_asked_again(start_sim):
    sim = start_sim([{"match": "big", "body_mb": 3}])
    client = backend(sim.base_url, max_response_bytes=2**20)
    with pytest.raises(LLMHTTPError, match=r"the answer is larger than 1 MB \(max_response_mb\)"):
        await client.complete(LLMRequest("llm", prompt="big"))
    assert await client.complete(LLMRequest("llm", prompt="small")) != ""
    await client.aclose()
    assert sim.stats()["requests"] == 2
