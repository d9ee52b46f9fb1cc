"""A client without the VS Code extension: `initializationOptions` asks for lenses that call
the server's own commands, and settings come without `workspace/configuration`."""

from __future__ import annotations

from pathlib import Path

import pytest_lsp
from lsp_harness import SERVER_CONFIG, Editor
from lsprotocol import types
from pytest_lsp import LanguageClient

PROGRAM = "def main() = 6 * 7\n"


@pytest_lsp.fixture(config=SERVER_CONFIG)
async def generic(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=tmp_path.as_uri(),
            initialization_options={"lensCommands": "server", "settings": {"trustedPython": True}},
        )
    )
    yield
    await lsp_client.shutdown_session()


async def test_server_lenses_run_through_execute_command(
    generic: LanguageClient, tmp_path: Path
) -> None:
    editor = Editor(generic, tmp_path)
    await editor.open("g.epic", PROGRAM)
    lenses = await generic.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(editor.uri("g.epic")))
    )
    assert [lens.command.command for lens in lenses] == [
        "epic.server.run",
        "epic.server.runSequential",
        "epic.server.trace",
    ]
    result = await generic.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command=lenses[0].command.command, arguments=list(lenses[0].command.arguments)
        )
    )
    value = result["value"] if isinstance(result, dict) else result.value
    assert value == "42"
    # The client ignores the command's result; the outcome reaches it as messages.
    (shown,) = [m.message for m in generic.messages if m.message.startswith("EPIC:")]
    assert shown.startswith("EPIC: main() = 42 (") and shown.endswith(" s)")
    assert any(m.message == shown for m in generic.log_messages)


async def test_python_trust_from_initialization_options(
    generic: LanguageClient, tmp_path: Path
) -> None:
    editor = Editor(generic, tmp_path)
    editor.write("tool.py", 'def f(x: int) -> int:\n    """Doubles."""\n    return 2 * x\n')
    text = 'import python "./tool.py" as tool\n\ndef main() = tool.f(2)\n'
    await editor.open("p.epic", text)
    found = await editor.hover("p.epic", 2, 19)
    assert "Doubles." in found.contents.value
