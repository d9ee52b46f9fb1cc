"""`epic check` and `epic fmt` do work in proportion to the file: no pass is quadratic in the
number of declarations, and deep nesting stays within the checks' depth.

Work is counted as the peak memory allocated per character (tracemalloc), never as time, so
that the figures do not depend on the machine or its load. Timings of 1 MB and 10 MB files
are in `bench/frontend.py`.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable

import pytest

from epic_lang.analysis.checks import check_source
from epic_lang.diagnostics import has_errors
from epic_lang.format.formatter import format_source
from epic_lang.syntax.parser import parse

DECLARATIONS = """\
## Scores one answer for topic {i}.
def score_{i}(answer, weight=1.5) =
    let words = split(strip(answer), sep=" ")  # the words
    let bonus = if len(words) > 10 and not ("error" in answer) then 2 else 0
    len(words) * weight + bonus - {i} % 7

def pick_{i}(xs) =
    match xs with
        case [] => none
        case [x, ...rest] => {{best: x, others: rest[0:2], count: len(rest)}}

let table_{i} = map(fn(n) => (n, n ** 2, score_{i}(str(n))), range({i} + 3))
"""


def program(copies: int) -> str:
    return "\n".join(DECLARATIONS.format(i=i) for i in range(copies))


def _peak_per_char(run: Callable[[str], object], text: str) -> float:
    tracemalloc.start()
    try:
        run(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / len(text)


def _unformatted(text: str) -> str:
    """The same program needing a full reformat (and so the formatter's whole proof)."""
    return text.replace(", ", ",")


def test_the_program_is_clean_and_formatted() -> None:
    text = program(3)
    assert not has_errors(check_source(text))
    assert format_source(text) == text
    assert format_source(_unformatted(text)) == text


def test_check_and_format_work_grows_linearly_with_the_file() -> None:
    small, large = program(10), program(40)
    for run in (check_source, format_source, lambda t: format_source(_unformatted(t))):
        run(program(1))  # imports and parser tables: not part of the measure
        per_char_small = _peak_per_char(run, small)
        per_char_large = _peak_per_char(run, large)
        # Linear work keeps the figure level (measured: within 1.1x); a pass quadratic in the
        # number of declarations would multiply it by about 4.
        assert per_char_large < 2 * per_char_small, (run, per_char_small, per_char_large)


def test_a_hundred_nested_functions_are_checked_completely() -> None:
    text = "def main() = " + "fn(x) => " * 100 + "x\n"
    assert check_source(text, "deep.epic") == []


def _kept_and_peak(run: Callable[[str], object], text: str) -> tuple[int, int]:
    """The memory still allocated after `run(text)` (with its result alive) and the peak
    during it."""
    tracemalloc.start()
    try:
        result = run(text)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return kept, peak


def test_the_parser_never_holds_the_whole_files_tokens() -> None:
    """The lexer hands out one declaration's tokens at a time. When it lexed the whole file
    first, the tokens alone weighed more than the tree: the peak was twice the tree."""
    text = program(40)
    parse(text)  # parser tables: not part of the measure
    tree, peak = _kept_and_peak(parse, text)
    # Measured: 1.07x (the tokens of one declaration on top of the tree).
    assert peak < 1.4 * tree, (tree, peak)


@pytest.mark.parametrize("needs_proof", [False, True], ids=["formatted", "unformatted"])
def test_the_formatter_streams(needs_proof: bool) -> None:
    """`epic fmt` parses and prints a declaration at a time, proves its output a run of
    declarations at a time, and drops their trees, so its memory does not follow the file's
    tree (about 29 bytes per character): on this 70 kB file it peaks at 5.2 bytes per
    character when the file is already formatted and 12.1 when every line changes (the
    output, and one run's trees). Holding the whole file's tree, it peaked at 43 and 47."""
    text = program(150)
    if needs_proof:
        text = _unformatted(text)
    format_source(text)  # the parser's tables: not part of the measure
    # Held over the measure, so that its names stay interned: else each run's names would
    # leave and re-enter the interpreter's table of interned strings, whose occasional
    # rebuild (1 MB, more in a long session) would count against the formatter.
    names = parse(text)
    gc.collect()  # no garbage of earlier tests freed (or not) during the measure
    _, peak = _kept_and_peak(format_source, text)
    assert peak < 20 * len(text), peak / len(text)
    del names


def test_the_syntax_tree_weighs_under_33_bytes_per_character() -> None:
    """Each node's span is one packed int (64 bytes) rather than a dataclass of six ints
    (about 120 bytes with its ints): the tree of this program fell from 40 to 29 bytes per
    character. `epic check` and `epic fmt` hold no more than a few declarations' trees."""
    text = program(40)
    parse(text)
    tree, _ = _kept_and_peak(parse, text)
    assert tree < 33 * len(text), tree / len(text)


def test_check_never_holds_the_whole_files_tree() -> None:
    """`epic check` resolves and checks one declaration at a time, keeping of each only its
    header (name, parameters) and what it leaves for the end: its peak is a fraction of the
    tree, where it was the tree and its name resolution."""
    text = program(40)
    check_source(text)
    _, peak = _kept_and_peak(check_source, text)
    # Measured: 9.7 bytes per character (a third of the tree); 38.8 with the whole tree.
    assert peak < 15 * len(text), peak / len(text)
