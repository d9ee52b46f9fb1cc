"""The endpoint's circuit on its own: which answers close it, and the permits of calls that
find it closed (handed out without waiting)."""

from __future__ import annotations

from epic_lang.llm.circuit import Circuit
from epic_lang.llm.retry import RetryPolicy


async def test_an_answer_to_a_request_sent_before_the_outage_does_not_close_it() -> None:
    circuit: Circuit[str] = Circuit(RetryPolicy(base_delay=30))
    before = circuit.admit_now()
    assert before is not None and not before.probe
    circuit.failed(await circuit.admit(None), None, "refused")
    assert circuit.is_open and circuit.admit_now() is None
    circuit.succeeded(before)  # answered, but perhaps before the server went down
    assert circuit.is_open


async def test_a_successful_probe_closes_it_and_lets_calls_go_at_once() -> None:
    circuit: Circuit[str] = Circuit(RetryPolicy(base_delay=0))
    circuit.failed(await circuit.admit(None), None, "refused")
    assert circuit.admit_now() is None
    probe = await circuit.admit(None)  # the delay is over: this call probes
    assert probe.probe
    circuit.succeeded(probe)
    after = circuit.admit_now()
    assert not circuit.is_open and after is not None and not after.probe
