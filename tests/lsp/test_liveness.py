"""A request about one document never waits behind the work on another: with a document of
several megabytes being analysed, hover on a small one is answered first, and formatting the
big one can be cancelled."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from lsp_harness import Editor
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled

SMALL = '## Says hello.\ndef greet(name) = f"hello {name}"\n\ndef main() = greet("x")\n'
BLOCK = """\
## Scores answer {i}.
def score_{i}(question, answer, weight=1.0) =
    let raw = llm(f"Question: {{question}} Answer: {{answer}}", max_tokens=4)
    let digits = regex_search("[0-9]+", raw)
    if digits == none then 0 else weight * float(int(digits))

"""
# About 3 MB: seconds of analysis even for a linear front end.
BIG = "".join(BLOCK.format(i=i) for i in range(12_000))


async def open_without_waiting(editor: Editor, name: str, text: str) -> str:
    uri = editor.write(name, text)
    editor.versions[uri] = 1
    editor.client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "epic", 1, text))
    )
    return uri


def published(editor: Editor, uri: str) -> bool:
    return any(p.uri == uri for p in editor.client.published)


async def test_hover_on_a_small_file_while_a_big_one_is_analysed(editor: Editor) -> None:
    await editor.open("small.epic", SMALL)
    big = await open_without_waiting(editor, "big.epic", BIG)
    found = await editor.hover("small.epic", 3, 14)
    assert found is not None and "Says hello" in found.contents.value
    assert not published(editor, big), "the hover waited for the big file's analysis"


async def test_formatting_a_big_file_can_be_cancelled(editor: Editor) -> None:
    await editor.open("small.epic", SMALL)
    big = await open_without_waiting(editor, "big.epic", BIG)
    msg_id = str(uuid.uuid4())
    params = types.DocumentFormattingParams(
        types.TextDocumentIdentifier(big), types.FormattingOptions(4, True)
    )
    formatting = asyncio.ensure_future(
        editor.client.protocol.send_request_async(
            types.TEXT_DOCUMENT_FORMATTING, params, msg_id=msg_id
        )
    )
    await asyncio.sleep(0.2)
    editor.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wait_for(formatting, 30)
    found = await editor.hover("small.epic", 3, 14)
    assert found is not None and "Says hello" in found.contents.value
    assert not published(editor, big)
