"""A second, independent client: headless Neovim 0.7 runs the snippet of lsp_server/README.md
as written, attaches the server to an `.epic` file, and reads back its diagnostics, a hover,
and the result of a ▶ Run lens."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = ROOT / "tests" / "data" / "lsp" / "nvim" / "probe.lua"
README = ROOT / "lsp_server" / "README.md"
PROGRAM = """\
## Adds one.
def inc(n) = n + 1

def main() = inc(41)

def unused() =
    let spare = inc(1)
    2
"""


def readme_snippet() -> str:
    """The ```lua block of the README's Neovim section, verbatim."""
    section = README.read_text(encoding="utf-8").split("## Neovim", 1)[1]
    return section.split("```lua\n", 1)[1].split("```", 1)[0]


def epic_on_path(folder: Path) -> str:
    """A `PATH` whose `epic` is this checkout's (the snippet runs `epic lsp`)."""
    folder.mkdir()
    shim = folder / "epic"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m epic_lang "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.mark.skipif(shutil.which("nvim") is None, reason="Neovim is not installed")
def test_neovim_runs_the_readme_snippet(tmp_path: Path) -> None:
    source = tmp_path / "prog.epic"
    source.write_text(PROGRAM, encoding="utf-8")
    config = tmp_path / "init.lua"
    config.write_text(readme_snippet() + "\n" + PROBE.read_text(encoding="utf-8"), "utf-8")
    out = tmp_path / "out.json"
    env = {
        **os.environ,
        "PATH": epic_on_path(tmp_path / "bin"),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "EPIC_NVIM_OUT": str(out),
        "EPIC_NVIM_HOVER_LINE": "3",
        "EPIC_NVIM_HOVER_CHAR": "14",
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    subprocess.run(
        ["nvim", "--headless", "-n", "-i", "NONE", "-u", str(config), str(source)],
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=True,
        capture_output=True,
    )
    result = json.loads(out.read_text(encoding="utf-8"))
    assert "error" not in result, result
    (diag,) = result["diagnostics"]
    assert (diag["lnum"], diag["col"], diag["code"]) == (6, 8, "unused-let")
    assert diag["severity"] == 2  # vim.diagnostic.severity.WARN
    assert "def inc(n)" in result["hover"] and "Adds one." in result["hover"]
    (message,) = result["messages"]
    assert message.startswith("EPIC: main() = 42 ("), message
