"""The formatter's work grows linearly with nesting depth.

A body offers its value in several layouts; when each layout built the value's document
afresh, 18 nested `fn(x) =>` took 36 s and 600 MB. Work is counted here as the peak memory
the formatter allocates (tracemalloc) per character of input and output, never as time: the
figure does not depend on the machine or its load, and it explodes with the old behaviour.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import pytest

from epic_lang.format.equivalence import first_difference
from epic_lang.format.formatter import FormatError, format_source
from epic_lang.syntax.parser import parse


def nested_lambdas(depth: int) -> str:
    return "def main() = " + "fn(x) => " * depth + "x\n"


def nested_maps(depth: int) -> str:
    return "def main(xs) = " + "map(fn(x) => " * depth + "x" + ", xs)" * depth + "\n"


def nested_lambdas_in_lists(depth: int) -> str:
    """Every kind of body layout at each level: hugged brackets, operator chains, `let`."""
    level = "fn(x) => x - 1 + [fn(y) => let z = y in "
    return "def main() = " + level * depth + "x" + "]" * depth + "\n"


SHAPES = [nested_lambdas, nested_maps, nested_lambdas_in_lists]


def _formatted_with_work(text: str) -> tuple[str, float]:
    """The formatted text, and the peak memory the formatter allocated per character of
    input and output (the output of nested brackets grows faster than the input, since
    each level is indented further)."""
    tracemalloc.start()
    try:
        out = format_source(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return out, peak / (len(text) + len(out))


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.__name__)
def test_deep_nesting_is_formatted_right_and_stable(shape: Callable[[int], str]) -> None:
    for depth in (25, 50, 100):
        text = shape(depth)
        out = format_source(text)
        assert first_difference(parse(text).module, parse(out).module) is None
        assert out.count("fn(") == text.count("fn(")
        assert format_source(out) == out


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.__name__)
def test_work_per_character_does_not_grow_with_depth(shape: Callable[[int], str]) -> None:
    format_source(shape(2))  # imports and tables: not part of the measure
    _, shallow = _formatted_with_work(shape(25))
    _, deep = _formatted_with_work(shape(50))
    # Linear work keeps the figure level (measured: it even falls, as the output's
    # indentation grows); doubling the work per level of nesting multiplies it by millions.
    assert deep < 3 * shallow, (shallow, deep)


def test_nesting_beyond_the_limit_is_a_clean_refusal() -> None:
    """Far past anything written by hand, the formatter refuses with a diagnostic that names
    the declaration, rather than a traceback."""
    text = "def ok() = 1\n\ndef main(xs) = " + "map(fn(x) => " * 3000 + "x" + ", xs)" * 3000
    with pytest.raises(FormatError) as caught:
        format_source(text + "\n", "deep.epic")
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.render("deep.epic").startswith("deep.epic:3:1: error: ")
    assert "nested too deeply" in diagnostic.message
