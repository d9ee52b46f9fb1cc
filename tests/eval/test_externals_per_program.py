"""`@external` callables belong to the program they are given to (issue 12): two programs in
one process see their own, a program given none does not see another's, and the decorator
registers nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

import epic_lang
from epic_lang.eval.program import EpicLoadError

SOURCE = 'def main() = lookup("a")\n'


def test_two_programs_call_their_own_externals() -> None:
    @epic_lang.external(name="lookup")
    def upper(word: str) -> str:
        return word.upper()

    def lookup(word: str) -> str:
        return word * 2

    first = epic_lang.load_source(SOURCE, externals=[upper])
    second = epic_lang.load_source(SOURCE, externals=[lookup])
    assert first.call("main") == "A"
    assert second.call("main") == "aa"
    assert epic_lang.load_source(SOURCE, externals={"lookup": str.title}).call("main") == "A"


def test_a_program_given_no_externals_does_not_see_a_decorated_function() -> None:
    @epic_lang.external
    def lookup(word: str) -> str:
        return word

    with pytest.raises(EpicLoadError) as failure:
        epic_lang.load_source(SOURCE, "main.epic")
    assert "main.epic:1:14" in str(failure.value)
    assert "lookup" in str(failure.value)


def test_the_programs_epic_imports_see_its_externals(tmp_path: Path) -> None:
    (tmp_path / "helpers.epic").write_text('def shout() = lookup("b")\n', encoding="utf-8")
    (tmp_path / "main.epic").write_text(
        'import "./helpers.epic" as h\ndef main() = h.shout()\n', encoding="utf-8"
    )

    def lookup(word: str) -> str:
        return word + "!"

    assert epic_lang.load(tmp_path / "main.epic", externals=[lookup]).call("main") == "b!"


@pytest.mark.parametrize(
    ("externals", "error", "message"),
    [
        ({"not a name": len}, ValueError, "'not a name' is not a name"),
        ([len, len], ValueError, "two externals are named 'len'"),
        ({"f": 3}, TypeError, "'f' must be callable"),
        ([lambda x: x], ValueError, "'<lambda>' is not a name"),
    ],
)
def test_unusable_externals_are_refused_clearly(
    externals: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        epic_lang.load_source(SOURCE, externals=externals)  # type: ignore[arg-type]
