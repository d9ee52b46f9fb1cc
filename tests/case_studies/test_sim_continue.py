"""The sim-server's `continue` rules: the answer walks through a target text token by token,
and the rule's `top_logprobs` are offered beside the right token."""

from __future__ import annotations

import math

import httpx
import pytest

from epic_lang.testing.sim_rules import SimRulesError, rule_from_dict, rule_text
from epic_lang.testing.sim_server import SimConfig, running_sim_server

RULE = {
    "match": "Describe (\\w+) as JSON:\\n",
    "continue": '{"name": "\\1", "ok": true}',
    "top_logprobs": {"Sure": -0.5},
}


def text_for(prompt: str) -> str | None:
    rule = rule_from_dict(RULE)
    match = rule.pattern.search(prompt)
    assert match is not None
    return rule_text(rule, match, 0)


def test_the_answer_is_the_rest_of_the_target() -> None:
    assert text_for("Describe Ann as JSON:\n") == '{"name": "Ann", "ok": true}'
    assert text_for('Describe Ann as JSON:\n{"name": "Ann",') == ' "ok": true}'


def test_no_text_once_the_prompt_leaves_or_finishes_the_target() -> None:
    assert text_for("Describe Ann as JSON:\nSure") is None
    assert text_for('Describe Ann as JSON:\n{"name": "Ann", "ok": true}') is None


def test_continue_must_be_text() -> None:
    with pytest.raises(SimRulesError):
        rule_from_dict({**RULE, "bogus": 1})


def top(base_url: str, prompt: str, k: int) -> tuple[str, dict[str, float]]:
    body = {"prompt": prompt, "max_tokens": 1, "logprobs": k, "temperature": 0.0}
    choice = httpx.post(base_url + "/completions", json=body).json()["choices"][0]
    return choice["text"], choice["logprobs"]["top_logprobs"][0]


def test_offered_tokens_join_a_proper_distribution() -> None:
    with running_sim_server(SimConfig(rules=(rule_from_dict(RULE),))) as server:
        text, table = top(server.base_url, 'Describe Ann as JSON:\n{"name":', 3)
    assert text == ' "Ann",'
    assert len(table) == 3
    assert max(table, key=table.__getitem__) == "Sure"
    assert ' "Ann",' in table
    assert sum(math.exp(lp) for lp in table.values()) <= 1.0


def test_the_right_token_survives_a_small_k() -> None:
    with running_sim_server(SimConfig(rules=(rule_from_dict(RULE),))) as server:
        text, table = top(server.base_url, "Describe Ann as JSON:\n", 1)
    assert table == {text: table[text]} and text == '{"name":'
