"""End to end: definition, references, rename, outline, completion, signature help,
semantic tokens and folding through the real server."""

from __future__ import annotations

import pytest
from lsp_harness import HELPERS, Editor, position_of
from lsprotocol import types

from epic_lang.ide.tokens import TOKEN_TYPES


def doc(editor: Editor, name: str = "sample.epic") -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(editor.uri(name))


async def opened(editor: Editor, sample: str) -> None:
    editor.write("helpers.epic", HELPERS)
    await editor.open("sample.epic", sample)


async def test_definition_in_the_file_and_across_an_import(editor: Editor, sample: str) -> None:
    await opened(editor, sample)
    client = editor.client
    local = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=doc(editor), position=position_of(sample, "double(21", delta=1)
        )
    )
    assert [(loc.uri, loc.range.start) for loc in local] == [
        (editor.uri("sample.epic"), position_of(sample, "double(x"))
    ]
    remote = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=doc(editor), position=position_of(sample, "shout", delta=1)
        )
    )
    assert [(loc.uri, loc.range.start) for loc in remote] == [
        (editor.uri("helpers.epic"), types.Position(1, 4))
    ]
    module = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=doc(editor), position=position_of(sample, "helpers.epic")
        )
    )
    assert [loc.uri for loc in module] == [editor.uri("helpers.epic")]


async def test_references_of_a_parameter(editor: Editor, sample: str) -> None:
    await opened(editor, sample)
    found = await editor.client.text_document_references_async(
        types.ReferenceParams(
            text_document=doc(editor),
            position=position_of(sample, "punctuation"),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    starts = sorted((loc.range.start.line, loc.range.start.character) for loc in found)
    # The parameter, its use in the f-string, and the keyword argument `punctuation="?"`.
    assert starts == [
        (p.line, p.character)
        for p in (
            position_of(sample, "punctuation"),
            position_of(sample, "punctuation", 1),
            position_of(sample, "punctuation", 2),
        )
    ]


async def test_rename_renames_binding_uses_and_keyword_arguments(
    editor: Editor, sample: str
) -> None:
    await opened(editor, sample)
    edit = await editor.client.text_document_rename_async(
        types.RenameParams(
            text_document=doc(editor),
            position=position_of(sample, "punctuation", 1),
            new_name="mark",
        )
    )
    edits = edit.changes[editor.uri("sample.epic")]
    assert len(edits) == 3
    assert {e.new_text for e in edits} == {"mark"}


async def test_rename_refuses_builtins(editor: Editor, sample: str) -> None:
    await opened(editor, sample)
    with pytest.raises(Exception, match="built-in|prelude"):
        await editor.client.text_document_rename_async(
            types.RenameParams(
                text_document=doc(editor), position=position_of(sample, "map("), new_name="my_map"
            )
        )
    with pytest.raises(Exception, match="cannot be renamed"):
        await editor.client.text_document_prepare_rename_async(
            types.PrepareRenameParams(
                text_document=doc(editor), position=position_of(sample, "upper(")
            )
        )


async def test_document_symbols(editor: Editor, sample: str) -> None:
    await opened(editor, sample)
    found = await editor.client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc(editor))
    )
    assert [(s.name, s.kind) for s in found] == [
        ("helpers", types.SymbolKind.Module),
        ("double", types.SymbolKind.Function),
        ("greet", types.SymbolKind.Function),
        ("main", types.SymbolKind.Function),
    ]


async def complete(
    editor: Editor, name: str, position: types.Position
) -> dict[str, types.CompletionItem]:
    result = await editor.client.text_document_completion_async(
        types.CompletionParams(text_document=doc(editor, name), position=position)
    )
    return {item.label: item for item in result.items}


async def test_completion_offers_locals_keywords_and_builtins(editor: Editor) -> None:
    text = "def main() =\n    let count = 3\n    co\n"
    await editor.open("c.epic", text)
    items = await complete(editor, "c.epic", types.Position(2, 6))
    assert items["count"].kind == types.CompletionItemKind.Variable
    assert "map" in items and "llm" in items and "match" in items
    assert items["match"].kind == types.CompletionItemKind.Keyword
    assert items["count"].sort_text < items["map"].sort_text


async def test_completion_of_imported_module_members(editor: Editor, sample: str) -> None:
    await opened(editor, sample)
    items = await complete(editor, "sample.epic", position_of(sample, "shout"))
    assert list(items) == ["shout"]
    assert "Makes text loud." in items["shout"].documentation.value


async def test_completion_of_keyword_arguments(editor: Editor) -> None:
    text = 'def main() = llm("hi", max_tokens=3, te'
    await editor.open("k.epic", text)
    items = await complete(editor, "k.epic", types.Position(0, len(text)))
    assert "temperature=" in items and "system=" in items
    assert "max_tokens=" not in items  # already given


async def test_signature_help_tracks_the_active_parameter(editor: Editor, sample: str) -> None:
    text = sample.replace("double(21)", 'greet("x", ')
    await editor.open("sig.epic", text)
    help_ = await editor.client.text_document_signature_help_async(
        types.SignatureHelpParams(
            text_document=doc(editor, "sig.epic"), position=position_of(text, '"x", ', delta=5)
        )
    )
    (signature,) = help_.signatures
    assert signature.label == 'greet(name, punctuation="!")'
    assert help_.active_parameter == 1
    start, end = signature.parameters[1].label
    assert signature.label[start:end] == 'punctuation="!"'


async def test_semantic_tokens_classify_names(editor: Editor) -> None:
    text = "def f(x) = map(fn(y) => y + x, [1])\n"
    await editor.open("t.epic", text)
    result = await editor.client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=doc(editor, "t.epic"))
    )
    decoded = []
    line = char = 0
    data = result.data
    for i in range(0, len(data), 5):
        line += data[i]
        char = data[i + 1] if data[i] else char + data[i + 1]
        decoded.append((text[char : char + data[i + 2]], TOKEN_TYPES[data[i + 3]], data[i + 4]))
    assert decoded[0] == ("f", "function", 1)  # declaration
    assert ("map", "function", 4) in decoded  # defaultLibrary
    assert [d for d in decoded if d[0] == "x"] == [("x", "parameter", 1), ("x", "parameter", 0)]


async def test_folding_ranges(editor: Editor, sample: str) -> None:
    await opened(editor, sample)
    found = await editor.client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=doc(editor))
    )
    assert (7, 9) in {(f.start_line, f.end_line) for f in found}  # def greet
    assert (11, 14) in {(f.start_line, f.end_line) for f in found}  # def main
