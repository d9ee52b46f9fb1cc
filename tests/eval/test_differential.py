"""Differential tests: the two strategies give the same result and make the same multiset of
external calls, on the shipped examples and on hypothesis-generated programs whose external
has a deterministic result but a random latency (so completion order varies). The default
400 generated programs keep the suite quick; `EPIC_DIFF_EXAMPLES=3000` runs a longer search.

The generated programs also handle failures (`_try` around a `risky` external that fails for
some arguments), race identical alternatives (`first`), order effects (`after`), print, and
use the pure built-ins. The calls compared are those whose results were not discarded: a
failing `try` body or a losing `first` alternative may have made different calls in each
mode before it was stopped (docs/language.md §13), everything else is made in both."""

from __future__ import annotations

import asyncio
import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from epic_lang.eval.errors import EpicRuntimeError
from epic_lang.eval.externals import external
from epic_lang.eval.program import EpicLoadError, load, load_source
from epic_lang.testing.fake import FakeBackend

EXAMPLES = Path(__file__).parent.parent.parent / "examples"
_rng = random.Random(0)


@external(name="ext")
async def scrambled(x: int) -> int:
    for _ in range(_rng.randrange(4)):
        await asyncio.sleep(0)
    if _rng.random() < 0.05:
        await asyncio.sleep(0.001)
    return (x * 7 + 3) % 101


@external(name="risky")
async def risky(x: int) -> int:
    for _ in range(_rng.randrange(3)):
        await asyncio.sleep(0)
    if x % 4 == 0:
        raise ValueError("risky input")  # one message, so any failure reads the same
    return x + 1


NAMES = ("p", "q")


@st.composite
def expressions(draw: st.DrawFn, depth: int = 0, names: tuple[str, ...] = NAMES) -> str:
    """An expression; the lines of a multi-line `fn` argument start with a mark for their
    indentation, which `laid_out` fills in."""
    leaf = st.one_of(st.integers(-5, 20).map(str), st.sampled_from(names))
    if depth >= 4:
        return draw(leaf)
    sub = lambda: draw(expressions(depth + 1, names))  # noqa: E731 - local shorthand
    kind = draw(st.integers(0, 25))
    if kind == 0:
        return draw(leaf)
    if kind == 1:
        return f"({sub()} + {sub()})"
    if kind == 2:
        return f"ext({sub()})"
    if kind == 3:
        return f"(if {sub()} < {sub()} then {sub()} else {sub()})"
    if kind == 4:
        name = f"v{depth}"
        value = sub()
        body = draw(expressions(depth + 1, (*names, name)))
        return f"(let {name} = {value} in {body})"
    if kind == 5:
        return f"len([{sub()}, {sub()}, {sub()}])"
    if kind == 6:
        return f"sum(map(fn(y) => ext(y + {sub()}), [{sub()}, {sub()}]))"
    if kind == 7:
        return f"helper({sub()}, {sub()})"
    if kind == 8:
        return f"fold(fn(a, b) => a - b, {sub()}, [{sub()}, ext({sub()})])"
    if kind == 9:
        return f"(match [{sub()}, {sub()}] with case [a, b] => a * 2 + b case _ => 0)"
    if kind == 11:
        body = sub() if draw(st.booleans()) else f"[{sub()}, risky({sub()})][1] + {sub()}"
        if draw(st.booleans()):
            return f"(try {body} catch err => {sub()})"
        return f"_try(fn() => {body}, fn(err) => {sub()})"
    if kind == 12:
        return f"risky({sub()})"
    if kind == 13:
        alternative = sub()
        return f"first([fn() => {alternative}, fn() => {alternative}])"
    if kind == 14:
        return f"after({sub()}, fn() => {sub()})"
    if kind == 15:
        a, b, c = sub(), sub(), sub()
        return draw(
            st.sampled_from(
                [
                    f"abs({a} - {b})",
                    f"round({a} / 3, digits=1) * 0 + {b}",
                    f"most_common([{a}, {b}, {c}])",
                    f"len(unique([{a}, {b}, {c}]))",
                    f"min([{a}, {b}])",
                    f"max([{a}, {b}, {c}], key=fn(v) => 0 - v)",
                    f"sorted([{a}, {b}, {c}], reverse=true)[0]",
                    f"len(union([{a}], intersection([{b}], [{c}])))",
                    f"print({a})",
                ]
            )
        )
    # The forms below hold many sub-expressions: theirs are shallower, so that a program
    # stays about as large as before they were added.
    small = lambda: draw(expressions(depth + 2, names))  # noqa: E731 - local shorthand
    if kind == 16:
        # Destructuring `let ... in`, of a tuple (always matches) or of a list that may be
        # too short (the same error in both modes).
        one, two = f"v{depth}", f"w{depth}"
        inner = (*names, one, two)
        body = draw(expressions(depth + 2, inner))
        if draw(st.booleans()):
            return f"(let ({one}, {two}) = ({small()}, ext({small()})) in {body})"
        items = ", ".join(small() for _ in range(draw(st.integers(1, 3))))
        # `take` hides the length from `epic check`, so the mismatch is found at run time.
        return f"(let [{one}, {two}] = take(3, [{items}]) in {body})"
    if kind == 17:
        one = f"v{depth}"
        body = draw(expressions(depth + 2, (*names, one)))
        return f"(let {{a: {one}, b}} = {{a: ext({small()}), b: {small()}}} in {body} - b)"
    if kind == 18:
        # Record update: the new field wins, the old ones stay, pending slots and all.
        return f"(({{...{{a: ext({small()}), b: {small()}}}, b: {small()}}}).b - {small()})"
    if kind == 19:
        return f"({small()} |> helper(_, {small()}))"
    if kind == 20:
        return f"([{small()}, {small()}] |> map(fn(y) => ext(y), _) |> sum)"
    if kind == 21:
        return f"(if {small()} in [{small()}, ext({small()})] then {small()} else {small()})"
    if kind == 22:
        # A block inside brackets: the lines of a multi-line `fn` argument.
        name = f"t{depth}"
        value, last = small(), draw(expressions(depth + 2, (*names, name)))
        pad = f"\2{draw(st.integers(0, 2**62))}\2"
        return (
            f"sum(map(fn(y) =>\n{pad}let {name} = ext(y + {value})\n{pad}{name} - {last}, "
            f"[{small()}, {small()}]))"
        )
    if kind == 23:  # a streamed answer, line by line (two lines: the fake echoes the prompt)
        prompt = f'str({sub()}) + "\\n" + str({sub()})'
        return f"sum(map(fn(l) => ext(len(l) + {sub()}), lines(llm_stream({prompt}))))"
    if kind == 24:  # a stream where a string is expected: its whole text
        return f"len(llm_stream(str({sub()})) + str({sub()}))"
    return f"({sub()} - ext({sub()}))"


