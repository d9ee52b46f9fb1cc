"""`epic check` takes one declaration at a time (`check_stream`), and what a declaration
leaves open (a name defined further down) is checked at the end: each case here gives the
problem it must find there, and the same diagnostics as the check of the whole module (the
editor's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from epic_lang.analysis import check_stream
from epic_lang.analysis.checks import Checker, check_parsed, check_source
from epic_lang.syntax.parser import parse

CASES = {
    "a call of a def defined below": (
        "def main() = helper(1, 2)\n\ndef helper(x) = x\n",
        ["1:24 arity `helper` takes 1 argument but 2 were given"],
    ),
    "a keyword of a lambda let defined below": (
        "def main() = twice(1, y=2)\n\nlet twice = fn(x) => x * 2\n",
        ["1:23 unknown-keyword `twice` has no parameter `y`"],
    ),
    "a value piped into a call of a def defined below": (
        "def main(xs) = xs |> pair(1)\n\ndef pair(a, b) = (a, b)\n",
        ["1:22 arity `pair` is missing argument `b` (it takes 2 arguments); the piped"],
    ),
    "a value piped into a def defined below that takes none": (
        "def main(xs) = xs |> nothing\n\ndef nothing() = 1\n",
        ["1:16 arity `nothing` takes 0 arguments but 1 was given"],
    ),
    "a cost trap through a def defined below": (
        "def main(short) =\n"
        '    let s = summary("text")\n'
        '    if short then "" else s\n'
        "\n"
        "def summary(t) = ask(t)\n"
        "\n"
        "def ask(t) = llm(t)\n",
        ["2:9 cost-trap the value of `s` calls an external"],
    ),
    "an unknown name, and a name defined below": (
        "def main() = later + nowhere\n\nlet later = 1\n",
        ["1:22 unknown-name unknown name `nowhere`"],
    ),
    "a built-in's name defined below its use": (
        "def main() = len([1])\n\ndef len(a, b) = a\n",
        ["1:14 arity `len` is missing argument `b` (it takes 2 arguments)"],
    ),
    "a name defined twice": (
        "def f() = 1\n\nlet f = 2\n",
        ["3:5 duplicate-definition `f` is already defined at line 1"],
    ),
}


def _shown(diagnostics: list) -> list[str]:
    return [f"{d.span.line}:{d.span.col} {d.code} {d.message}" for d in diagnostics]


@pytest.mark.parametrize(("text", "expected"), CASES.values(), ids=CASES.keys())
def test_what_a_declaration_leaves_open_is_checked_at_the_end(
    text: str, expected: list[str]
) -> None:
    found = check_source(text, "main.epic")
    shown = _shown(found)
    assert len(shown) == len(expected), shown
    for line, start in zip(shown, expected, strict=True):
        assert line.startswith(start), shown
    assert found == check_parsed(parse(text), text, "main.epic")


def test_a_member_of_an_import_below_is_checked_at_the_end(tmp_path: Path) -> None:
    (tmp_path / "lib.epic").write_text("def f(x) = x\n")
    text = 'def main() = lib.g(1) + lib.f(1, 2)\n\nimport "./lib.epic" as lib\n'
    path = str(tmp_path / "main.epic")
    found = check_source(text, path)
    assert _shown(found) == [
        "1:18 unknown-member `lib` has no member `g`",
        "1:34 arity `lib.f` takes 1 argument but 2 were given",
    ]
    assert found == check_parsed(parse(text), text, path)


def test_only_a_built_ins_name_used_above_needs_the_whole_module() -> None:
    used_above = "def main() = len([1])\n\ndef len(a, b) = a\n"
    unused_above = "def main() = 1\n\ndef len(a, b) = a\n"
    assert check_stream.check_stream(used_above, None, Checker(used_above, None)) is None
    assert check_stream.check_stream(unused_above, None, Checker(unused_above, None)) == []
