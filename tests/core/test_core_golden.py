"""Golden tests: each `tests/data/core/NAME.epic` desugars to the S-expressions in
`NAME.core`. Run with `EPIC_UPDATE_GOLDEN=1` to rewrite the expected files (then read the
diff: the expected files are the specification of the encodings)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from core_walk import assert_core_module

from epic_lang.core.desugar import desugar_module
from epic_lang.core.pretty import show_module
from epic_lang.syntax.parser import parse

DATA = Path(__file__).parent.parent / "data" / "core"
CASES = sorted(DATA.glob("*.epic"))


@pytest.mark.parametrize("source", CASES, ids=[p.stem for p in CASES])
def test_golden(source: Path) -> None:
    result = parse(source.read_text(encoding="utf-8"), str(source))
    assert not result.diagnostics, [d.render() for d in result.diagnostics]
    module = desugar_module(result.module, str(source))
    assert_core_module(module)
    actual = show_module(module)
    expected_path = source.with_suffix(".core")
    if os.environ.get("EPIC_UPDATE_GOLDEN"):
        expected_path.write_text(actual, encoding="utf-8")
    assert actual == expected_path.read_text(encoding="utf-8")
