"""The prelude parses, desugars to core only, documents every function, checks clean and is
formatted canonically."""

from __future__ import annotations

from core_walk import assert_core_module

from epic_lang.analysis.checks import check_source
from epic_lang.core import terms as core
from epic_lang.core.prelude import prelude_core, prelude_path, prelude_syntax, prelude_text
from epic_lang.format.formatter import format_source
from epic_lang.syntax import ast

REQUIRED = [
    "church_true",
    "church_false",
    "map",
    "filter",
    "fold",
    "sum",
    "any",
    "all",
    "zip",
    "enumerate",
    "take",
    "drop",
    "reverse",
    "sort_by",
    "max_by",
    "min_by",
    "flat_map",
    "iterate_until",
    "fix",
    "flatten",
    "count",
    "find_first",
]


def test_prelude_parses_and_desugars() -> None:
    module = prelude_core()
    assert module.path == prelude_path()
    assert module.imports == ()
    assert_core_module(module)
    names = [name for name, _ in module.globals]
    assert len(names) == len(set(names))
    for name in REQUIRED:
        assert name in names
    for name, term in module.globals:
        assert isinstance(term, core.Lam) and term.name == name


def test_every_function_is_documented() -> None:
    defs = [d for d in prelude_syntax().decls if isinstance(d, ast.Def)]
    assert len(defs) == len(prelude_syntax().decls)
    for d in defs:
        assert d.doc and d.doc.strip(), f"{d.name.text} has no ## doc comment"


def test_church_booleans_are_as_agreed() -> None:
    globals_ = dict(prelude_core().globals)
    t, f = globals_["church_true"], globals_["church_false"]
    assert isinstance(t, core.Lam) and t.params == ("t", "f")
    assert isinstance(t.body, core.App) and t.body.func == core.Var("t", t.body.func.span)
    assert isinstance(f, core.Lam) and f.params == ("t", "f")
    assert isinstance(f.body, core.App) and f.body.func == core.Var("f", f.body.func.span)


def test_prelude_checks_clean() -> None:
    diagnostics = check_source(prelude_text(), prelude_path())
    assert [d.render() for d in diagnostics] == []


def test_prelude_is_formatted() -> None:
    assert format_source(prelude_text(), prelude_path()) == prelude_text()
