"""Golden programs under tests/data/eval: each ends with `# expect: <printed result>` or
`# error: <part of the rendered error>`, and must give it in both modes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from epic_lang.eval.errors import EpicRuntimeError
from epic_lang.eval.program import load
from epic_lang.eval.values import to_display
from epic_lang.testing.fake import FakeBackend

DATA = Path(__file__).parent.parent / "data" / "eval"
FILES = sorted(DATA.glob("*.epic"))


def expectation(path: Path) -> tuple[str, str]:
    for line in path.read_text(encoding="utf-8").splitlines():
        for kind in ("expect", "error"):
            if line.startswith(f"# {kind}: "):
                return kind, line[len(kind) + 4 :]
    raise AssertionError(f"{path} has no # expect: or # error: line")


@pytest.mark.parametrize("mode", ["opportunistic", "sequential"])
@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_golden(path: Path, mode: str) -> None:
    kind, expected = expectation(path)
    program = load(path)
    if kind == "expect":
        result = program.run("main", mode=mode, backend=FakeBackend())
        assert to_display(result.epic_value) == expected
    else:
        with pytest.raises(EpicRuntimeError) as info:
            program.run("main", mode=mode, backend=FakeBackend())
        position = re.match(r"(\d+:\d+): (.*)", expected)
        if position:
            expected = f"{path.name}:{position[1]}: error: {position[2]}"
        assert expected in info.value.render()
