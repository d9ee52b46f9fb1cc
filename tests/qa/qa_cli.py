"""Helpers for the QA tests: running `epic` as a user does, in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EPIC = [sys.executable, "-m", "epic_lang.cli"]


def epic(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Runs `epic ARGS` in `cwd` and returns its exit code and output."""
    return subprocess.run([*EPIC, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def assert_clean_error(result: subprocess.CompletedProcess[str], where: str, words: str) -> None:
    """The run failed with a message naming `where` (file:line:col) and containing `words`,
    and without a Python traceback."""
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr, result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"{where}: error: "), first
    assert words in first, first
