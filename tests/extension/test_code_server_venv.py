"""End to end in a real VS Code: the extension's offer of a virtual environment when the
interpreter named in `epic.python.path` lacks epic-lang and refuses pip (PEP 668's externally
managed Python, as Debian's /usr/bin/python3), clicked through in code-server
(vscode-extension/scripts/e2e-venv.mjs). epic-lang is not on the package index, so pip gets a
wheel of this checkout through PIP_FIND_LINKS in code-server's environment, which the
extension's `pip install` inherits; its dependencies come from the package index. Runs only when
`EPIC_CODE_SERVER` names a code-server binary, as test_code_server_e2e.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "vscode-extension"
CODE_SERVER = os.environ.get("EPIC_CODE_SERVER")
SYSTEM_PYTHON = "/usr/bin/python3"

# The extension's own test (interpreter.ts, EXTERNALLY_MANAGED_PROBE), outside a venv.
MANAGED_PROBE = (
    "import os, sys, sysconfig; print(sys.prefix == sys.base_prefix and "
    "os.path.exists(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')))"
)


def _system_python_problem() -> str | None:
    """Why /usr/bin/python3 cannot play the externally managed interpreter, or None."""
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"{SYSTEM_PYTHON} does not exist"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}

    def run(code: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SYSTEM_PYTHON, "-P", "-c", code], capture_output=True, text=True, env=env, timeout=60
        )

    # Debian's python3 has `venv` without `ensurepip` until python3-venv is installed, and
    # `python3 -m venv` fails without it.
    if run("import venv, ensurepip").returncode != 0:
        return f"{SYSTEM_PYTHON} lacks the venv module (python3-venv)"
    if run(MANAGED_PROBE).stdout.strip() != "True":
        return f"{SYSTEM_PYTHON} is not externally managed (no EXTERNALLY-MANAGED marker)"
    if run("import epic_lang").returncode == 0:
        return f"{SYSTEM_PYTHON} already has epic_lang"
    return None


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CODE_SERVER, reason="set EPIC_CODE_SERVER to a code-server binary"),
    pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed"),
    pytest.mark.skipif(not (EXTENSION / "node_modules").is_dir(), reason="npm ci not run"),
]


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of epic-lang built from a copy of the checkout, so that the build leaves no
    build/ or egg-info in the checkout (another test run may be using it)."""
    problem = _system_python_problem()
    if problem:
        pytest.skip(problem)
    tmp_path = tmp_path_factory.mktemp("wheel")
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("epic_lang", "lsp_server"):
        shutil.copytree(ROOT / package, source / package, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels), str(source)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    assert list(wheels.glob("epic_lang-*.whl")), "pip wheel made no epic_lang wheel"
    return wheels


# "workspace": the interpreter is named in the workspace's .vscode/settings.json, where the
# venv's python must go too (a User value would be overridden, and the error come back).
@pytest.mark.parametrize("scope", ["user", "workspace"])
def test_virtual_environment_offer_in_code_server(
    wheels: Path, packaged_vsix: Path, scope: str, tmp_path: Path
) -> None:
    # PIP_FIND_LINKS takes several locations separated by spaces; the ones already configured
    # (a local wheel cache, say) are kept after the checkout's wheel.
    find_links = " ".join(filter(None, [str(wheels), os.environ.get("PIP_FIND_LINKS")]))
    done = subprocess.run(
        [
            "node",
            "scripts/e2e-venv.mjs",
            "--code-server",
            str(CODE_SERVER),
            "--vsix",
            str(packaged_vsix),
            "--python",
            SYSTEM_PYTHON,
            "--scope",
            scope,
            "--out",
            str(tmp_path / "screens"),
        ],
        cwd=EXTENSION,
        env={**os.environ, "PIP_FIND_LINKS": find_links},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.stdout.strip(), done.stderr
    report = json.loads(done.stdout)
    failed = [name for name, ok in report["checks"].items() if not ok]
    assert not failed, json.dumps(report, indent=2)
    assert set(report["checks"]) == {
        "error offers a virtual environment",
        "no pip install button",
        "epic.python.path names the venv's python",
        "venv made from the configured interpreter",
        "epic-lang installed in the venv",
        "server runs from the venv",
        "diagnostics from the venv's server",
    }
