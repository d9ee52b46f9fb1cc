"""examples/tree_of_thoughts.epic in plain sequential Python: one blocking call at a time."""

from __future__ import annotations

import re

from bench.baselines.openai_http import Client

PROPOSE = (
    "Use numbers and basic arithmetic operations (+ - * /) to obtain 24. In each step, "
    "choose two of the remaining numbers to obtain a new number.\nInput: {left}\n"
    "Possible next steps:\n"
)
VALUE = (
    "Evaluate if the given numbers can reach 24 (sure/likely/impossible).\n"
    "Numbers: {left}\nJudgement:"
)


def parse_steps(state: dict, answer: str) -> list[dict]:
    out = []
    for line in answer.strip().split("\n"):
        found = re.findall(r"\(left: ([0-9 ]+)\)", line)
        if found:
            out.append({"left": found[0].strip(), "steps": state["steps"] + [line.strip()]})
    return out


def vote_score(vote: str) -> float:
    v = vote.lower()
    return 20.0 if "sure" in v else 1.0 if "likely" in v else 0.001


def solution(frontier: list[dict]) -> dict:
    """The steps of a final state that reached 24, as the EPIC program reports them."""
    for state in frontier:
        if state["left"] == "24":
            return {"solved": True, "steps": state["steps"]}
    return {"solved": False, "steps": []}


def solve(client: Client, numbers: str, breadth: int, samples: int) -> dict:
    frontier = [{"left": numbers, "steps": []}]
    for _ in range(3):
        candidates = []
        for state in frontier:
            answer = client.llm(PROPOSE.format(left=state["left"]), max_tokens=200)
            candidates += parse_steps(state, answer)
        scored = []
        for c in candidates:
            votes = client.llm_sample(VALUE.format(left=c["left"]), n=samples, max_tokens=8)
            scored.append((c, sum(vote_score(v) for v in votes)))
        scored.sort(key=lambda pair: -pair[1])
        frontier = [c for c, _ in scored[:breadth]]
    return solution(frontier)


def main(base_url: str, numbers: str = "4 9 10 13", breadth: int = 5, samples: int = 3) -> dict:
    client = Client(base_url)
    try:
        return solve(client, numbers, breadth, samples)
    finally:
        client.close()
