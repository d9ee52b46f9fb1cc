"""The opportunistic schedule, read from the trace (never from wall-clock limits)."""

from __future__ import annotations

from helpers import call_multiset, overlap, run

LATENCY = 0.1


def test_independent_lets_overlap() -> None:
    text = """
def main() =
    let a = llm("one")
    let b = llm("two")
    a + b
"""
    opp = run(text, "opportunistic", LATENCY)
    seq = run(text, "sequential", LATENCY)
    a, b = opp.trace.calls
    assert overlap(a, b)
    assert a.after is None and b.after is None
    s1, s2 = seq.trace.calls
    assert not overlap(s1, s2) and s2.after == s1.id
    assert opp.value == seq.value


def test_dependent_call_starts_after_its_argument() -> None:
    text = """
def main() =
    let a = llm("one")
    let b = llm("two")
    llm(a + "!")
"""
    calls = run(text, "opportunistic", LATENCY).trace.calls
    assert [c.args for c in calls][:2] == ['"one"', '"two"']
    dependent = calls[2]
    assert dependent.start >= calls[0].end
    assert dependent.after == calls[0].id
    assert overlap(calls[0], calls[1])


def test_untaken_branch_starts_nothing() -> None:
    text = """
def main() =
    let x = llm("cond")
    if len(x) > 1000 then llm("never") else llm("taken")
"""
    calls = run(text, "opportunistic", LATENCY).trace.calls
    assert [c.args for c in calls] == ['"cond"', '"taken"']


def test_map_sends_every_call_at_once_and_rates_each_when_ready() -> None:
    text = """
def rate(joke) = len(llm("Rate: " + joke))

def main() =
    let jokes = map(fn(t) => llm(f"Joke about {t}"), ["cats", "taxes", "rain"])
    let scores = map(rate, jokes)
    zip(jokes, scores)
"""
    result = run(text, "opportunistic", LATENCY)
    jokes = [c for c in result.trace.calls if c.args.startswith('"Joke')]
    rates = [c for c in result.trace.calls if c.args.startswith('"Rate')]
    assert len(jokes) == 3 and len(rates) == 3
    assert all(overlap(jokes[0], j) for j in jokes[1:])
    assert all(r.after is not None and r.start >= result.trace.calls[r.after].end for r in rates)
    seq = run(text, "sequential", LATENCY)
    assert seq.value == result.value
    assert call_multiset(seq) == call_multiset(result)


def test_unused_let_call_still_runs_exactly_once() -> None:
    text = """
def main() =
    let unused = llm("side")
    42
"""
    for mode in ("opportunistic", "sequential"):
        result = run(text, mode, LATENCY)
        assert result.value == 42
        assert [c.args for c in result.trace.calls] == ['"side"']
        assert result.trace.calls[0].status == "ok"


def test_function_body_starts_while_argument_pending() -> None:
    text = """
def both(x) =
    let other = llm("independent")
    x + other

def main() = both(llm("slow"))
"""
    calls = run(text, "opportunistic", LATENCY).trace.calls
    assert len(calls) == 2 and overlap(calls[0], calls[1])


def test_pending_slots_in_lists_do_not_wait() -> None:
    text = """
def main() =
    let xs = [llm("a"), llm("b")]
    let n = len(xs)
    (n, llm(f"count {n}"))
"""
    calls = run(text, "opportunistic", LATENCY).trace.calls
    assert len(calls) == 3
    assert overlap(calls[0], calls[2]) and calls[2].after is None


def test_external_waits_for_every_element_of_a_list_argument() -> None:
    text = """
def main() =
    let xs = [llm("a"), llm("b")]
    llm_chat([{role: "user", content: xs[0]}, {role: "user", content: xs[1]}])
"""
    calls = run(text, "opportunistic", LATENCY).trace.calls
    assert calls[2].start >= max(calls[0].end, calls[1].end)


def test_max_concurrency_limits_calls_in_flight() -> None:
    text = 'def main() = map(fn(i) => llm(f"q{i}"), range(6))'
    result = run(text, "opportunistic", 0.05, max_concurrency=2)
    calls = result.trace.calls
    # Calls in flight as each one starts (the most there ever are is at some call's start).
    # Not "how many calls each call overlaps": one call may outlive one neighbour and see the
    # next start, with never more than two in flight.
    in_flight = [sum(1 for d in calls if d.start <= c.start < d.end) for c in calls]
    assert max(in_flight) == 2
