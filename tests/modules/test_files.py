"""The module layer on real files: one resolver, one reader, one cache with an overlay."""

from __future__ import annotations

import os
from pathlib import Path

from epic_lang.analysis.checks import check_source
from epic_lang.analysis.epic_imports import load_epic_module
from epic_lang.ide.document import Analysis
from epic_lang.ide.imports import load_analysis
from epic_lang.ide.lookup import Context
from epic_lang.ide.navigation import definition
from epic_lang.modules.files import SourceFiles, SourceText, importers
from epic_lang.modules.resolver import ImportKind, file_key, folder_of, resolve_import

LIB = "def greet(name) = name\n"
APP = 'import "./lib.epic" as lib\n\ndef main() = lib.greet("x")\n'


def test_one_resolver_for_every_kind_of_import(tmp_path: Path) -> None:
    base = str(tmp_path)
    epic = resolve_import("./sub/../lib.epic", False, base)
    assert (epic.kind, epic.path) == (ImportKind.EPIC_FILE, str(tmp_path / "lib.epic"))
    assert resolve_import("./tools.py", True, base).kind is ImportKind.PYTHON_FILE
    assert resolve_import("tools.py", True, base).path == str(tmp_path / "tools.py")
    # A name with a slash but no `.py` and no leading `.` or `/` is a module, for the
    # checks, the evaluator and the editor alike (the editor used to take it for a file).
    assert resolve_import("pkg/mod", True, base).kind is ImportKind.PYTHON_MODULE
    assert resolve_import("math", True, base).path is None
    assert resolve_import("./lib.epic", False, None).path is None
    assert resolve_import("/abs/lib.epic", False, None).path == "/abs/lib.epic"
    assert folder_of(str(tmp_path / "a" / ".." / "app.epic")) == base


def test_the_overlay_wins_over_the_disk_until_closed(tmp_path: Path) -> None:
    lib = tmp_path / "lib.epic"
    lib.write_text(LIB, encoding="utf-8")
    files = SourceFiles()
    on_disk = files.read(lib)
    assert on_disk.text == LIB and files.read(str(lib)) is on_disk
    files.open(str(tmp_path / "." / "lib.epic"), "def hello(name) = name\n")
    assert files.read(lib).text == "def hello(name) = name\n"
    files.close(str(lib))
    assert files.read(lib).text == LIB


def test_a_change_on_disk_is_read_again(tmp_path: Path) -> None:
    lib = tmp_path / "lib.epic"
    lib.write_text(LIB, encoding="utf-8")
    files = SourceFiles()
    assert files.read(lib).text == LIB
    lib.write_text("def other() = 1\n\n", encoding="utf-8")
    assert files.read(lib).text == "def other() = 1\n\n"


def test_derived_values_are_computed_once_per_version(tmp_path: Path) -> None:
    lib = tmp_path / "lib.epic"
    lib.write_text(LIB, encoding="utf-8")
    files = SourceFiles()
    built: list[str] = []

    def build(source: SourceText) -> int:
        built.append(source.text)
        return len(built)

    assert files.derived(str(lib), "count", build) == 1
    assert files.derived(str(lib), "count", build) == 1
    files.open(str(lib), "def x() = 1\n")
    assert files.derived(str(lib), "count", build) == 2
    assert files.derived(str(tmp_path / "absent.epic"), "count", build) is None


def test_reading_problems_are_diagnostics_with_the_one_policy(tmp_path: Path) -> None:
    bad = tmp_path / "bad.epic"
    bad.write_bytes(b"def f() = 1\n\xff\n")
    files = SourceFiles()
    found = files.read(bad)
    assert found.readable and found.text == "def f() = 1\n\ufffd\n"
    assert [(d.code, d.span.line) for d in found.problems] == [("encoding", 2)]
    missing = files.read(tmp_path / "missing.epic")
    assert not missing.readable and [d.code for d in missing.problems] == ["io"]
    assert not files.read(tmp_path).readable


def test_checks_and_navigation_read_the_same_unsaved_import(tmp_path: Path) -> None:
    (tmp_path / "lib.epic").write_text(LIB, encoding="utf-8")
    app = str(tmp_path / "app.epic")
    assert check_source(APP, app) == []
    files = SourceFiles()
    files.open(str(tmp_path / "lib.epic"), "def welcome(name) = name\n")
    analysis = Analysis(APP, app, None, files)
    assert [d.code for d in analysis.diagnostics] == ["unknown-member"]
    assert analysis.diagnostics[0].message == "`lib` has no member `greet`"
    context = Context(loader=lambda path: load_analysis(path, files))
    assert definition(analysis, APP.index("greet"), context) == []
    renamed = APP.replace("greet", "welcome")
    found = definition(Analysis(renamed, app, None, files), renamed.index("welcome"), context)
    assert [(loc.path, loc.span.start) for loc in found] == [(file_key(tmp_path / "lib.epic"), 4)]


def test_importers_directly_and_through_closed_files(tmp_path: Path) -> None:
    for name, text in {
        "lib.epic": LIB,
        "mid.epic": 'import "./lib.epic" as lib\nlet x = 1\n',
        "app.epic": 'import "./mid.epic" as mid\n',
        "cycle_a.epic": 'import "./cycle_b.epic" as b\n',
        "cycle_b.epic": 'import "./cycle_a.epic" as a\nimport "./lib.epic" as lib\n',
        "alone.epic": "def f() = 1\n",
    }.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    files = SourceFiles()

    def imports_of(path: str) -> list[str]:
        found = load_epic_module(path, files)
        return [] if found is None else list(found.imports)

    names = ["app.epic", "alone.epic", "cycle_a.epic", "lib.epic", "mid.epic"]
    candidates = [str(tmp_path / name) for name in names]
    found = importers(str(tmp_path / "lib.epic"), candidates, imports_of)
    assert sorted(os.path.basename(path) for path in found) == [
        "app.epic",
        "cycle_a.epic",
        "mid.epic",
    ]
    files.open(str(tmp_path / "mid.epic"), "let x = 1\n")
    found = importers(str(tmp_path / "lib.epic"), candidates, imports_of)
    assert sorted(os.path.basename(path) for path in found) == ["cycle_a.epic"]


def test_an_offered_value_counts_only_for_the_buffer_it_was_made_from(tmp_path: Path) -> None:
    files = SourceFiles()
    path = str(tmp_path / "lib.epic")
    files.open(path, "def a() = 1\n")
    files.offer(path, "count", "def old() = 1\n", 7)  # made from an older text: ignored
    files.offer(path, "count", "def a() = 1\n", 42)
    assert files.derived(path, "count", lambda source: 0) == 42
    files.open(path, "def b() = 2\n")
    assert files.derived(path, "count", lambda source: 0) == 0
