"""The examples in the built-ins' docs are true: each `expr  # result` line of a pure
built-in evaluates to the result it shows, and every example of any built-in parses."""

from __future__ import annotations

import pytest

from epic_lang.analysis.builtins import BUILTINS
from epic_lang.eval import run_source
from epic_lang.syntax.parser import parse

EXAMPLE_LINES = [
    (name, line)
    for name, info in sorted(BUILTINS.items())
    if info.example
    for line in info.example.splitlines()
]


@pytest.mark.parametrize(("name", "line"), EXAMPLE_LINES)
def test_example_parses(name: str, line: str) -> None:
    parsed = parse(f"def example() = {line}\n")
    assert not parsed.diagnostics, (name, parsed.diagnostics)


@pytest.mark.parametrize(
    ("name", "line"),
    [(n, line) for n, line in EXAMPLE_LINES if BUILTINS[n].kind == "builtin"],
)
def test_pure_example_gives_the_result_it_shows(name: str, line: str) -> None:
    expression, _, shown = line.partition("  # ")
    assert shown, f"the example of {name} should show its result after `  # `"
    result = run_source(f"def main() = ({expression}, {shown})\n")
    actual, expected = result.value
    assert actual == expected and type(actual) is type(expected), line
