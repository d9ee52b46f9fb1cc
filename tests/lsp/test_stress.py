"""1,000 rapid incremental edits: the last published diagnostics match the final text, a burst
costs far fewer checks than edits, and the server still answers hover."""

from __future__ import annotations

from lsp_harness import Editor
from lsprotocol import types

from epic_lang.ide.document import Analysis

START = "def main() =\n    let total = 1\n    total\n"
# Typed one character at a time at the end of the file: a thousand characters of new
# definitions, some of them calling names that do not exist.
TYPED = "".join(f"\ndef f{i}(x) = x + {'g' if i % 3 else 'f'}{i}(1)\n" for i in range(60))[:1000]


def end_position(text: str) -> types.Position:
    lines = text.split("\n")
    return types.Position(len(lines) - 1, len(lines[-1]))


async def test_a_thousand_edits(editor: Editor) -> None:
    uri = editor.uri("stress.epic")
    await editor.open("stress.epic", START)
    text = START
    version = 1
    for ch in TYPED:
        at = end_position(text)
        version = editor.change("stress.epic", ch, types.Range(at, at))
        text += ch
    assert version == 1001

    published = await editor.diagnostics(uri, version)
    expected = Analysis(text, str(editor.folder / "stress.epic")).diagnostics
    assert expected, "the typed text is meant to have problems"
    got = [(d.range.start.line, d.range.start.character, d.code, d.message) for d in published]
    assert got == [(d.span.line - 1, d.span.col - 1, d.code, d.message) for d in expected]
    checks = [p for p in editor.client.published if p.uri == uri]
    assert len(checks) < 500, "edits in a burst must share checks"

    found = await editor.hover("stress.epic", 0, 5)
    assert found is not None and "def main()" in found.contents.value
