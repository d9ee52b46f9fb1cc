"""Property tests: any syntax tree, printed by the formatter, parses back to the same tree, and
the printed text is already in canonical form (formatting it again changes nothing)."""

from __future__ import annotations

import os

from format_strategies import expressions, modules
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from epic_lang.format.equivalence import equivalent
from epic_lang.format.formatter import format_module, format_source
from epic_lang.syntax import ast
from epic_lang.syntax.parser import parse

# EPIC_FORMAT_EXAMPLES=5000 runs a longer search than the default one.
SETTINGS = settings(
    max_examples=int(os.environ.get("EPIC_FORMAT_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def check_round_trip(module: ast.Module) -> None:
    text = format_module(module, None)
    result = parse(text)
    assert not result.diagnostics, (text, result.diagnostics)
    assert equivalent(result.module, module), text
    assert format_source(text) == text


@SETTINGS
@given(modules)
def test_printed_modules_parse_back_to_the_same_tree(module: ast.Module) -> None:
    check_round_trip(module)


@SETTINGS
@given(expressions)
def test_every_expression_round_trips_as_a_def_body(body: ast.Expr) -> None:
    name = ast.Name("f", body.span)
    check_round_trip(ast.Module((ast.Def(name, (), body, None, body.span),), (), body.span))


@SETTINGS
@given(modules, st.data())
def test_comments_anywhere_between_tokens_survive(module: ast.Module, data: st.DataObject) -> None:
    """Comments at the end of random lines and on their own lines between random lines: the
    formatter must place every one of them and still prove its result (it never refuses)."""
    text = format_module(module, None)
    lines = text.split("\n")
    chosen = data.draw(st.sets(st.integers(0, 2 * len(lines)), max_size=6))
    out: list[str] = []
    for i, line in enumerate(lines):
        if 2 * i in chosen:
            indent = len(line) - len(line.lstrip(" "))
            out.append(" " * indent + f"# own {i}")
        out.append(line + (f"  # end {i}" if 2 * i + 1 in chosen and line.strip() else ""))
    commented = "\n".join(out)
    before = parse(commented)
    # A "comment" inside a multi-line string is string text, not a comment: skip those.
    assume(not before.diagnostics and equivalent(before.module, module))
    assume(len(before.module.comments) == sum("# own" in x or "# end" in x for x in out))
    formatted = format_source(commented)
    assert sorted(c.text for c in parse(formatted).module.comments) == sorted(
        c.text for c in before.module.comments
    )
