"""Golden formatting cases, as data: each `tests/data/format/*.epic` file is an input, then a
line `# output`, then the expected output (a file without that line must come out unchanged).

Every case also checks black's two guarantees directly: the output parses to the same tree as
the input (spans, comments and literal spelling aside) with the same comments, and formatting
the output again changes nothing.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from epic_lang.format.equivalence import equivalent
from epic_lang.format.formatter import format_source
from epic_lang.syntax.parser import parse

DATA = Path(__file__).parents[1] / "data" / "format"
CASES = sorted(DATA.glob("*.epic"))
MARKER = "# output\n"


def split_case(text: str) -> tuple[str, str]:
    """(input, expected output) of one golden file."""
    head, sep, expected = text.partition("\n" + MARKER)
    if not sep:
        return text, text
    return head + "\n", expected


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden(path: Path) -> None:
    source, expected = split_case(path.read_text(encoding="utf-8"))
    before = parse(source)
    assert not before.diagnostics, [d.render() for d in before.diagnostics]

    formatted = format_source(source)
    assert formatted == expected

    after = parse(formatted)
    assert not after.diagnostics
    assert equivalent(after.module, before.module)
    texts = Counter(c.text for c in before.module.comments)
    assert Counter(c.text for c in after.module.comments) == texts
    assert format_source(formatted) == formatted
