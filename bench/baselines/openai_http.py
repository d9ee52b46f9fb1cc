"""A thin OpenAI-compatible client, blocking and asyncio, as a practitioner would write it.

The request bodies are the ones EPIC's backend sends for `llm`, `llm_chat`, `llm_sample` and
`llm_next` (no `model` field: the server's default), so the baselines and the EPIC programs
make identical calls and the sim-server answers them identically.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import httpx

TIMEOUT = httpx.Timeout(120.0)


def chat_body(
    messages: list[dict[str, str]],
    *,
    temperature: float = 0.0,
    max_tokens: int = 256,
    n: int | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"temperature": temperature, "max_tokens": max_tokens}
    if n is not None:
        body["n"] = n
    body["messages"] = messages
    return body


def user(prompt: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": prompt}]


def next_body(prompt: str, k: int) -> dict[str, Any]:
    return {"temperature": 0.0, "max_tokens": 1, "logprobs": k, "prompt": prompt}


def _texts(data: dict[str, Any]) -> list[str]:
    choices = sorted(data["choices"], key=lambda c: c["index"])
    return [c["message"]["content"] for c in choices]


def _top(data: dict[str, Any], k: int) -> list[tuple[str, float]]:
    table = data["choices"][0]["logprobs"]["top_logprobs"][0]
    return sorted(table.items(), key=lambda pair: -pair[1])[:k]


class Client:
    """Blocking calls, one at a time."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=TIMEOUT)

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.http.post(path, json=body)
        response.raise_for_status()
        return response.json()

    def llm(self, prompt: str, max_tokens: int = 256) -> str:
        return _texts(
            self.post("/chat/completions", chat_body(user(prompt), max_tokens=max_tokens))
        )[0]

    def llm_chat(self, messages: list[dict[str, str]], max_tokens: int = 256) -> str:
        return _texts(self.post("/chat/completions", chat_body(messages, max_tokens=max_tokens)))[0]

    def llm_sample(self, prompt: str, n: int, max_tokens: int = 256) -> list[str]:
        body = chat_body(user(prompt), temperature=0.8, max_tokens=max_tokens, n=n)
        return _texts(self.post("/chat/completions", body))

    def llm_next(self, prompt: str, k: int = 5) -> list[tuple[str, float]]:
        return _top(self.post("/completions", next_body(prompt, k)), k)

    def close(self) -> None:
        self.http.close()


class AsyncClient:
    """The same calls as coroutines over one pooled connection set, no concurrency cap.

    On httpx; `fast=True` uses aiohttp instead, the library EPIC's client is built on
    (`epic_lang.llm.http_session`), so that a comparison measures the schedule alone. Made
    inside the event loop that uses it."""

    def __init__(self, base_url: str, fast: bool = False) -> None:
        self.base_url = base_url
        self.http: httpx.AsyncClient | None = None
        self.session: aiohttp.ClientSession | None = None
        if fast:
            self.session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0),
                timeout=aiohttp.ClientTimeout(total=TIMEOUT.read),
            )
        else:
            limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
            self.http = httpx.AsyncClient(base_url=base_url, timeout=TIMEOUT, limits=limits)

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if self.session is not None:
            async with self.session.post(self.base_url + path, json=body) as answer:
                answer.raise_for_status()
                return await answer.json()
        assert self.http is not None
        response = await self.http.post(path, json=body)
        response.raise_for_status()
        return response.json()

    async def llm(self, prompt: str, max_tokens: int = 256) -> str:
        body = chat_body(user(prompt), max_tokens=max_tokens)
        return _texts(await self.post("/chat/completions", body))[0]

    async def llm_chat(self, messages: list[dict[str, str]], max_tokens: int = 256) -> str:
        body = chat_body(messages, max_tokens=max_tokens)
        return _texts(await self.post("/chat/completions", body))[0]

    async def llm_sample(self, prompt: str, n: int, max_tokens: int = 256) -> list[str]:
        body = chat_body(user(prompt), temperature=0.8, max_tokens=max_tokens, n=n)
        return _texts(await self.post("/chat/completions", body))

    async def llm_next(self, prompt: str, k: int = 5) -> list[tuple[str, float]]:
        return _top(await self.post("/completions", next_body(prompt, k)), k)

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
        if self.http is not None:
            await self.http.aclose()
