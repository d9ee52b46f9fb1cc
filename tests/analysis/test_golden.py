"""Golden checks: every `tests/data/analysis/*.epic` file lists the diagnostics it must get.

A line `# expect: LINE:COL severity code [message fragment]` expects exactly one diagnostic
starting at LINE:COL with that severity and code (and, when given, a message containing the
fragment); the file must get no other diagnostic.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from epic_lang.analysis.checks import check_source

DATA = Path(__file__).resolve().parents[1] / "data" / "analysis"
EXPECT = re.compile(r"#\s*expect:\s*(\d+):(\d+)\s+(\w+)\s+([\w-]+)\s*(.*)$")


def expectations(text: str) -> list[tuple[int, int, str, str, str]]:
    found = []
    for line in text.splitlines():
        match = EXPECT.search(line)
        if match:
            line_no, col, severity, code, fragment = match.groups()
            found.append((int(line_no), int(col), severity, code, fragment.strip()))
    return sorted(found)


@pytest.mark.parametrize("path", sorted(DATA.glob("*.epic")), ids=lambda p: p.name)
def test_golden(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    expected = expectations(text)
    diagnostics = check_source(text, str(path))
    actual = sorted(
        (d.span.line, d.span.col, d.severity.value, d.code, d.message) for d in diagnostics
    )
    rendered = "\n".join(d.render() for d in diagnostics)
    assert [a[:4] for a in actual] == [e[:4] for e in expected], rendered
    for (*_, message), (*_, fragment) in zip(actual, expected, strict=True):
        assert fragment in message, rendered


def test_golden_files_exist() -> None:
    assert len(list(DATA.glob("*.epic"))) >= 5
