"""The whole workspace through the real server: references and rename reach every `.epic`
file that imports the module (open or not), workspace symbols list every file's
declarations, a refused rename says why (and logs no traceback), and a saved change reaches
the diagnostics of closed importers."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from lsp_harness import SERVER_ENV, Editor, RawClient, apply_edits, position_of
from lsprotocol import types

LIB = '## Makes text loud.\ndef shout(text) = upper(text) + "!"\n\ndef whisper(t) = lower(t)\n'
APP = 'import "./lib.epic" as lib\n\ndef main() = lib.shout("hi") + lib.shout("yo")\n'
OTHER = 'import "./sub/lib.epic" as lib\n\ndef main() = lib.shout("no")\n'
SUB_LIB = "def shout(x) = x\n"


def setup(editor: Editor) -> None:
    editor.write("lib.epic", LIB)
    editor.write("app.epic", APP)
    (editor.folder / "sub").mkdir()
    editor.write("sub/lib.epic", SUB_LIB)
    editor.write("other.epic", OTHER)


def text_document(editor: Editor, name: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(editor.uri(name))


async def test_references_and_rename_reach_closed_importers(editor: Editor) -> None:
    setup(editor)
    await editor.open("lib.epic", LIB)
    at = position_of(LIB, "shout", delta=1)
    found = await editor.client.text_document_references_async(
        types.ReferenceParams(
            context=types.ReferenceContext(include_declaration=True),
            text_document=text_document(editor, "lib.epic"),
            position=at,
        )
    )
    places = sorted((loc.uri, loc.range.start.line, loc.range.start.character) for loc in found)
    assert places == sorted(
        [
            (editor.uri("lib.epic"), 1, 4),
            (editor.uri("app.epic"), 2, 17),
            (editor.uri("app.epic"), 2, 35),
        ]
    )
    edit = await editor.client.text_document_rename_async(
        types.RenameParams(text_document(editor, "lib.epic"), at, "yell")
    )
    assert edit is not None and edit.changes is not None
    assert set(edit.changes) == {editor.uri("lib.epic"), editor.uri("app.epic")}
    assert apply_edits(LIB, edit.changes[editor.uri("lib.epic")]) == LIB.replace("shout", "yell")
    assert apply_edits(APP, edit.changes[editor.uri("app.epic")]) == APP.replace("shout", "yell")
    # One server for the rest (nothing was applied: the files are as they were).
    await clashing_renames_are_refused_with_the_reason(editor)
    await rename_from_a_qualified_use(editor)
    await workspace_symbols(editor)


async def rename_from_a_qualified_use(editor: Editor) -> None:
    await editor.open("app.epic", APP)
    at = position_of(APP, "shout", nth=1, delta=2)
    prepared = await editor.client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document(editor, "app.epic"), at)
    )
    assert isinstance(prepared, types.Range) and prepared.start == types.Position(2, 35)
    edit = await editor.client.text_document_rename_async(
        types.RenameParams(text_document(editor, "app.epic"), at, "yell")
    )
    assert edit is not None and edit.changes is not None
    assert apply_edits(LIB, edit.changes[editor.uri("lib.epic")]) == LIB.replace("shout", "yell")
    assert apply_edits(APP, edit.changes[editor.uri("app.epic")]) == APP.replace("shout", "yell")


async def clashing_renames_are_refused_with_the_reason(editor: Editor) -> None:
    at = position_of(LIB, "shout", delta=1)
    with pytest.raises(Exception, match=r"`whisper` is already defined at line 4 of lib.epic"):
        await editor.client.text_document_rename_async(
            types.RenameParams(text_document(editor, "lib.epic"), at, "whisper")
        )
    with pytest.raises(Exception, match=r"built-in `upper`"):
        await editor.client.text_document_rename_async(
            types.RenameParams(text_document(editor, "lib.epic"), at, "upper")
        )
    local = "def f(text) =\n    let n = 1\n    len(text) + n\n"
    await editor.open("local.epic", local)
    with pytest.raises(Exception, match=r"built-in `len`"):
        await editor.client.text_document_rename_async(
            types.RenameParams(text_document(editor, "local.epic"), position_of(local, "n "), "len")
        )


async def workspace_symbols(editor: Editor) -> None:
    found = await editor.client.workspace_symbol_async(types.WorkspaceSymbolParams(query="sht"))
    assert found is not None
    places = sorted(
        (s.name, s.location.uri) for s in found if isinstance(s.location, types.Location)
    )
    assert places == [("shout", editor.uri("lib.epic")), ("shout", editor.uri("sub/lib.epic"))]
    everything = await editor.client.workspace_symbol_async(types.WorkspaceSymbolParams(query=""))
    assert {s.name for s in everything or []} >= {"shout", "whisper", "main", "lib"}


async def test_a_saved_change_reaches_closed_importers(editor: Editor) -> None:
    setup(editor)
    await editor.open("lib.epic", LIB)
    renamed = LIB.replace("shout", "yell")
    editor.change("lib.epic", renamed)
    editor.write("lib.epic", renamed)
    before = len(editor.client.published)
    editor.client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document(editor, "lib.epic"))
    )

    def app_diagnostics() -> list[str] | None:
        for params in editor.client.published[before:]:
            if params.uri == editor.uri("app.epic"):
                return [d.message for d in params.diagnostics]
        return None

    messages = await editor.wait_for(app_diagnostics)
    assert messages == ["`lib` has no member `shout`"] * 2
    assert not any(p.uri == editor.uri("other.epic") for p in editor.client.published[before:])


async def test_a_refused_rename_logs_no_traceback(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "lsp_server",
        "--log-level",
        "INFO",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=SERVER_ENV,
    )
    try:
        client = RawClient(process)
        await client.request(
            0,
            "initialize",
            params={"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}},
        )
        client.send({"method": "initialized", "params": {}})
        uri = (tmp_path / "lib.epic").as_uri()
        document = {"uri": uri, "languageId": "epic", "version": 1, "text": LIB}
        client.send({"method": "textDocument/didOpen", "params": {"textDocument": document}})
        at = {"textDocument": {"uri": uri}, "position": {"line": 1, "character": 5}}
        answer = await client.request(1, "textDocument/rename", params={**at, "newName": "whisper"})
        assert answer["error"]["code"] == -32803  # RequestFailed: a reason for the user
        assert "already defined" in answer["error"]["message"]
        answer = await client.request(2, "textDocument/rename", params={**at, "newName": "upper"})
        assert "built-in `upper`" in answer["error"]["message"]
        await client.request(3, "shutdown")
        client.send({"method": "exit"})
        assert process.stderr is not None
        log = (await asyncio.wait_for(process.stderr.read(), 30)).decode()
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
    assert "declined request" in log
    assert "Traceback" not in log
