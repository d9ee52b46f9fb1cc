"""Token usage: counted from each answer's `usage` (never from a `usage` that cannot be
believed), shared through the cache, and shown in `epic run`'s summary line."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from test_epic_run import EXPECTED, PROGRAM, RULES, epic_run

from epic_lang.llm.cache import CachedBackend, CallCache
from epic_lang.llm.interface import LLMRequest, TokenUsage
from epic_lang.llm.openai_client import OpenAIBackend
from epic_lang.testing.fake import FakeBackend

SUMMARY_TOKENS = re.compile(r"^epic: .*, (\d+) tokens \((\d+) prompt \+ (\d+) completion\)$", re.M)


def summary_tokens(stderr: str) -> tuple[int, int, int] | None:
    found = SUMMARY_TOKENS.search(stderr)
    return None if found is None else (int(found[1]), int(found[2]), int(found[3]))


@pytest.mark.parametrize("flags", [(), ("--batch",)])
def test_the_run_summary_adds_up_the_servers_usage(start_sim, tmp_path, flags):
    sim = start_sim(RULES)
    program = tmp_path / "capitals.epic"
    program.write_text(PROGRAM)
    done = epic_run(program, sim.base_url, *flags)
    assert done.returncode == 0, done.stderr
    stats = sim.stats()
    prompt, completion = stats["prompt_tokens"], stats["completion_tokens"]
    assert prompt > 0 and completion > 0
    assert summary_tokens(done.stderr) == (prompt + completion, prompt, completion)


def test_a_run_answered_from_the_cache_costs_no_tokens(start_sim, tmp_path):
    sim = start_sim(RULES)
    program = tmp_path / "capitals.epic"
    program.write_text(PROGRAM)
    assert summary_tokens(epic_run(program, sim.base_url, "--cache").stderr) is not None
    again = epic_run(program, sim.base_url, "--cache")
    assert again.returncode == 0, again.stderr
    assert re.search(r"^epic: 4 calls, ", again.stderr, re.M)
    assert "tokens" not in again.stderr


async def test_the_cache_counts_what_a_miss_cost_and_nothing_for_a_hit(start_sim, tmp_path):
    sim = start_sim(RULES)
    inner = OpenAIBackend(sim.base_url)
    backend = CachedBackend(inner, CallCache(tmp_path), "sim")
    request = LLMRequest("llm", prompt="capital of Peru")
    try:
        assert await backend.complete(request) == "Peru-city"
        after_miss = backend.usage.copy()
        assert await backend.complete(request) == "Peru-city"
    finally:
        await backend.aclose()
    stats = sim.stats()
    assert after_miss == TokenUsage(stats["prompt_tokens"], stats["completion_tokens"], 1)
    assert backend.usage == after_miss


@contextmanager
def server_reporting(usage: Any) -> Iterator[str]:
    """An OpenAI-compatible server on loopback whose every answer is "ok" with `usage` (left
    out when it is `...`); yields its base URL."""
    answer: dict[str, Any] = {
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}],
    }
    if usage is not ...:
        answer["usage"] = usage
    body = json.dumps(answer).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


HOSTILE_USAGE = [
    ...,
    None,
    "lots",
    [1, 2],
    {},
    {"prompt_tokens": "12", "completion_tokens": "3"},
    {"prompt_tokens": -5, "completion_tokens": 3},
    {"prompt_tokens": 5, "completion_tokens": -3},
    {"prompt_tokens": 10**30, "completion_tokens": 1},
    {"prompt_tokens": 5, "completion_tokens": 1e308},
    {"prompt_tokens": 5.5, "completion_tokens": 1},
    {"prompt_tokens": True, "completion_tokens": 1},
    {"prompt_tokens": 5},
    {"total_tokens": 9},
]


@pytest.mark.parametrize("usage", HOSTILE_USAGE, ids=repr)
async def test_a_usage_that_cannot_be_believed_is_not_counted_and_fails_nothing(usage):
    with server_reporting(usage) as url:
        backend = OpenAIBackend(url)
        try:
            assert await backend.complete(LLMRequest("llm", prompt="hi")) == "ok"
        finally:
            await backend.aclose()
    assert backend.usage == TokenUsage()


async def test_a_believable_usage_is_counted_once_per_answer():
    with server_reporting({"prompt_tokens": 7, "completion_tokens": 2}) as url:
        backend = OpenAIBackend(url)
        try:
            for _ in range(3):
                assert await backend.complete(LLMRequest("llm", prompt="hi")) == "ok"
        finally:
            await backend.aclose()
    assert backend.usage == TokenUsage(21, 6, 3)
    assert backend.usage.summary() == "27 tokens (21 prompt + 6 completion)"


async def test_the_fake_backend_counts_words():
    backend = FakeBackend(rules={"capital": "Lima is the capital"})
    await backend.complete(LLMRequest("llm", prompt="capital of Peru"))
    assert backend.usage == TokenUsage(3, 4, 1)


@pytest.mark.parametrize(
    ("total", "shown"),
    [(0, "0 tokens"), (999, "999 tokens"), (12_345, "12.3k tokens"), (4_560_000, "4.6M tokens")],
)
def test_short_token_counts(total, shown):
    assert TokenUsage(total, 0, 1).short() == shown


@pytest.mark.model
async def test_the_local_model_counts_its_tokens():
    from epic_lang.llm.local_model import LocalModelBackend

    backend = LocalModelBackend()
    try:
        await backend.complete(LLMRequest("llm", prompt="Say hello.", max_tokens=8))
        await backend.complete(LLMRequest("llm_next", prompt="The capital of France is", k=3))
    finally:
        await backend.aclose()
    usage = backend.usage
    assert usage.answers == 2
    assert usage.prompt_tokens > 5 and 1 < usage.completion_tokens <= 8 + 1


@pytest.mark.parametrize("flags", [(), ("--batch",)])
def test_each_call_in_the_trace_has_its_own_usage(start_sim, tmp_path, flags):
    """Per call in the trace, adding up to the server's tally (a batched request counts on
    the call that sent it); `print` writes to stderr, never into the result on stdout."""
    sim = start_sim(RULES)
    program = tmp_path / "capitals.epic"
    program.write_text(PROGRAM.replace("  map(", "  print(map(") + ")\n")
    trace_file = tmp_path / "trace.json"
    done = epic_run(program, sim.base_url, "--trace", str(trace_file), *flags)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == EXPECTED
    assert '["Peru-city", "Chad-city", "Fiji-city", "Oman-city"]' in done.stderr
    events = json.loads(trace_file.read_text())["traceEvents"]
    calls = [e["args"] for e in events if e.get("ph") == "X"]
    assert len(calls) == 4
    prompt = sum(c["prompt_tokens"] or 0 for c in calls)
    completion = sum(c["completion_tokens"] or 0 for c in calls)
    stats = sim.stats()
    assert (prompt, completion) == (stats["prompt_tokens"], stats["completion_tokens"])
    assert summary_tokens(done.stderr) == (prompt + completion, prompt, completion)
    if not flags:
        assert all(c["prompt_tokens"] > 0 for c in calls)
    assert [e["cat"] for e in events if e.get("ph") == "i"] == ["output"]
