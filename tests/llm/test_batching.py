"""Batching: calls pending at once with equal parameters become one /v1/completions request
with a list of prompts, and each caller gets its own answer back."""

from __future__ import annotations

import asyncio

import pytest

from epic_lang.llm.interface import LLMError, LLMRequest
from epic_lang.llm.openai_client import ClientOptions, OpenAIBackend
from epic_lang.llm.retry import RetryPolicy

RULES = [
    {"match": "capital of (\\w+)", "answer": "The capital of \\1."},
    {"match": "^The (\\w+) is$", "top_logprobs": {" blue": -0.2, " grey": -1.9, " red": -3.0}},
]


def batching(url: str, **options: object) -> OpenAIBackend:
    options.setdefault("batch_window", 0.05)
    return OpenAIBackend(url, "sim", options=ClientOptions(batch=True, **options))  # type: ignore[arg-type]


async def test_answers_are_split_back_to_their_callers(start_sim):
    sim = start_sim(RULES)
    client = batching(sim.base_url)
    names = [f"Land{i}" for i in range(50)]
    answers = await asyncio.gather(
        *(client.complete(LLMRequest("llm", prompt=f"capital of {n}")) for n in names)
    )
    await client.aclose()
    assert answers == [f"The capital of {n}." for n in names]
    stats = sim.stats()
    assert stats["requests"] == 1 and stats["prompts"] == 50
    assert stats["by_path"] == {"completions": 1}


async def test_full_batches_are_sent_without_waiting_for_the_window(start_sim):
    sim = start_sim(RULES)
    client = batching(sim.base_url, batch_max_prompts=8, batch_window=30.0)
    answers = await asyncio.gather(
        *(client.complete(LLMRequest("llm", prompt=f"capital of L{i}")) for i in range(24))
    )
    await client.aclose()
    assert answers == [f"The capital of L{i}." for i in range(24)]
    assert sim.stats()["requests"] == 3


async def test_different_parameters_go_in_different_requests(start_sim):
    sim = start_sim(RULES)
    client = batching(sim.base_url)
    requests = [
        LLMRequest("llm", prompt=f"capital of A{i}", max_tokens=10 + i % 2) for i in range(6)
    ]
    requests += [LLMRequest("llm_next", prompt=f"The {c} is", k=2) for c in "xyz"]
    answers = await asyncio.gather(*(client.complete(r) for r in requests))
    await client.aclose()
    assert answers[:6] == [f"The capital of A{i}." for i in range(6)]
    assert answers[6:] == [[(" blue", -0.2), (" grey", -1.9)]] * 3
    assert sim.stats()["requests"] == 3


async def test_samples_are_split_by_choice_index(start_sim):
    sim = start_sim([{"match": "pick (\\w)", "answers": ["\\1-a", "\\1-b", "\\1-c"]}])
    client = batching(sim.base_url)
    answers = await asyncio.gather(
        *(
            client.complete(LLMRequest("llm_sample", prompt=f"pick {c}", n=3, temperature=0.8))
            for c in "xyz"
        )
    )
    await client.aclose()
    assert answers == [[f"{c}-a", f"{c}-b", f"{c}-c"] for c in "xyz"]
    assert sim.stats()["requests"] == 1


async def test_batched_answers_equal_unbatched_ones(start_sim):
    sim = start_sim()
    plain = OpenAIBackend(sim.base_url, "sim")
    client = batching(sim.base_url)
    requests = [LLMRequest("llm_next", prompt=f"word {i}", k=3) for i in range(10)]
    one_by_one = [await plain.complete(r) for r in requests]
    together = await asyncio.gather(*(client.complete(r) for r in requests))
    await plain.aclose()
    await client.aclose()
    assert together == one_by_one


async def test_a_failed_batch_fails_each_caller(start_sim):
    sim = start_sim([{"match": "", "status": 503, "message": "overloaded"}])
    client = batching(sim.base_url, retry=RetryPolicy(max_attempts=2, base_delay=0.01))
    results = await asyncio.gather(
        *(client.complete(LLMRequest("llm", prompt=f"p{i}")) for i in range(5)),
        return_exceptions=True,
    )
    await client.aclose()
    assert all(isinstance(r, LLMError) and "HTTP 503: overloaded" in str(r) for r in results)
    assert sim.stats()["requests"] == 2


async def test_calls_with_a_system_message_stay_on_chat(start_sim):
    sim = start_sim(RULES)
    client = batching(sim.base_url)
    answer = await client.complete(LLMRequest("llm", prompt="capital of Fiji", system="Be brief."))
    await client.aclose()
    assert answer == "The capital of Fiji."
    assert sim.stats()["by_path"] == {"chat": 1}


@pytest.mark.parametrize("count", [1, 2])
async def test_small_batches(start_sim, count):
    sim = start_sim(RULES)
    client = batching(sim.base_url, batch_window=0.0)
    answers = await asyncio.gather(
        *(client.complete(LLMRequest("llm", prompt=f"capital of S{i}")) for i in range(count))
    )
    await client.aclose()
    assert answers == [f"The capital of S{i}." for i in range(count)]


async def test_a_refused_prompt_fails_alone(start_sim):
    sim = start_sim([{"match": "too long", "status": 400, "message": "prompt too long"}, *RULES])
    client = batching(sim.base_url)
    prompts = ["capital of Iran", "too long", "capital of Iraq"]
    results = await asyncio.gather(
        *(client.complete(LLMRequest("llm", prompt=p)) for p in prompts),
        return_exceptions=True,
    )
    await client.aclose()
    assert results[0] == "The capital of Iran." and results[2] == "The capital of Iraq."
    assert isinstance(results[1], LLMError) and "prompt too long" in str(results[1])
    assert sim.stats()["requests"] == 4  # the batch, then each prompt alone
