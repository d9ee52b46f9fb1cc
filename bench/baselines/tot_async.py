"""examples/tree_of_thoughts.epic hand-optimised with asyncio.

Every proposal of a round goes out at once, and each candidate's judgement is sent the moment
its own proposal arrives (not after all proposals of the round): that is what EPIC does
without being told, and what a careful asyncio programmer writes with one task per state.
"""

from __future__ import annotations

import asyncio

from bench.baselines.openai_http import AsyncClient
from bench.baselines.tot_sequential import (
    PROPOSE,
    VALUE,
    parse_steps,
    solution,
    vote_score,
)


async def value(client: AsyncClient, candidate: dict, samples: int) -> tuple[dict, float]:
    votes = await client.llm_sample(VALUE.format(left=candidate["left"]), n=samples, max_tokens=8)
    return candidate, sum(vote_score(v) for v in votes)


async def expand(client: AsyncClient, state: dict, samples: int) -> list[tuple[dict, float]]:
    answer = await client.llm(PROPOSE.format(left=state["left"]), max_tokens=200)
    candidates = parse_steps(state, answer)
    return list(await asyncio.gather(*(value(client, c, samples) for c in candidates)))


async def solve(client: AsyncClient, numbers: str, breadth: int, samples: int) -> dict:
    frontier = [{"left": numbers, "steps": []}]
    for _ in range(3):
        groups = await asyncio.gather(*(expand(client, s, samples) for s in frontier))
        scored = [pair for group in groups for pair in group]
        scored.sort(key=lambda pair: -pair[1])
        frontier = [c for c, _ in scored[:breadth]]
    return solution(frontier)


async def amain(
    base_url: str,
    numbers: str = "4 9 10 13",
    breadth: int = 5,
    samples: int = 3,
    fast: bool = False,
) -> dict:
    client = AsyncClient(base_url, fast)
    try:
        return await solve(client, numbers, breadth, samples)
    finally:
        await client.close()


def main(
    base_url: str,
    numbers: str = "4 9 10 13",
    breadth: int = 5,
    samples: int = 3,
    fast: bool = False,
) -> dict:
    return asyncio.run(amain(base_url, numbers, breadth, samples, fast))
