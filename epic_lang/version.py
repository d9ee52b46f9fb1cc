"""The version of EPIC, for `epic --version`.

The installed package's metadata is the answer; a checkout run without installing (for example
`python -m epic_lang` from the repository) has no metadata, so the version is read from the
`pyproject.toml` beside the package, which is where the metadata comes from in the first place.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "epic-lang"
_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return checkout_version(_PYPROJECT)


def checkout_version(pyproject: Path) -> str:
    """The `[project] version` of `pyproject`, or "unknown" when there is no such file (a
    copy of the package without its metadata or its repository)."""
    try:
        with pyproject.open("rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    except (OSError, tomllib.TOMLDecodeError, KeyError):
        return "unknown"
