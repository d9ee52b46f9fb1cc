"""The fixes diagnostics carry: applied to the text, each one removes its diagnostic and the
result parses (the language server offers exactly these as quick fixes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from epic_lang.analysis.checks import check_source
from epic_lang.diagnostics import Diagnostic, Fix


def apply(text: str, fix: Fix) -> str:
    for edit in sorted(fix.edits, key=lambda e: e.span.start, reverse=True):
        text = text[: edit.span.start] + edit.new_text + text[edit.span.end :]
    return text


def only(diagnostics: list[Diagnostic], code: str) -> Diagnostic:
    found = [d for d in diagnostics if d.code == code]
    assert len(found) == 1, [d.render() for d in diagnostics]
    return found[0]


CASES = [
    ("def main() = lenn([1])\n", "unknown-name", "def main() = len([1])\n"),
    (
        'def main() = split("a,b", sepp=",")\n',
        "unknown-keyword",
        'def main() = split("a,b", sep=",")\n',
    ),
    ("def main() =\n    let x = 1\n    2\n", "unused-let", "def main() =\n    let _x = 1\n    2\n"),
    (
        "def f(a) = if a then 1 elif a then 2 else 3\n",
        "syntax",
        "def f(a) = if a then 1 else if a then 2 else 3\n",
    ),
    ("def f(x) =\n    return x\n", "syntax", "def f(x) =\n    x\n"),
    ("def f(a, b) = a && b\n", "syntax", "def f(a, b) = a and b\n"),
    ("def f(a, b) = a||b\n", "syntax", "def f(a, b) = a or b\n"),
    ("def f(a) = !a\n", "syntax", "def f(a) = not a\n"),
    ("def f(a) = if a = 1 then 2 else 3\n", "syntax", "def f(a) = if a == 1 then 2 else 3\n"),
    ("def f(a):\n    a\n", "syntax", "def f(a) =\n    a\n"),
    (
        "def main(short, text) =\n    let s = llm(text)\n    if short then text else s\n",
        "cost-trap",
        "def main(short, text) =\n    if short then text else (let s = llm(text) in s)\n",
    ),
    (
        'def main(n) =\n    let r = llm("a")\n    match n with\n        case 0 => r\n'
        '        case _ => "b"\n',
        "cost-trap",
        'def main(n) =\n    match n with\n        case 0 =>\n            let r = llm("a")\n'
        '            r\n        case _ => "b"\n',
    ),
    (
        'def main(n) =\n    let r = llm(\n        "a"\n    )\n    match n with\n'
        '        case 0 =>\n            let y = 1\n            r + str(y)\n        case _ => "b"\n',
        "cost-trap",
        "def main(n) =\n    match n with\n        case 0 =>\n            let r = llm(\n"
        '                "a"\n            )\n            let y = 1\n            r + str(y)\n'
        '        case _ => "b"\n',
    ),
]


@pytest.mark.parametrize(("text", "code", "fixed"), CASES)
def test_fix_repairs_the_text(text: str, code: str, fixed: str) -> None:
    diagnostic = only(check_source(text, "/nowhere/x.epic"), code)
    assert len(diagnostic.fixes) == 1
    assert apply(text, diagnostic.fixes[0]) == fixed
    assert check_source(fixed, "/nowhere/x.epic") == []


def test_no_move_when_the_arm_rebinds_a_name_of_the_value() -> None:
    text = (
        'def main(n) =\n    let r = llm(n)\n    match n with\n        case 0 => "a"\n'
        "        case n => r\n"
    )
    assert only(check_source(text), "cost-trap").fixes == ()


def test_unknown_name_defined_in_a_sibling_file(tmp_path: Path) -> None:
    (tmp_path / "lib.epic").write_text('def shout(t) = upper(t) + "!"\n')
    app = tmp_path / "app.epic"
    text = '## Entry.\ndef main() = shout("hi")\n'
    diagnostic = only(check_source(text, str(app)), "unknown-name")
    (fix,) = [f for f in diagnostic.fixes if "lib" in f.title]
    assert fix.title == "Import `shout` from `./lib.epic` as `lib`"
    fixed = apply(text, fix)
    assert fixed == 'import "./lib.epic" as lib\n## Entry.\ndef main() = lib.shout("hi")\n'
    assert check_source(fixed, str(app)) == []
    imported = 'import "./lib.epic" as tools\n\ndef main() = shout("hi")\n'
    fixes = only(check_source(imported, str(app)), "unknown-name").fixes
    (fix,) = [f for f in fixes if "tools" in f.title]
    assert fix.title == "Use `tools.shout` from `lib.epic`"
    assert (
        apply(imported, fix) == 'import "./lib.epic" as tools\n\ndef main() = tools.shout("hi")\n'
    )
