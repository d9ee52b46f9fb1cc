"""`epic --version` prints the version declared in pyproject.toml, installed or not."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import epic_lang
from epic_lang.version import checkout_version

ROOT = Path(epic_lang.__file__).resolve().parent.parent
DECLARED = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
    "version"
]


def _epic_version(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_version_of_the_installed_package() -> None:
    done = _epic_version(ROOT, "-m", "epic_lang", "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"epic {DECLARED}\n"


def test_version_of_a_checkout_without_metadata(tmp_path: Path) -> None:
    # A bare copy of the checkout (the repository root holds an egg-info from the editable
    # install), run with -S so that site-packages and the installed metadata stay out.
    shutil.copytree(
        ROOT / "epic_lang", tmp_path / "epic_lang", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    probe = _epic_version(
        tmp_path, "-S", "-c", "import importlib.metadata as m; m.version('epic-lang')"
    )
    assert probe.returncode != 0, "the metadata was found even without site-packages"
    done = _epic_version(tmp_path, "-S", "-m", "epic_lang", "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"epic {DECLARED}\n"


def test_version_without_a_pyproject(tmp_path: Path) -> None:
    assert checkout_version(tmp_path / "pyproject.toml") == "unknown"
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    assert checkout_version(tmp_path / "pyproject.toml") == "unknown"
