"""`Program.map` from Python: an iterator of outcomes in input order, over any iterable."""

from __future__ import annotations

import itertools

from map_helpers import LABEL_PROGRAM

import epic_lang
from epic_lang.llm.config import backend_from_options
from epic_lang.testing.sim_rules import rules_from_data


def test_program_map_yields_outcomes_in_order_with_errors(start_sim):
    sim = start_sim(latency_ms=10, jitter="uniform", jitter_ms=30)
    program = epic_lang.load_source(LABEL_PROGRAM)
    backend = backend_from_options(llm_url=sim.base_url, model="sim")
    records = [{"text": f"t{i}"} for i in range(20)] + [{"nope": 1}]
    outcomes = list(program.map(records, "label", concurrency=6, backend=backend))
    assert [o.index for o in outcomes] == list(range(21))
    assert all(o.ok for o in outcomes[:20]) and outcomes[3].value["text"] == "t3"
    assert not outcomes[20].ok and "missing field `text`" in (outcomes[20].error or "")
    assert sim.stats()["peak_in_flight"] > 1


def test_program_map_takes_records_only_as_fast_as_it_runs_them():
    program = epic_lang.load_source(LABEL_PROGRAM)
    taken = itertools.count()
    endless = ({"x": next(taken)} for _ in itertools.repeat(None))
    first = list(itertools.islice(program.map(endless, "double", concurrency=4), 5))
    assert [o.value for o in first] == [0, 2, 4, 6, 8]
    assert next(taken) < 50  # the rest of the endless input was never read


def test_program_map_call_timeout_fails_slow_records_alone(start_sim):
    slow = {"match": "Label: slow", "answer": "late", "latency_ms": 20_000}
    sim = start_sim(rules=rules_from_data([slow]))
    program = epic_lang.load_source(LABEL_PROGRAM)
    backend = backend_from_options(llm_url=sim.base_url)
    records = [{"text": "fast"}, {"text": "slow"}]
    outcomes = list(program.map(records, "label", backend=backend, call_timeout=0.3))
    assert outcomes[0].ok and not outcomes[1].ok
    assert "no answer within 0.3 s" in (outcomes[1].error or "")
