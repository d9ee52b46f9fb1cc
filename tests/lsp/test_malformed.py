"""Malformed requests, written as raw JSON-RPC to the real server's stdin: each gets an
InvalidParams error response (a client waiting for it would otherwise wait for ever), and the
server goes on answering."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from lsp_harness import SERVER_ENV, RawClient

INVALID_PARAMS = -32602
TEXT = "def main() = 1\n"


@pytest.fixture
async def raw(tmp_path: Path) -> AsyncIterator[RawClient]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "lsp_server",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env=SERVER_ENV,
    )
    client = RawClient(process)
    await client.request(
        0,
        "initialize",
        params={"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}},
    )
    client.send({"method": "initialized", "params": {}})
    uri = (tmp_path / "a.epic").as_uri()
    document = {"uri": uri, "languageId": "epic", "version": 1, "text": TEXT}
    client.send({"method": "textDocument/didOpen", "params": {"textDocument": document}})
    client.uri = uri  # type: ignore[attr-defined]
    yield client
    process.kill()
    await process.wait()


def at(uri: str, line: Any, character: Any) -> dict[str, Any]:
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}


async def test_each_malformed_request_gets_an_error(raw: RawClient) -> None:
    uri = raw.uri  # type: ignore[attr-defined]
    malformed = [
        ("textDocument/hover", {}),
        ("textDocument/hover", {"params": {"textDocument": 5, "position": "here"}}),
        ("textDocument/hover", {"params": at(uri, -1, 0)}),
        ("textDocument/hover", {"params": at(uri, 2**64, 2**64)}),
        ("textDocument/prepareRename", {"params": at(uri, -1, -1)}),
        ("textDocument/definition", {"params": [1, 2]}),
        ("textDocument/formatting", {"params": {"textDocument": {"uri": 7}}}),
    ]
    for number, (method, rest) in enumerate(malformed, start=1):
        answer = await raw.request(number, method, **rest)
        assert answer["error"]["code"] == INVALID_PARAMS, (method, rest, answer)
    found = await raw.request(99, "textDocument/hover", params=at(uri, 0, 5))
    assert "def main()" in found["result"]["contents"]["value"]


async def test_hostile_file_change_notifications_leave_the_server_answering(
    raw: RawClient, tmp_path: Path
) -> None:
    """`workspace/didChangeWatchedFiles` comes from the client, about any path: URIs that are
    not files, point nowhere, hold a NUL or are not strings, and thousands of them at once, are
    passed over; the open file is still checked and answered."""
    uri = raw.uri  # type: ignore[attr-defined]
    hostile: list[Any] = [
        {"uri": "http://example.invalid/lib.epic", "type": 2},
        {"uri": (tmp_path / "missing.epic").as_uri(), "type": 2},
        {"uri": "file:///tmp/%00nul.epic", "type": 2},
        {"uri": uri, "type": 99},
    ] + [{"uri": (tmp_path / f"f{i}.epic").as_uri(), "type": 3} for i in range(5000)]
    raw.send({"method": "workspace/didChangeWatchedFiles", "params": {"changes": hostile}})
    raw.send({"method": "workspace/didChangeWatchedFiles", "params": {"changes": [{"uri": 5}]}})
    found = await raw.request(1, "textDocument/hover", params=at(uri, 0, 5))
    assert "def main()" in found["result"]["contents"]["value"]
