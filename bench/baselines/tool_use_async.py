"""examples/tool_use.epic hand-optimised with asyncio: the tasks run as concurrent tasks, and
the tool calls of one turn run together (local tools on threads, as EPIC runs them; nested
questions as concurrent requests)."""

from __future__ import annotations

import asyncio

from bench.baselines.openai_http import AsyncClient
from bench.baselines.tool_use_sequential import (
    LOCAL_TOOLS,
    SYSTEM,
    TASKS,
    ask_prompt,
    final_answer,
    history_after,
    parse_calls,
)


async def run_tool(client: AsyncClient, tool: str, text: str) -> str:
    if tool == "ask":
        return (await client.llm(ask_prompt(text), max_tokens=64)).strip()
    if tool in LOCAL_TOOLS:
        return await asyncio.to_thread(LOCAL_TOOLS[tool], text)
    return f"unknown tool `{tool}`"


async def solve(client: AsyncClient, task: str, max_turns: int) -> str:
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": task}]
    turns_left = max_turns
    while True:
        reply = await client.llm_chat(messages, max_tokens=200)
        calls = parse_calls(reply)
        if not calls or turns_left == 0:
            return final_answer(reply)
        results = await asyncio.gather(*(run_tool(client, t, x) for t, x in calls))
        messages = history_after(messages, reply, calls, list(results))
        turns_left -= 1


async def amain(base_url: str, max_turns: int = 3, fast: bool = False) -> list[tuple[str, str]]:
    client = AsyncClient(base_url, fast)
    try:
        answers = await asyncio.gather(*(solve(client, t, max_turns) for t in TASKS))
        return list(zip(TASKS, answers, strict=True))
    finally:
        await client.close()


def main(base_url: str, max_turns: int = 3, fast: bool = False) -> list[tuple[str, str]]:
    return asyncio.run(amain(base_url, max_turns, fast))
