"""`llm_stream` and `lines` in the evaluator, with the in-process fake backend: the schedule
read from the trace (a line's downstream call starts before the stream has ended), agreement
of the two modes, and the stream functions. The same path over real HTTP is in
tests/llm/test_streaming_http.py."""

from __future__ import annotations

from helpers import MODES, call_multiset, run

from epic_lang.testing.fake import FakeBackend

ANSWER = "alpha one\nbeta two\ngamma three\n"

PIPELINE = """
def main() =
    let topics = lines(llm_stream("List the topics"))
    map(fn(t) => llm(f"Expand {t}"), topics)
"""


def backend() -> FakeBackend:
    return FakeBackend(latency=0.02, rules={"List the topics": ANSWER}, piece_delay=0.03)


def test_each_line_is_sent_on_before_the_stream_ends() -> None:
    result = run(PIPELINE, "opportunistic", backend=backend())
    stream, *downstream = result.trace.calls
    assert stream.name == "llm_stream" and len(downstream) == 3
    assert downstream[0].start < stream.end  # the first line went out while streaming
    assert downstream[0].args == '"Expand alpha one"'
    assert downstream[0].after == stream.id
    assert [d.args for d in downstream] == [f'"Expand {t}"' for t in ANSWER.splitlines()]


def test_sequential_waits_for_the_whole_answer_and_agrees() -> None:
    opp, seq = (run(PIPELINE, mode, backend=backend()) for mode in MODES)
    assert opp.value == seq.value and len(opp.value) == 3
    assert call_multiset(opp) == call_multiset(seq)
    stream, first = seq.trace.calls[:2]
    assert first.start >= stream.end


def test_a_stream_passed_to_anything_else_is_its_whole_value() -> None:
    text = """
def main() =
    let s = llm_stream("List the topics")
    let ls = lines(s)
    (s + "!", len(s), text(s), str(s), len(ls), ls[1], join(ls, "|"), text(ls),
        filter(fn(l) => startswith(l, "b"), ls), is_stream(s), is_stream(text(s)),
        llm(s) == llm(text(s)))
"""
    for mode in MODES:
        value = run(text, mode, backend=backend()).value
        assert value == (
            ANSWER + "!",
            len(ANSWER),
            ANSWER,
            ANSWER,
            3,
            "beta two",
            "alpha one|beta two|gamma three",
            ANSWER.rstrip("\n"),
            ["beta two"],
            True,
            False,
            True,
        )


def test_pieces_and_stream_next() -> None:
    text = """
def first_two(s) =
    match stream_next(s) with
        case (a, rest) =>
            match stream_next(rest) with
                case (b, more) => [a, b, text(more)]
                case _ => [a]
        case _ => []

def main() =
    let s = llm_stream("List the topics")
    (map(fn(p) => len(p), s), first_two(s), lines("x\\r\\n\\ny"), lines(""))
"""
    for mode in MODES:
        pieces, two, crlf, empty = run(text, mode, backend=backend()).value
        assert pieces == [len("alpha "), len("one\n"), 5, 4, 6, 6]
        assert two == ["alpha ", "one\n", "beta two\ngamma three\n"]
        assert crlf == ["x", "", "y"] and empty == []


def test_lines_started_late_sees_the_lines_already_there() -> None:
    text = """
def main() =
    let s = llm_stream("List the topics")
    if len(llm("wait")) > 0 then lines(s) else []
"""
    slow = FakeBackend(
        latency=lambda request: 0.1 if request.prompt == "wait" else 0.02,
        rules={"List the topics": ANSWER},
        piece_delay=0.03,
    )
    result = run(text, "opportunistic", backend=slow)
    stream, wait = result.trace.calls
    assert stream.start < wait.end < stream.end  # `lines` began mid-stream
    assert result.value == ANSWER.splitlines()


def test_the_stream_is_shown_piece_by_piece() -> None:
    seen: list[tuple[int, str]] = []
    run(
        PIPELINE, backend=backend(), on_stream=lambda record, piece: seen.append((record.id, piece))
    )
    assert "".join(piece for _, piece in seen) == ANSWER and len(seen) == 6
    assert {record for record, _ in seen} == {0}
