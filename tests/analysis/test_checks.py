"""Check behaviour that golden files cannot show: paths, caching, reuse of a parse."""

from __future__ import annotations

import os
import re
from pathlib import Path

from epic_lang.analysis import checks
from epic_lang.analysis.checks import check_parsed, check_source
from epic_lang.analysis.scope import resolve
from epic_lang.syntax.parser import parse


def codes(diagnostics) -> list[tuple[int, int, str]]:
    return [(d.span.line, d.span.col, d.code) for d in diagnostics]


def test_check_parsed_reuses_a_parse_and_a_resolution() -> None:
    text = "def main() =\n    let x = lenn(1)\n    f(\n"
    parsed = parse(text)
    assert check_parsed(parsed, text, None, resolve(parsed.module)) == check_source(text)


def test_diagnostics_carry_the_path(tmp_path: Path) -> None:
    file = tmp_path / "a.epic"
    [diagnostic] = check_source("def main() = nope\n", str(file))
    assert diagnostic.path == str(file)
    assert diagnostic.render().startswith(f"{file}:1:14: error: unknown name `nope`")


def test_relative_imports_need_a_path() -> None:
    text = 'import "./nowhere.epic" as n\nimport python "./nowhere.py" as p\n'
    assert check_source(text) == []
    assert [d.code for d in check_source(text, "/tmp/x/prog.epic")] == ["missing-import"] * 2


def test_imported_file_is_read_again_when_it_changes(tmp_path: Path) -> None:
    lib = tmp_path / "lib.epic"
    lib.write_text("def f(x) = x\n")
    program = tmp_path / "main.epic"
    text = 'import "./lib.epic" as lib\n\ndef main() = lib.g(1)\n'
    assert codes(check_source(text, str(program))) == [(3, 18, "unknown-member")]
    lib.write_text("def f(x) = x\n\ndef g(x, y) = x\n")
    stat = lib.stat()
    os.utime(lib, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert codes(check_source(text, str(program))) == [(3, 14, "arity")]


def test_members_of_a_broken_import_are_not_reported(tmp_path: Path) -> None:
    (tmp_path / "lib.epic").write_text("def f(x) = (x\n")
    text = 'import "./lib.epic" as lib\n\ndef main() = lib.f(1)\n'
    assert check_source(text, str(tmp_path / "main.epic")) == []


def test_unused_lets_inside_lambdas_and_shadowing() -> None:
    text = (
        "def main(xs) =\n"
        "    let g = fn(x) =>\n"
        "        let y = x\n"
        "        let x = 2\n"
        "        x\n"
        "    map(g, xs)\n"
    )
    assert codes(check_source(text)) == [(3, 13, "unused-let")]


def test_a_local_or_parameter_shadowing_a_def_is_not_arity_checked() -> None:
    text = "def add(a, b) = a + b\n\ndef main(add) =\n    let add2 = add\n    add2(1)\n"
    assert check_source(text) == []


def test_every_code_is_documented_and_shown_by_a_golden_file() -> None:
    data = Path(__file__).resolve().parents[1] / "data" / "analysis"
    reported: set[str] = set()
    expected: set[str] = set()
    for file in data.glob("*.epic"):
        text = file.read_text(encoding="utf-8")
        reported |= {d.code for d in check_source(text, str(file))}
        expected |= set(re.findall(r"# expect: \S+ \w+ ([\w-]+)", text))
    assert {c for c in reported if not c.startswith("syntax")} <= set(checks.CODES)
    # `too-deep` needs thousands of nested brackets; test_robust.py shows it.
    assert set(checks.CODES) - {"too-deep"} <= expected
