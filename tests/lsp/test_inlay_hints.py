"""Inlay hints and hover on keyword arguments through the real server."""

from __future__ import annotations

from lsp_harness import Editor, position_of
from lsprotocol import types

TEXT = (
    "def rate(joke, scale, strict=false) = len(joke) * scale\n\n"
    "def main(prompt, text) =\n"
    '    let a = llm(f"Summarise {text}", max_tokens=64)\n'
    "    let b = llm(prompt)\n"
    '    let c = split(text, ",")\n'
    "    let scale = 10\n"
    "    [a, b, c, rate(text, scale), len(text)]\n"
)


async def hints(editor: Editor) -> list[tuple[int, int, str]]:
    found = await editor.client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(editor.uri("x.epic")),
            range=types.Range(types.Position(0, 0), types.Position(20, 0)),
        )
    )
    return [(h.position.line, h.position.character, str(h.label)) for h in found or []]


async def test_parameter_names_of_positional_arguments(editor: Editor) -> None:
    assert await editor.open("x.epic", TEXT) == []
    assert await hints(editor) == [
        (3, 16, "prompt:"),
        (5, 18, "s:"),
        (5, 24, "sep:"),
        (7, 19, "joke:"),
    ]
    # `llm(prompt)`, `rate(.., scale)` repeat the name; `len` has one parameter; the options
    # of `llm` are keyword-only.
    # Hover on a keyword argument of a built-in: that parameter's doc.
    found = await editor.hover("x.epic", *_line_col(TEXT, "max_tokens", 3))
    assert found is not None and isinstance(found.contents, types.MarkupContent)
    assert found.contents.kind == types.MarkupKind.Markdown
    assert "(parameter) max_tokens=256" in found.contents.value
    assert "The length limit of the answer, in tokens." in found.contents.value


async def test_the_setting_turns_them_off(editor: Editor) -> None:
    await editor.open("x.epic", TEXT)
    assert await hints(editor)
    editor.configure(trustedPython=False, inlayHints={"parameterNames": False})
    for _ in range(500):  # the server reads the settings back after the notification
        if not await hints(editor):
            break
    assert await hints(editor) == []


def _line_col(text: str, needle: str, delta: int) -> tuple[int, int]:
    position = position_of(text, needle, delta=delta)
    return position.line, position.character


def test_the_setting_is_read_leniently() -> None:
    from lsp_server.settings import Settings

    assert Settings.from_client({}).parameter_hints
    assert Settings.from_client({"inlayHints": "nonsense"}).parameter_hints
    assert not Settings.from_client({"inlayHints": {"parameterNames": False}}).parameter_hints
