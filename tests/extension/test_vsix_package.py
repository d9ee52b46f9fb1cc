"""`npm run package` builds a .vsix holding the grammar, the bundled client and the shared
timeline template, and no node_modules (the client is bundled by esbuild)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "vscode-extension"

pytestmark = pytest.mark.skipif(
    shutil.which("npx") is None or not (EXTENSION / "node_modules").is_dir(),
    reason="node and the extension's npm packages (npm ci) are needed",
)


@pytest.fixture(scope="module")
def vsix(packaged_vsix: Path) -> zipfile.ZipFile:
    return zipfile.ZipFile(packaged_vsix)


def test_vsix_contents(vsix: zipfile.ZipFile) -> None:
    names = set(vsix.namelist())
    for needed in (
        "package.json",
        "dist/extension.js",
        "dist/timeline.html",
        "syntaxes/epic.tmLanguage.json",
        "language-configuration.json",
        "images/icon.png",
        "images/epic-file.svg",
        "readme.md",
        "changelog.md",
        "LICENSE.txt",
    ):
        assert f"extension/{needed}" in names, needed
    assert not [n for n in names if "node_modules" in n]
    assert not [n for n in names if n.startswith("extension/src/") or n.endswith(".map")]


def test_vsix_ships_the_same_timeline_as_the_cli(vsix: zipfile.ZipFile) -> None:
    shipped = vsix.read("extension/dist/timeline.html").decode("utf-8")
    assert shipped == (ROOT / "epic_lang" / "eval" / "timeline.html").read_text("utf-8")


def test_vsix_manifest(vsix: zipfile.ZipFile) -> None:
    manifest = json.loads(vsix.read("extension/package.json"))
    assert manifest["main"] == "./dist/extension.js"
    assert manifest["contributes"]["grammars"][0]["scopeName"] == "source.epic"
    bundle = vsix.read("extension/dist/extension.js").decode("utf-8")
    assert 'require("vscode")' in bundle, "vscode stays external; the rest is bundled"
