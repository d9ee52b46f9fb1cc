"""The checks never raise: broken, mutated and pathological programs give diagnostics."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from epic_lang.analysis.checks import check_source
from epic_lang.analysis.scope import resolve
from epic_lang.diagnostics import Diagnostic
from epic_lang.syntax import ast
from epic_lang.syntax.parser import parse

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.epic"))]
SOURCES += [
    p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests/data/analysis").glob("*.epic"))
]


@settings(max_examples=150, deadline=None)
@given(
    source=st.sampled_from(SOURCES),
    cut=st.integers(min_value=0, max_value=10_000),
    length=st.integers(min_value=0, max_value=40),
    insert=st.text(alphabet="()[]{}=,.:|>\"'f#\n abxyz_0", max_size=6),
)
def test_mutated_programs_only_give_diagnostics(
    source: str, cut: int, length: int, insert: str
) -> None:
    cut %= len(source) + 1
    text = source[:cut] + insert + source[cut + length :]
    diagnostics = check_source(text, None)
    assert all(isinstance(d, Diagnostic) for d in diagnostics)
    assert all(0 <= d.span.start <= d.span.end <= len(text) for d in diagnostics)


def test_long_chains_are_checked_without_deep_recursion() -> None:
    terms = " + ".join(["x"] * 5000)
    branches = " else ".join(f"if x == {i} then {i}" for i in range(3000))
    text = f"def f(x) = {terms} |> str |> len\n\ndef g(x) = {branches} else y\n"
    [diagnostic] = check_source(text)
    assert (diagnostic.code, diagnostic.span.line) == ("unknown-name", 3)


def test_absurd_nesting_is_a_warning() -> None:
    text = "def main() = " + "[" * 5000 + "]" * 5000 + "\n\ndef other() = nope\n"
    codes = [(d.code, d.span.line) for d in check_source(text)]
    assert ("unknown-name", 3) in codes
    assert all(code in ("too-deep", "syntax", "unknown-name") for code, _ in codes)


def all_vars(node: object) -> list[ast.Var]:
    """Every `Var` below `node`, found generically (not by the resolver's own walk)."""
    found = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Var):
            found.append(item)
        elif isinstance(item, tuple | list):
            stack.extend(item)
        elif is_dataclass(item):
            stack.extend(getattr(item, f.name) for f in fields(item) if f.name != "span")
    return found


@settings(max_examples=100, deadline=None)
@given(
    source=st.sampled_from(SOURCES),
    cut=st.integers(min_value=0, max_value=10_000),
    length=st.integers(min_value=0, max_value=20),
)
def test_every_name_use_is_resolved_or_reported(source: str, cut: int, length: int) -> None:
    cut %= len(source) + 1
    module = parse(source[:cut] + source[cut + length :]).module
    result = resolve(module)
    unresolved = {u.var for u in result.unresolved}
    for var in all_vars(module.decls):
        assert (var in result.targets) != (var in unresolved), var
    for binding, uses in result.uses.items():
        assert all(result.targets[use] is binding for use in uses)
