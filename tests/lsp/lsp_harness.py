"""Helpers for driving the real server process with pytest-lsp's client, in the terms of a
person editing files: write, open, change, wait for the diagnostics of a version."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
WAIT = 30.0


def record_diagnostics(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
    client.diagnostics[params.uri] = params.diagnostics
    client.published.append(params)


def record_trace(client: LanguageClient, params: Any) -> None:
    client.traces.append(params)


def record_output(client: LanguageClient, params: Any) -> None:
    client.outputs.append(params)


def record_registration(client: LanguageClient, params: types.RegistrationParams) -> None:
    """Accepts a dynamic registration as editors do (the server asks to watch `.epic` files)."""
    client.registrations.extend(params.registrations)


def make_client() -> LanguageClient:
    """pytest-lsp's test client, also keeping every publishDiagnostics with its version,
    every `epic/trace` and `epic/output` notification and every dynamic
    registration."""
    client = LanguageClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    features[PUBLISH] = record_diagnostics
    features["epic/trace"] = record_trace
    features["epic/output"] = record_output
    features[types.CLIENT_REGISTER_CAPABILITY] = record_registration
    register_lsp_features(client, features)
    client.published = []
    client.traces = []
    client.outputs = []
    client.registrations = []
    return client


SERVER_ENV = {**os.environ, "EPIC_LSP_DEBOUNCE_MS": "30"}
SERVER_CONFIG = ClientServerConfig(
    server_command=[sys.executable, "-m", "lsp_server"],
    client_factory=make_client,
    server_env=SERVER_ENV,
)
HELPERS = '## Makes text loud.\ndef shout(text) = upper(text) + "!"\n'


class Editor:
    """Helpers over the client, in the terms of a person editing files."""

    def __init__(self, client: LanguageClient, folder: Path) -> None:
        self.client = client
        self.folder = folder
        self.versions: dict[str, int] = {}

    def uri(self, name: str) -> str:
        return (self.folder / name).as_uri()

    def write(self, name: str, text: str) -> str:
        path = self.folder / name
        path.write_text(text, encoding="utf-8")
        return path.as_uri()

    async def open(self, name: str, text: str) -> list[types.Diagnostic]:
        """Writes the file, opens it and returns its first diagnostics."""
        uri = self.write(name, text)
        self.versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=uri, language_id="epic", version=1, text=text)
            )
        )
        return await self.diagnostics(uri, 1)

    def change(self, name: str, text: str, range_: types.Range | None = None) -> int:
        """Sends one didChange (incremental when `range_` is given); returns the version."""
        uri = self.uri(name)
        self.versions[uri] += 1
        version = self.versions[uri]
        change: Any = (
            types.TextDocumentContentChangePartial(range=range_, text=text)
            if range_ is not None
            else types.TextDocumentContentChangeWholeDocument(text=text)
        )
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[change],
            )
        )
        return version

    async def diagnostics(self, uri: str, version: int) -> list[types.Diagnostic]:
        """Waits for the diagnostics published for exactly this version of the document."""
        found = await self.wait_for(
            lambda: next(
                (
                    p
                    for p in reversed(self.client.published)
                    if p.uri == uri and p.version == version
                ),
                None,
            )
        )
        return list(found.diagnostics)

    async def wait_for(self, probe: Any, timeout: float = WAIT) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (value := probe()) is None:
            if loop.time() > deadline:
                raise AssertionError("timed out waiting for the server")
            await asyncio.sleep(0.01)
        return value

    async def hover(self, name: str, line: int, character: int) -> types.Hover | None:
        return await self.client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=self.uri(name)),
                position=types.Position(line, character),
            )
        )

    def configure(self, **epic: Any) -> None:
        """Changes the client's `epic` settings and tells the server, as VS Code does."""
        self.client.set_configuration(epic, section="epic")
        self.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=None)
        )


def position_of(text: str, needle: str, nth: int = 0, delta: int = 0) -> types.Position:
    """The LSP position of the `nth` occurrence of `needle` (plus `delta` characters)."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    index += delta
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1)
    return types.Position(line, column)


def initialize_params(folder: Path, **options: Any) -> types.InitializeParams:
    return types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=folder.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=folder.as_uri(), name="work")],
        initialization_options=options or None,
    )


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Applies LSP edits (ASCII text, so characters are UTF-16 units) back to front."""
    lines = text.split("\n")

    def offset(position: types.Position) -> int:
        return sum(len(line) + 1 for line in lines[: position.line]) + position.character

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


class RawClient:
    """JSON-RPC over the server's stdio, without any LSP library in between."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.replies: dict[Any, dict[str, Any]] = {}

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def reply(self, msg_id: Any) -> dict[str, Any]:
        assert self.process.stdout is not None
        while msg_id not in self.replies:
            length = 0
            while (header := await self.process.stdout.readline()).strip():
                if header.lower().startswith(b"content-length:"):
                    length = int(header.split(b":")[1])
            message = json.loads(await self.process.stdout.readexactly(length))
            if "id" in message and "method" not in message:
                self.replies[message["id"]] = message
        return self.replies.pop(msg_id)

    async def request(self, msg_id: Any, method: str, **rest: Any) -> dict[str, Any]:
        self.send({"id": msg_id, "method": method, **rest})
        return await asyncio.wait_for(self.reply(msg_id), 30)
