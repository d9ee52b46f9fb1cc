"""Generated surface trees (the format tests' hypothesis strategies, which cover every
expression and pattern form) always desugar to well-formed core terms: only core nodes,
every node with a span, every primitive known and given the right number of arguments."""

from __future__ import annotations

import format_strategies as strategies
from core_walk import assert_core_module
from hypothesis import HealthCheck, given, settings

from epic_lang.core.desugar import desugar_module


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.modules)
def test_generated_modules_desugar_to_core(module: object) -> None:
    assert_core_module(desugar_module(module))  # type: ignore[arg-type]