def laid_out(body: str) -> str:
    """`body` with its `match` cases on lines of their own (at 8) and each block indented
    deeper than every line before it, so deeper than the line of its `=>`."""
    parts = body.replace(" case ", "\n        case ").split("\2")
    columns: dict[str, int] = {}
    deepest = 8
    for i in range(1, len(parts), 2):
        if parts[i] not in columns:
            deepest += 4
            columns[parts[i]] = deepest
        parts[i] = " " * columns[parts[i]]
    return "".join(parts)


PROGRAM = """
def helper(a, b) =
    let u = ext(a)
    let w = ext(b + 1)
    if u < w then u else w + a

def main(p, q) = {body}
"""


def outcome(program, mode: str, p: int, q: int) -> tuple:
    printed: list[str] = []
    try:
        result = program.run("main", p, q, mode=mode, backend=FakeBackend(), output=printed.append)
    except EpicRuntimeError as e:
        return ("error", e.message, None)
    calls = sorted((c.name, c.args) for c in result.trace.calls if not c.discarded)
    return ("ok", result.value, calls)


@settings(
    max_examples=int(os.environ.get("EPIC_DIFF_EXAMPLES", "400")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(body=expressions(), p=st.integers(-3, 30), q=st.integers(-3, 30))
def test_generated_programs_agree(body: str, p: int, q: int) -> None:
    try:
        program = load_source(
            PROGRAM.format(body=laid_out(body)),
            "gen.epic",
            externals=[scrambled, risky],
        )
    except EpicLoadError:
        return  # the generator may build a program the front end rejects; nothing to compare
    opp = outcome(program, "opportunistic", p, q)
    seq = outcome(program, "sequential", p, q)
    assert opp[0] == seq[0]
    if opp[0] == "error":
        # Where several parts fail, sequential mode reports the first in program order and
        # opportunistic mode the first in time (docs/language.md §13): both must fail, and
        # with one failure they agree (`test_one_failure_reads_the_same_in_both_modes`).
        return
    assert opp[1] == seq[1]
    if opp[0] == "ok":
        assert opp[2] == seq[2]


@pytest.mark.parametrize(
    "path", sorted(EXAMPLES.glob("**/*.epic")) if EXAMPLES.exists() else [], ids=lambda p: p.stem
)
def test_examples_agree(path: Path) -> None:
    try:
        program = load(path)
    except EpicLoadError as e:
        pytest.fail(str(e))
    if "main" not in program.definitions():
        pytest.skip("no main")
    results = []
    for mode in ("opportunistic", "sequential"):
        try:
            r = program.run("main", mode=mode, backend=FakeBackend(latency=0.001))
            calls = sorted((c.name, c.args) for c in r.trace.calls if not c.discarded)
            results.append(("ok", r.value, calls))
        except EpicRuntimeError as e:
            results.append(("error", e.message, None))
    assert results[0] == results[1]


ONE_FAILURE = [
    "(let [a, b] = take(3, [ext(p)]) in a) + ext(q)",
    "sum(map(fn(i) => ext(i) + [ext(q)][i], range(3)))",
    "match [ext(p), ext(q)] with\n        case [] => 0",
    "ext(p) + risky(4 * ext(q) - 4 * ext(q)) + ext(q)",
    'len(map(fn(i) => ext(i), range(p))) + int("x" + str(ext(q)))',
    "(fn(r) => (let {a, c} = r in a + c))({a: ext(p), b: ext(q)})",
]


@pytest.mark.parametrize("body", ONE_FAILURE)
def test_one_failure_reads_the_same_in_both_modes(body: str) -> None:
    """With one part failing, both modes report it alike, whatever the latencies."""
    program = load_source(PROGRAM.format(body=body), "one.epic", externals=[scrambled, risky])
    for p, q in ((1, 2), (5, 0), (7, 3)):
        opp = outcome(program, "opportunistic", p, q)
        seq = outcome(program, "sequential", p, q)
        assert opp[0] == seq[0] == "error"
        assert opp[1] == seq[1]
