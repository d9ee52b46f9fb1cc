"""The sim-server as an HTTP server: OpenAI shapes, rules files, seeded answers, streaming,
faults, /stats, and 2,000 requests held at once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from epic_lang.cli import main as epic
from epic_lang.llm.interface import LLMRequest
from epic_lang.llm.openai_client import ClientOptions, OpenAIBackend
from epic_lang.testing.sim_rules import SimRulesError, load_rules
from epic_lang.testing.sim_server import SimConfig, running_sim_server

DATA = Path(__file__).parent.parent / "data" / "llm"


def post(url: str, path: str, body: dict) -> httpx.Response:
    return httpx.post(url + path, json=body, timeout=30)


def test_rules_files_in_toml_and_json():
    toml_rules = load_rules(DATA / "rules.toml")
    json_rules = load_rules(DATA / "rules.json")
    assert [r.status for r in toml_rules] == [None, 429, None]
    assert toml_rules[2].top_logprobs[0] == (" blue", -0.2)
    assert json_rules[0].answers == ("red", "green", "blue")


def test_bad_rules_are_reported(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"match": "(", "answer": "x"}]')
    with pytest.raises(SimRulesError, match="rule 1: bad regex"):
        load_rules(bad)
    assert epic(["sim-server", "--port", "0", "--rules", str(bad)]) == 2
    assert "bad regex" in capsys.readouterr().err


def test_chat_and_completion_shapes():
    with running_sim_server(SimConfig(rules=load_rules(DATA / "rules.toml"))) as sim:
        chat = post(
            sim.base_url,
            "/chat/completions",
            {"model": "m", "messages": [{"role": "user", "content": "capital of Oz"}]},
        )
        assert chat.status_code == 200
        body = chat.json()
        assert body["object"] == "chat.completion" and body["model"] == "m"
        assert body["choices"][0]["message"] == {
            "role": "assistant",
            "content": "The capital of Oz is a city.",
        }
        assert body["usage"]["completion_tokens"] == 7
        batch = post(
            sim.base_url,
            "/completions",
            {
                "prompt": ["The sky is", "capital of Ur"],
                "n": 2,
                "max_tokens": 3,
                "logprobs": 2,
                "temperature": 0,
            },
        )
        choices = batch.json()["choices"]
        assert [c["index"] for c in choices] == [0, 1, 2, 3]
        assert choices[0]["text"] == " blue" and choices[2]["text"] == "The capital of"
        assert choices[0]["logprobs"]["top_logprobs"][0] == {" blue": -0.2, " grey": -1.9}
        assert choices[2]["finish_reason"] == "length"
        top = choices[2]["logprobs"]["top_logprobs"][1]
        assert list(top)[0] == " capital" and len(top) == 2
        assert sum(2.718281828**lp for lp in top.values()) <= 1


def test_fallback_answers_are_seeded(start_sim):
    one, same, other = start_sim(seed=7), start_sim(seed=7), start_sim(seed=8)

    def answer(sim, temperature: float) -> list[str]:
        body = {"prompt": "anything", "n": 3, "temperature": temperature, "max_tokens": 50}
        return [c["text"] for c in post(sim.base_url, "/completions", body).json()["choices"]]

    assert answer(one, 0) == answer(same, 0) != answer(other, 0)
    assert len(set(answer(one, 0))) == 1
    assert len(set(answer(one, 1.0))) == 3
    assert answer(one, 1.0) != answer(one, 1.0)  # a fresh sample each time


def test_streaming_sends_server_sent_events(start_sim):
    sim = start_sim([{"match": "", "answer": "one two three"}], per_token_ms=5)
    with httpx.stream(
        "POST",
        sim.base_url + "/chat/completions",
        timeout=30,
        json={"messages": [{"role": "user", "content": "x"}], "stream": True},
    ) as response:
        assert response.headers["content-type"] == "text/event-stream"
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    events = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    text = "".join(e["choices"][0]["delta"].get("content", "") for e in events)
    assert text == "one two three"
    assert events[-1]["choices"][0]["finish_reason"] == "stop"
    assert sim.stats()["in_flight"] == 0


def test_faults_stats_and_reset(start_sim):
    sim = start_sim(load_rules(DATA / "rules.toml") + load_rules(DATA / "rules.json"))
    first = post(sim.base_url, "/completions", {"prompt": "flaky"})
    assert first.status_code == 429
    assert (first.headers["retry-after"], first.headers["retry-after-ms"]) == ("0", "100")
    assert post(sim.base_url, "/completions", {"prompt": "flaky"}).status_code == 200
    broken = post(sim.base_url, "/completions", {"prompt": "broken"})
    assert (broken.status_code, broken.json()["error"]["message"]) == (500, "simulated outage")
    assert post(sim.base_url, "/completions", {"prompt": 3}).status_code == 400
    assert httpx.get(sim.root + "/nowhere").status_code == 404
    stats = sim.stats()
    assert stats["requests"] == 4
    assert stats["by_status"] == {"429": 1, "200": 1, "500": 1, "400": 1}
    sim.reset_stats()
    assert sim.stats()["requests"] == 0


def test_the_command_serves_until_stopped(tmp_path):
    from epic_lang.testing.sim_server import spawned_sim_server

    with spawned_sim_server("--rules", str(DATA / "rules.json"), "--latency-ms", "10") as sim:
        body = post(
            sim.base_url,
            "/chat/completions",
            {"messages": [{"role": "user", "content": "a colour"}], "n": 2},
        ).json()
        assert [c["message"]["content"] for c in body["choices"]] == ["red", "green"]


async def test_two_thousand_requests_in_flight_at_once(start_sim):
    # Held until the last arrives, so all 2,000 are in flight at once however busy the machine.
    sim = start_sim(hold_until=2000)
    client = OpenAIBackend(sim.base_url, "sim", options=ClientOptions(max_concurrency=2000))
    answers = await asyncio.gather(
        *(client.complete(LLMRequest("llm", prompt=f"p{i}")) for i in range(2000))
    )
    await client.aclose()
    assert len(answers) == 2000 and all(isinstance(a, str) and a for a in answers)
    stats = sim.stats()
    assert stats["requests"] == 2000 and stats["by_status"] == {"200": 2000}
    assert stats["peak_in_flight"] == 2000
