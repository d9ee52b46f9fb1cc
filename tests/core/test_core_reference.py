"""The prelude and the desugared constructs, run by the reference interpreter (so that the
desugarer is tested on its own, before and besides the real evaluator)."""

from __future__ import annotations

import random

import pytest
from core_cases import PRELUDE_CASES, PROGRAM_CASES
from core_reference import Reference


@pytest.mark.parametrize(("expr", "expected"), PRELUDE_CASES, ids=[c[0] for c in PRELUDE_CASES])
def test_prelude_function(expr: str, expected: object) -> None:
    assert Reference(f"def main() = {expr}\n").call("main") == expected


@pytest.mark.parametrize(("source", "expected"), PROGRAM_CASES)
def test_program(source: str, expected: object) -> None:
    assert Reference(source).call("main") == expected


def test_sort_by_matches_python_sorted_stably() -> None:
    program = Reference("def main(xs) = sort_by(fn(p) => p[0], xs)\n")
    rng = random.Random(7)
    for size in [*range(12), 50, 200]:
        xs = [(rng.randrange(5), i) for i in range(size)]
        assert program.call("main", xs) == sorted(xs, key=lambda p: p[0])
