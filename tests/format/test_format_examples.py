"""The shipped examples are in canonical form: formatting them changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from epic_lang.format.formatter import format_source

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").rglob("*.epic"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_is_a_fixed_point(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert format_source(text, str(path)) == text
