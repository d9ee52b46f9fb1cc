"""Each case study against a real sim-server: the EPIC program in both modes and both Python
baselines give the right answer and make exactly the same HTTP requests."""

from __future__ import annotations

import json

import pytest

from bench.baselines import (
    constrained_async,
    constrained_sequential,
    tool_use_async,
    tool_use_sequential,
    tot_async,
    tot_sequential,
)
from examples import json_prefix
from tests.case_studies.conftest import as_json, recording_sim_server, run_epic

CASES = {
    "tree_of_thoughts": ("game24.json", tot_sequential, tot_async, {"breadth": 5, "samples": 3}),
    "tool_use": ("tool_use.json", tool_use_sequential, tool_use_async, {}),
    "constrained_decoding": (
        "constrained_decoding.json",
        constrained_sequential,
        constrained_async,
        {},
    ),
}


def check_answer(name: str, value) -> None:
    if name == "tree_of_thoughts":
        assert value["solved"] is True
        assert len(value["steps"]) == 3
        assert value["steps"][-1].endswith("(left: 24)")
    elif name == "tool_use":
        answers = [answer for _task, answer in value]
        assert "70 billion litres" in answers[0]
        assert "5832 hours" in answers[1]
        assert "636" in answers[2]
    else:
        assert [json.loads(item["json"])["name"] for item in value] == [
            "Alice",
            "Bob",
            "Carol",
            "Dan",
        ]
        assert all(item["valid"] for item in value)


@pytest.mark.parametrize("name", sorted(CASES))
def test_epic_and_baselines_agree(name: str) -> None:
    rules, sequential, concurrent, kwargs = CASES[name]
    with recording_sim_server(rules, latency_ms=1) as server:
        results, calls = {}, {}
        for mode in ("sequential", "opportunistic"):
            server.clear()
            results[mode], trace = run_epic(name, mode, server.base_url, **kwargs)
            calls[mode] = server.calls()
            assert trace.to_dict()["calls"], "the trace records the calls"
        baselines = (
            ("python", sequential, {}),
            ("asyncio", concurrent, {}),
            ("asyncio on EPIC's transport", concurrent, {"fast": True}),
        )
        for label, module, options in baselines:
            server.clear()
            results[label] = as_json(module.main(server.base_url, **kwargs, **options))
            calls[label] = server.calls()
    check_answer(name, results["sequential"])
    assert sum(calls["sequential"].values()) > 3
    for label in ("opportunistic", *(label for label, _, _ in baselines)):
        assert results[label] == results["sequential"], label
        assert calls[label] == calls["sequential"], label


def test_the_constraint_rejects_the_chatty_first_choice() -> None:
    """The sim-server ranks `Sure` above the JSON token, so unconstrained greedy decoding
    would not produce JSON: the grammar is what makes the output valid."""
    from bench.baselines.openai_http import Client

    with recording_sim_server("constrained_decoding.json") as server:
        client = Client(server.base_url)
        try:
            top = client.llm_next(constrained_sequential.PROMPTS[0], k=8)
        finally:
            client.close()
    assert top[0][0] == "Sure"
    assert json_prefix.first_allowed("", top) == '{"name":'
