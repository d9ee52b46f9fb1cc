"""End to end: diagnostics, hover, code lenses and formatting through the real server."""

from __future__ import annotations

import asyncio

import pytest
from lsp_harness import HELPERS, Editor, apply_edits, position_of
from lsprotocol import types


async def test_clean_file_has_no_diagnostics(editor: Editor, sample: str) -> None:
    editor.write("helpers.epic", HELPERS)
    assert await editor.open("sample.epic", sample) == []


async def test_every_syntax_error_is_reported_with_its_range(editor: Editor) -> None:
    text = "def a() = (1 +\n\ndef b() = 2\n\ndef c() = ]\n\ndef main() = b()\n"
    found = await editor.open("broken.epic", text)
    syntax = [d for d in found if str(d.code).startswith("syntax")]
    assert len(syntax) >= 2
    assert all(d.severity == types.DiagnosticSeverity.Error for d in syntax)
    assert all(d.source == "epic" for d in found)
    lines = {d.range.start.line for d in syntax}
    assert 4 in lines  # the stray `]` of `def c`


async def test_static_checks_with_utf16_columns(editor: Editor) -> None:
    text = 'def main() = "😀😀" + nope\n'
    (diag,) = await editor.open("emoji.epic", text)
    # Each emoji is two UTF-16 code units: `nope` starts at character 22, not 20.
    assert diag.range.start == types.Position(0, 22)
    assert diag.range.end == types.Position(0, 26)
    assert diag.code == "unknown-name"
    assert diag.severity == types.DiagnosticSeverity.Error


async def test_incremental_changes_are_checked_with_their_version(editor: Editor) -> None:
    uri = editor.uri("edit.epic")
    await editor.open("edit.epic", "def main() = 1\n")
    # Replace `1` by `oops` with a ranged change.
    version = editor.change(
        "edit.epic", "oops", types.Range(types.Position(0, 13), types.Position(0, 14))
    )
    (diag,) = await editor.diagnostics(uri, version)
    assert diag.code == "unknown-name"
    assert diag.range.start == types.Position(0, 13)
    version = editor.change(
        "edit.epic", "2", types.Range(types.Position(0, 13), types.Position(0, 17))
    )
    assert await editor.diagnostics(uri, version) == []


async def test_hover_on_user_def_shows_signature_and_doc(editor: Editor, sample: str) -> None:
    editor.write("helpers.epic", HELPERS)
    await editor.open("sample.epic", sample)
    found = await editor.hover("sample.epic", *_at(sample, "greet(w"))
    assert found is not None
    value = found.contents.value
    assert 'def greet(name, punctuation="!")' in value
    assert "Greets someone by name." in value


async def test_hover_on_builtin_uses_the_builtins_table(editor: Editor, sample: str) -> None:
    from epic_lang.analysis.builtins import BUILTINS

    editor.write("helpers.epic", HELPERS)
    await editor.open("sample.epic", sample)
    found = await editor.hover("sample.epic", *_at(sample, "map("))
    assert found is not None
    assert BUILTINS["map"].signature in found.contents.value
    assert BUILTINS["map"].doc.splitlines()[0] in found.contents.value
    upper = await editor.hover("sample.epic", *_at(sample, "upper(greeting"))
    assert BUILTINS["upper"].doc in upper.contents.value


async def test_hover_on_local_name_says_where_it_is_bound(editor: Editor, sample: str) -> None:
    editor.write("helpers.epic", HELPERS)
    await editor.open("sample.epic", sample)
    found = await editor.hover("sample.epic", *_at(sample, "greeting)"))
    assert "(local value) greeting" in found.contents.value
    assert "line 9" in found.contents.value
    assert found.range.start == position_of(sample, "greeting)")


async def test_hover_on_imported_epic_member(editor: Editor, sample: str) -> None:
    editor.write("helpers.epic", HELPERS)
    await editor.open("sample.epic", sample)
    found = await editor.hover("sample.epic", *_at(sample, "shout("))
    assert "def shout(text)" in found.contents.value
    assert "Makes text loud." in found.contents.value


PY_TOOLS = '''
import pathlib

pathlib.Path(__file__).with_name("imported.flag").write_text("imported")


def slow_square(x: int, delay: float = 0.5) -> int:
    """Squares x after a pause."""
    return x * x
'''

PY_PROGRAM = 'import python "./tools.py" as tools\n\ndef main() = tools.slow_square(3)\n'


async def test_python_member_hover_only_when_trusted(editor: Editor) -> None:
    editor.write("tools.py", PY_TOOLS)
    await editor.open("py.epic", PY_PROGRAM)
    where = _at(PY_PROGRAM, "slow_square")
    untrusted = await editor.hover("py.epic", *where)
    assert "not trusted" in untrusted.contents.value
    assert not (editor.folder / "imported.flag").exists()

    editor.configure(trustedPython=True, llm={})
    # The server asks for the new settings in the background; hover until it has them.
    for _ in range(100):
        trusted = await editor.hover("py.epic", *where)
        if "not trusted" not in trusted.contents.value:
            break
        await asyncio.sleep(0.05)
    assert "slow_square(x: int, delay: float = 0.5) -> int" in trusted.contents.value
    assert "Squares x after a pause." in trusted.contents.value
    assert (editor.folder / "imported.flag").exists()


