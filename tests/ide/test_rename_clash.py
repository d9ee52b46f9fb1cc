"""A rename that would change what a name means is refused with the reason; others go on."""

from __future__ import annotations

import pytest

from epic_lang.ide.document import Analysis
from epic_lang.ide.navigation import RenameError, rename

TEXT = "def f(x) = x + 1\n\ndef g(y) =\n    let z = 2\n    f(y) + len([z])\n"


@pytest.mark.parametrize(
    ("offset", "new_name", "reason"),
    [
        (4, "g", "`g` is already defined at line 3 of q.epic."),
        (4, "z", "hidden by the local name `z` bound at line 4 of q.epic"),
        (4, "y", "hidden by the parameter `y` bound at line 3 of q.epic"),
        (4, "len", "`len` is used at line 5 of q.epic to mean the built-in `len`"),
        (TEXT.index("z ="), "y", "to mean the `y` bound at line 3"),
    ],
)
def test_clashes_are_refused(offset: int, new_name: str, reason: str) -> None:
    with pytest.raises(RenameError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        rename(Analysis(TEXT, "/tmp/q.epic"), offset, new_name)


def test_a_free_name_is_renamed() -> None:
    spans = rename(Analysis(TEXT, "/tmp/q.epic"), 4, "h")
    assert [s.line for s in spans] == [1, 5]
    assert len(rename(Analysis(TEXT, "/tmp/q.epic"), TEXT.index("z ="), "w")) == 2
