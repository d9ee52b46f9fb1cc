"""Property tests: any syntax tree, printed by the formatter, parses back to the same tree, and
the printed text is already in canonical form (formatting it again changes nothing)."""

from __future__ import annotations

import os

from format_strategies import expressions, modules
from hypothesis import HealthCheck, given, settings

from epic_lang.format.equivalence import tree_key
from epic_lang.format.formatter import format_module, format_source
from epic_lang.syntax import ast
from epic_lang.syntax.parser import parse

# EPIC_FORMAT_EXAMPLES=5000 runs a longer search than the default one.
SETTINGS = settings(
    max_examples=int(os.environ.get("EPIC_FORMAT_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def check_round_trip(module: ast.Module) -> None:
    text = format_module(module, None)
    result = parse(text)
    assert not result.diagnostics, (text, result.diagnostics)
    assert tree_key(result.module) == tree_key(module), text
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
