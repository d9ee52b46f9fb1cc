"""A second, independent client: headless Neovim 0.7 attaches the server to an `.epic` file
and reads back its diagnostics and a hover."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CONFIG = Path(__file__).parent.parent / "data" / "lsp" / "nvim" / "init.lua"
PROGRAM = """\
## Adds one.
def inc(n) = n + 1

def main() = inc(missing)
"""


@pytest.mark.skipif(shutil.which("nvim") is None, reason="Neovim is not installed")
def test_neovim_sees_diagnostics_and_hover(tmp_path: Path) -> None:
    source = tmp_path / "prog.epic"
    source.write_text(PROGRAM, encoding="utf-8")
    out = tmp_path / "out.json"
    env = {
        **os.environ,
        "EPIC_PYTHON": sys.executable,
        "EPIC_NVIM_OUT": str(out),
        "EPIC_NVIM_HOVER_LINE": "3",
        "EPIC_NVIM_HOVER_CHAR": "14",
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    subprocess.run(
        ["nvim", "--headless", "-n", "-i", "NONE", "-u", str(CONFIG), str(source)],
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=True,
        capture_output=True,
    )
    result = json.loads(out.read_text(encoding="utf-8"))
    assert "error" not in result, result
    (diag,) = result["diagnostics"]
    assert (diag["lnum"], diag["col"], diag["code"]) == (3, 17, "unknown-name")
    assert diag["severity"] == 1  # vim.diagnostic.severity.ERROR
    assert "def inc(n)" in result["hover"] and "Adds one." in result["hover"]
