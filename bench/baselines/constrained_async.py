"""examples/constrained_decoding.epic hand-optimised with asyncio: one decoding loop per
prompt, all prompts at once."""

from __future__ import annotations

import asyncio

from bench.baselines.constrained_sequential import PROMPTS
from bench.baselines.openai_http import AsyncClient
from examples import json_prefix as grammar


async def decode(client: AsyncClient, prompt: str, max_tokens: int) -> str:
    text = ""
    for _ in range(max_tokens):
        if grammar.is_complete(text):
            break
        token = grammar.first_allowed(text, await client.llm_next(prompt + text, k=8))
        if token is None:
            break
        text += token
    return text


async def amain(base_url: str, max_tokens: int = 48, fast: bool = False) -> list[dict]:
    client = AsyncClient(base_url, fast)
    try:
        outputs = await asyncio.gather(*(decode(client, p, max_tokens) for p in PROMPTS))
    finally:
        await client.close()
    return [{"json": text, "valid": grammar.is_complete(text)} for text in outputs]


def main(base_url: str, max_tokens: int = 48, fast: bool = False) -> list[dict]:
    return asyncio.run(amain(base_url, max_tokens, fast))
