"""The built-ins of issue 11 (control built-ins, the pure ones and the prelude's `min`,
`max`, `sorted`) reach hover, completion, signature help and `epic check` through the one
table, with nothing written for them in the editor features."""

from __future__ import annotations

import pytest

from epic_lang.analysis.builtins import CONTROL_BUILTINS, builtins_table
from epic_lang.analysis.command import check_source
from epic_lang.ide.completion import complete
from epic_lang.ide.document import Analysis
from epic_lang.ide.hover import hover
from epic_lang.ide.signatures import signature_help

NEW = (
    "_try", "first", "after", "print", "log", "fail", "abs", "round", "unique", "union",
    "intersection", "difference", "counter", "most_common", "regex_groups",
    "regex_find_groups", "min", "max", "sorted",
)  # fmt: skip


def at(text: str) -> tuple[Analysis, int]:
    offset = text.index("$0")
    return Analysis(text.replace("$0", "", 1)), offset


@pytest.mark.parametrize("name", NEW)
def test_hover_completion_and_signature_help_know_the_new_built_ins(name: str) -> None:
    info = builtins_table()[name]
    analysis, offset = at(f"def main() = {name[0]}$0{name[1:]}(")
    found = hover(analysis, offset)
    assert found is not None and info.signature in found.markdown
    analysis, offset = at(f"def main() = {name}($0")
    helped = signature_help(analysis, offset)
    assert helped is not None and helped.signature.label == info.signature
    analysis, offset = at("def main() = $0")
    assert name in {item.label for item in complete(analysis, offset)}


def test_try_is_marked_as_the_target_of_the_syntax_and_control_built_ins_say_so() -> None:
    assert "`try body catch err => handler`" in builtins_table()["_try"].doc
    analysis, offset = at("def main() = fir$0st([fn() => 1])")
    found = hover(analysis, offset)
    assert found is not None and "control built-in" in found.markdown
    assert {info.kind for info in CONTROL_BUILTINS} == {"control"}


def test_epic_check_knows_the_arity_of_the_new_built_ins() -> None:
    source = "def main() = [_try(fn() => 1), round(1.5, 2, 3), first([fn() => 1])]\n"
    messages = [d.message for d in check_source(source, "c.epic")]
    assert any("_try" in m for m in messages)
    assert any("round" in m for m in messages)
    assert not any("first" in m for m in messages)
