"""The packaged extension, built once for every test that needs a .vsix (`vsce package` takes
tens of seconds on this machine)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

EXTENSION = Path(__file__).resolve().parents[2] / "vscode-extension"


@pytest.fixture(scope="session")
def packaged_vsix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    vsix = tmp_path_factory.mktemp("vsix") / "epic-lang.vsix"
    subprocess.run(
        ["npx", "vsce", "package", "--no-dependencies", "-o", str(vsix)],
        cwd=EXTENSION,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return vsix
