"""Golden tests for syntax errors: each file in tests/data/syntax/errors/ ends with
`# expect: LINE:COL message` lines (every diagnostic, in order) and one `# decls: a, b` line
(the declarations that survive recovery). One parametrised runner checks them all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from epic_lang.diagnostics import Severity
from epic_lang.syntax import ast
from epic_lang.syntax.parser import parse

DATA = Path(__file__).parent.parent / "data" / "syntax" / "errors"
FILES = sorted(DATA.glob("*.epic"))
EXPECT = re.compile(r"^# expect: (\d+):(\d+) (.*)$", re.M)
DECLS = re.compile(r"^# decls: ?(.*)$", re.M)


def decl_name(decl: ast.Decl) -> str:
    return decl.alias.text if isinstance(decl, ast.Import) else decl.name.text


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_golden_error(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    expected = [(int(line), int(col), msg) for line, col, msg in EXPECT.findall(text)]
    assert expected, f"{path.name} has no `# expect:` line"
    result = parse(text, str(path))
    actual = [(d.span.line, d.span.col, d.message) for d in result.diagnostics]
    assert actual == expected
    assert all(d.severity is Severity.ERROR and d.code == "syntax" for d in result.diagnostics)
    assert all(d.path == str(path) for d in result.diagnostics)
    decls = DECLS.search(text)
    assert decls is not None, f"{path.name} has no `# decls:` line"
    wanted = [n.strip() for n in decls.group(1).split(",") if n.strip()]
    assert [decl_name(d) for d in result.module.decls] == wanted


def test_every_error_file_is_distinct() -> None:
    messages = set()
    for path in FILES:
        first = EXPECT.search(path.read_text(encoding="utf-8"))
        assert first is not None
        messages.add(first.group(3))
    assert len(FILES) >= 40
    assert len(messages) >= 35
