"""The schedule the Tree-of-Thoughts case study promises (docs/case_studies/tree_of_thoughts.md):
a candidate's judgements go out as soon as its own proposal arrives, while the other proposals
of the round are still being written, not once the slowest of them has answered."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from epic_lang.eval import load
from epic_lang.llm.interface import LLMRequest
from epic_lang.testing.fake import FakeBackend

ROOT = Path(__file__).resolve().parents[2]
FAST, SLOW = 0.02, 0.4  # seconds: far enough apart that no scheduling noise reorders them


def _game24_reply(request: LLMRequest) -> str:
    """Three steps from the first two numbers left; every judgement "likely"."""
    found = re.search(r"Input: ([0-9 ]+)", request.prompt or "")
    if not found:
        return "likely"
    a, b, *rest = (int(n) for n in found.group(1).split())
    lines = []
    for sign, value in (("+", a + b), ("*", a * b), ("-", abs(a - b))):
        left = " ".join(str(n) for n in [value, *rest])
        lines.append(f"{a} {sign} {b} = {value} (left: {left})")
    return "\n".join(lines)


def _trace_with_one_slow_proposal_per_round() -> list[dict[str, Any]]:
    """Every other proposal request is slow, so that each round of two proposals has one
    that answers long before the other."""
    proposals = itertools.count()

    def latency(request: LLMRequest) -> float:
        if request.kind != "llm":
            return FAST
        return SLOW if next(proposals) % 2 == 0 else FAST

    program = load(str(ROOT / "examples" / "tree_of_thoughts.epic"))
    backend = FakeBackend(latency=latency, reply=_game24_reply)
    result = program.run("main", numbers="4 9 10 13", breadth=2, samples=2, backend=backend)
    return result.trace.to_dict()["calls"]


def test_judgements_start_as_their_own_proposal_lands() -> None:
    calls = _trace_with_one_slow_proposal_per_round()
    by_id = {c["id"]: c for c in calls}
    rounds: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for call in calls:
        if call["name"] == "llm":  # a round's proposals are all sent after the same call
            rounds[call["after"]].append(call)
    several = [proposals for proposals in rounds.values() if len(proposals) > 1]
    assert len(several) == 2, "rounds 2 and 3 each propose from two states"
    for proposals in several:
        ids = {p["id"] for p in proposals}
        judgements = [c for c in calls if c["name"] == "llm_sample" and c["after"] in ids]
        # Each proposal's candidates are judged after that proposal, not after the round's last.
        assert {j["after"] for j in judgements} == ids
        slowest = max(proposals, key=lambda p: p["end"])
        early = [j for j in judgements if j["after"] != slowest["id"]]
        assert early and all(j["start"] < slowest["end"] for j in early)
        assert all(j["start"] >= by_id[j["after"]]["end"] for j in judgements)
