"""Across files through the real server: an unsaved buffer of an imported file is what the
importing file's diagnostics and go-to-definition both see, at once and alike."""

from __future__ import annotations

from lsp_harness import Editor, position_of
from lsprotocol import types

LIB = "def greet(name) = name\n"
RENAMED = "## Renamed, not saved.\ndef greeting(name) = name\n"
APP = 'import "./lib.epic" as lib\n\ndef main() = lib.greet("x")\n'


async def latest_diagnostics(editor: Editor, name: str, after: int, wanted: str) -> list[str]:
    """The messages of the first diagnostics of `name` published after the `after`th
    publication whose messages mention `wanted` (or are empty, for `wanted` "")."""
    uri = editor.uri(name)

    def probe() -> list[str] | None:
        for params in editor.client.published[after:]:
            messages = [d.message for d in params.diagnostics]
            if params.uri == uri and (wanted in " ".join(messages) if wanted else not messages):
                return messages
        return None

    found: list[str] = await editor.wait_for(probe)
    return found


async def definitions(editor: Editor, name: str, text: str, needle: str) -> list[tuple]:
    found = await editor.client.text_document_definition_async(
        types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(editor.uri(name)),
            position=position_of(text, needle, delta=1),
        )
    )
    return [(loc.uri, loc.range.start) for loc in found or []]


async def test_an_unsaved_rename_reaches_the_importer(editor: Editor) -> None:
    editor.write("lib.epic", LIB)
    assert await editor.open("app.epic", APP) == []
    assert await editor.open("lib.epic", LIB) == []
    assert await definitions(editor, "app.epic", APP, "greet") == [
        (editor.uri("lib.epic"), types.Position(0, 4))
    ]

    before = len(editor.client.published)
    editor.change("lib.epic", RENAMED)
    messages = await latest_diagnostics(editor, "app.epic", before, "no member `greet`")
    assert messages == ["`lib` has no member `greet`; did you mean `lib.greeting`?"]
    assert await definitions(editor, "app.epic", APP, "greet") == []

    renamed_app = APP.replace("greet", "greeting")
    version = editor.change("app.epic", renamed_app)
    assert await editor.diagnostics(editor.uri("app.epic"), version) == []
    assert await definitions(editor, "app.epic", renamed_app, "greeting") == [
        (editor.uri("lib.epic"), types.Position(1, 4))
    ]

    # Closed without saving: the disk's text counts again, for both features.
    before = len(editor.client.published)
    editor.client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(editor.uri("lib.epic")))
    )
    messages = await latest_diagnostics(editor, "app.epic", before, "no member `greeting`")
    assert messages == ["`lib` has no member `greeting`; did you mean `lib.greet`?"]
    assert await definitions(editor, "app.epic", renamed_app, "greeting") == []


async def test_a_change_on_disk_reaches_the_open_importer(editor: Editor) -> None:
    editor.write("lib.epic", LIB)
    assert await editor.open("app.epic", APP) == []
    registered = await editor.wait_for(lambda: editor.client.registrations or None)
    watchers = [r.register_options["watchers"] for r in registered]
    assert watchers == [[{"globPattern": "**/*.epic"}]]
    before = len(editor.client.published)
    editor.write("lib.epic", RENAMED)  # saved by another program, or a checkout
    editor.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            [types.FileEvent(editor.uri("lib.epic"), types.FileChangeType.Changed)]
        )
    )
    messages = await latest_diagnostics(editor, "app.epic", before, "no member `greet`")
    assert messages == ["`lib` has no member `greet`; did you mean `lib.greeting`?"]
