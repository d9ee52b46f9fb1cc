"""The call under the cursor, read from text that usually does not parse yet."""

from __future__ import annotations

import pytest

from epic_lang.ide.calls import call_context
from epic_lang.ide.formatting import Edit, minimal_edits


def context(text: str):
    offset = text.index("$0")
    return call_context(text.replace("$0", ""), offset)


def test_argument_index_and_keywords_skip_strings_and_nested_brackets() -> None:
    found = context('def main() =\n    llm("a, (b", [1, 2], max_tokens=3, $0')
    assert found.callee == "llm"
    assert found.arg_index == 3
    assert found.keyword is None
    assert found.used_keywords == {"max_tokens"}


def test_keyword_being_typed() -> None:
    found = context("def main() = join(xs, sep=$0")
    assert (found.callee, found.arg_index, found.keyword) == ("join", 1, "sep")


def test_dotted_callee_inside_a_list_argument() -> None:
    found = context("def main() = tools.f([1, 2$0")
    assert (found.callee, found.arg_index) == ("tools.f", 0)


@pytest.mark.parametrize(
    "text",
    [
        "def main() = fn(x$0",  # a lambda's parameters, not a call
        "def main() = (1 + $0",  # a parenthesised expression
        "def main() = f(1) + $0",  # after the call closed
        'def main() = "f(1, $0',  # inside a string
        "def main() = 1 # f($0",  # inside a comment
    ],
)
def test_no_call(text: str) -> None:
    assert context(text) is None


def test_parentheses_and_lambdas_inside_a_call_belong_to_it() -> None:
    found = context("def main() = map(fn(x$0")
    assert (found.callee, found.arg_index) == ("map", 0)
    found = context("def main() = f(1, (2 + $0")
    assert (found.callee, found.arg_index) == ("f", 1)


def test_only_the_current_declaration_is_scanned() -> None:
    found = context("def a() = f(1,\n\ndef b() = g($0")
    assert (found.callee, found.arg_index) == ("g", 0)


@pytest.mark.parametrize(
    ("old", "new", "edit"),
    [
        ("abc", "abc", None),
        ("a  b", "a b", Edit(2, 3, "")),
        ("x=1\n", "x = 1\n", Edit(1, 2, " = ")),
        ("", "def main() = 1\n", Edit(0, 0, "def main() = 1\n")),
    ],
)
def test_minimal_edits(old: str, new: str, edit: Edit | None) -> None:
    found = minimal_edits(old, 0, len(old), new)
    assert found == ([] if edit is None else [edit])
    if edit is not None:
        assert old[: edit.start] + edit.new_text + old[edit.end :] == new
