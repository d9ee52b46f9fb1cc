"""The README's Python example is what a reader copies first: it must run as shown, print what
its comments say, and be laid out as `ruff format` lays out the project's own code."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text("utf-8"), re.S)
IDS = [f"block {i + 1}" for i in range(len(BLOCKS))]


def test_the_readme_has_a_python_example() -> None:
    assert BLOCKS


@pytest.mark.parametrize("block", BLOCKS, ids=IDS)
def test_the_python_example_runs_and_prints_what_it_says(block: str) -> None:
    run = subprocess.run(
        [sys.executable, "-c", block], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    # Each `print(...)  # value` line's comment is the value it prints, when it is one.
    promised = re.findall(r"^print\(.*\)\s+# (\[.*\]|\{.*\}|'.*'|\d+)$", block, re.M)
    assert promised
    for value in promised:
        assert value in run.stdout.splitlines(), run.stdout


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is in the dev extra")
@pytest.mark.parametrize("block", BLOCKS, ids=IDS)
def test_the_python_example_is_formatted(block: str) -> None:
    formatted = subprocess.run(
        ["ruff", "format", "-"], input=block, capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert formatted == block
