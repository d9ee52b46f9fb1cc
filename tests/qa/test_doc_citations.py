"""The code cites the language reference in the repository, docs/language.md, by section
number, and every section it cites exists (a design note outside the repository, with other
numbers, is not cited)."""

from __future__ import annotations

import re
from pathlib import Path

import epic_lang

ROOT = Path(epic_lang.__file__).resolve().parent.parent
SOURCES = [
    path
    for folder in ("epic_lang", "lsp_server", "tests", "bench", "scripts", "vscode-extension/src")
    for path in sorted((ROOT / folder).rglob("*"))
    if path.suffix in (".py", ".ts", ".sh", ".lark", ".epic") and "node_modules" not in path.parts
]
CITATION = re.compile(r"docs/language\.md §(\d+)(?:-(\d+))?")


def _sections() -> set[int]:
    reference = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    return {int(n) for n in re.findall(r"^## (\d+)\. ", reference, re.M)}


def test_citations_name_sections_of_the_reference() -> None:
    sections = _sections()
    cited = 0
    for path in SOURCES:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert "LANGUAGE" + ".md" not in text, f"{path.relative_to(ROOT)} cites the design note"
        for match in CITATION.finditer(text):
            first, last = int(match[1]), int(match[2] or match[1])
            missing = set(range(first, last + 1)) - sections
            assert not missing, f"{path.relative_to(ROOT)}: {match[0]} is not in docs/language.md"
            cited += 1
    assert cited >= 10