async def test_code_lenses_above_every_def(editor: Editor, sample: str) -> None:
    editor.write("helpers.epic", HELPERS)
    await editor.open("sample.epic", sample)
    lenses = await editor.client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(editor.uri("sample.epic")))
    )
    by_line: dict[int, list[types.CodeLens]] = {}
    for lens in lenses:
        by_line.setdefault(lens.range.start.line, []).append(lens)
    defs = [i for i, line in enumerate(sample.splitlines()) if line.startswith("def ")]
    assert sorted(by_line) == defs
    main = by_line[11]
    assert [lens.command.title for lens in main] == ["▶ Run", "▶ Run sequentially", "⏱ Trace"]
    assert [lens.command.command for lens in main] == [
        "epic.run",
        "epic.runSequential",
        "epic.trace",
    ]
    assert list(main[0].command.arguments) == [{"uri": editor.uri("sample.epic"), "entry": "main"}]
    # A def with parameters names them, for the editor to ask for their values.
    with_params = [ls[0] for line, ls in by_line.items() if line != 11]
    assert with_params and all(dict(ls.command.arguments[0]).get("params") for ls in with_params)


async def test_formatting_returns_the_formatters_text(editor: Editor) -> None:
    text = "def   main( )=[1,2 ,3]\n"
    await editor.open("fmt.epic", text)
    edits = await editor.client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(editor.uri("fmt.epic")),
            options=types.FormattingOptions(tab_size=4, insert_spaces=True),
        )
    )
    from epic_lang.format.formatter import format_source

    assert edits
    assert apply_edits(text, edits) == format_source(text)


async def test_no_formatting_edit_when_there_are_syntax_errors(editor: Editor) -> None:
    text = "def   main( )=[1,2 ,3\n"
    await editor.open("fmt.epic", text)

    async def format_it() -> list[types.TextEdit]:
        return list(
            await editor.client.text_document_formatting_async(
                types.DocumentFormattingParams(
                    text_document=types.TextDocumentIdentifier(editor.uri("fmt.epic")),
                    options=types.FormattingOptions(tab_size=4, insert_spaces=True),
                )
            )
        )

    def told() -> list[str]:
        return [m.message for m in editor.client.messages if "not formatted" in m.message]

    assert await format_it() == []
    assert await format_it() == []  # format on save again: said once per version
    assert told() == [
        "EPIC: the file has syntax errors; it was not formatted "
        "(line 1: expected `]` to close the `[` at 1:15)"
    ]
    editor.change("fmt.epic", text + "\n")
    assert await format_it() == []
    assert len(told()) == 2


async def test_range_formatting_touches_only_the_selected_declaration(editor: Editor) -> None:
    text = "def a()=1+2\n\ndef   b( )=[1,2]\n"
    await editor.open("range.epic", text)
    edits = await editor.client.text_document_range_formatting_async(
        types.DocumentRangeFormattingParams(
            text_document=types.TextDocumentIdentifier(editor.uri("range.epic")),
            range=types.Range(types.Position(2, 0), types.Position(2, 5)),
            options=types.FormattingOptions(tab_size=4, insert_spaces=True),
        )
    )
    result = apply_edits(text, edits)
    assert result.startswith("def a()=1+2\n")
    assert "def b() = [1, 2]" in result


async def test_a_failing_request_does_not_stop_the_server(editor: Editor, sample: str) -> None:
    editor.write("helpers.epic", HELPERS)
    await editor.open("sample.epic", sample)
    with pytest.raises(Exception, match="failed"):
        # A document that was never opened and does not exist on disk.
        await editor.hover("missing/nowhere.epic", 0, 0)
    found = await editor.hover("sample.epic", *_at(sample, "double(21"))
    assert "Doubles a number." in found.contents.value


def _at(text: str, needle: str) -> tuple[int, int]:
    position = position_of(text, needle, delta=1)
    return position.line, position.character


async def test_closing_a_document_clears_its_diagnostics(editor: Editor) -> None:
    uri = editor.uri("closed.epic")
    assert await editor.open("closed.epic", "def main() = nope\n")
    editor.client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri))
    )
    cleared = await editor.wait_for(
        lambda: next(
            (p for p in editor.client.published[1:] if p.uri == uri and not p.diagnostics), None
        )
    )
    assert cleared.version is None


async def test_the_new_forms_through_the_server(editor: Editor) -> None:
    """`try`, destructuring, record update, the pipe's `_` and a block inside brackets
    (docs/language.md §3, §5): checked, hovered and formatted by the real server."""
    text = (
        "def main(pair, r) =\n"
        "    let (a, b) = pair\n"
        "    let safe = try llm(a) catch err => err.message\n"
        "    let more = map(fn(x) =>\n"
        "        let y = x + b\n"
        "        y, [1, 2])\n"
        "    ({...r, safe: safe}, more |> map(str, _), [1] |> map(str))\n"
    )
    found = await editor.open("forms.epic", text)
    assert [(d.code, d.range.start.line) for d in found] == [("arity", 6)]
    assert "mark its place with `_`" in found[0].message
    caught = await editor.hover("forms.epic", *_at(text, "err.message"))
    assert caught is not None and "(caught error) err" in caught.contents.value
    fixed = text.replace("[1] |> map(str)", "[1] |> map(str, _)")
    version = editor.change("forms.epic", fixed)
    assert await editor.diagnostics(editor.uri("forms.epic"), version) == []
    edits = await editor.client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(editor.uri("forms.epic")),
            options=types.FormattingOptions(tab_size=4, insert_spaces=True),
        )
    )
    from epic_lang.format.formatter import format_source

    assert apply_edits(fixed, edits) == format_source(fixed)
    assert "        fn(x) =>\n            let y = x + b\n" in format_source(fixed)
