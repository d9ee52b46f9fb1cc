"""Errors and trace records point at the user's code, with the same EPIC stack in both modes,
also when the failing call is made inside the prelude (issue 11, item 9: an external passed
straight to `map` was reported at the prelude's line in opportunistic mode)."""

from __future__ import annotations

from pathlib import Path

import pytest

from epic_lang.eval.errors import EpicRuntimeError
from epic_lang.eval.program import load

TOOL = """
def calculate(x):
    if x == 3:
        raise ValueError("bad item 3")
    return x * 2
"""

PROGRAM = """import python "./shop.py" as shop

def main() =
    let totals = map(shop.calculate, [1, 2, 3, 4])
    sum(totals)
"""


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    (tmp_path / "shop.py").write_text(TOOL, encoding="utf-8")
    program = tmp_path / "shop.epic"
    program.write_text(PROGRAM, encoding="utf-8")
    return program


def test_an_external_failing_inside_map_is_reported_at_the_users_line(shop: Path) -> None:
    rendered = []
    for mode in ("opportunistic", "sequential"):
        with pytest.raises(EpicRuntimeError) as info:
            load(shop).run("main", mode=mode)
        text = info.value.render()
        assert text.splitlines()[0] == (
            f"{shop}:4:5: error: external call `shop.calculate` failed: ValueError: bad item 3"
        )
        assert f"  in main at {shop}:4:5" in text
        assert "prelude.epic" not in text
        rendered.append(text)
    assert rendered[0] == rendered[1]


def test_trace_records_of_calls_made_in_the_prelude_name_the_users_line(tmp_path: Path) -> None:
    (tmp_path / "shop.py").write_text("def calculate(x):\n    return x * 2\n", "utf-8")
    program = tmp_path / "shop.epic"
    program.write_text(PROGRAM, encoding="utf-8")
    for mode in ("opportunistic", "sequential"):
        result = load(program).run("main", mode=mode)
        assert result.value == 20
        assert {(c.path, c.line) for c in result.trace.calls} == {(str(program), 4)}


def test_errors_inside_prelude_functions_point_at_the_call_in_user_code() -> None:
    from epic_lang.eval.program import load_source

    for mode in ("opportunistic", "sequential"):
        with pytest.raises(EpicRuntimeError) as info:
            load_source("def main() =\n    let m = max_by(len, [])\n    m\n", "u.epic").run(
                "main", mode=mode
            )
        assert info.value.render().startswith("u.epic:2:5: error: index 0 out of range")
