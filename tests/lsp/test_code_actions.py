"""Quick fixes through the real server: each code action's edit, applied as an editor
applies it, repairs the text, and the diagnostic it fixes is gone from the next publication."""

from __future__ import annotations

from lsp_harness import Editor, apply_edits
from lsprotocol import types

CASES = [
    ("def main() = lenn([1])\n", "unknown-name", "Change to `len`", "def main() = len([1])\n"),
    (
        'def main() = split("a,b", sepp=",")\n',
        "unknown-keyword",
        "Change to `sep`",
        'def main() = split("a,b", sep=",")\n',
    ),
    (
        "def main() =\n    let x = 1\n    2\n",
        "unused-let",
        "Rename to `_x`",
        "def main() =\n    let _x = 1\n    2\n",
    ),
    (
        "def f(a) = if a then 1 elif a then 2 else 3\n",
        "syntax",
        "Write `else if`",
        "def f(a) = if a then 1 else if a then 2 else 3\n",
    ),
    ("def f(x) =\n    return x\n", "syntax", "Remove `return`", "def f(x) =\n    x\n"),
    ("def f(a, b) = a && !b\n", "syntax", "Write `and`", "def f(a, b) = a and !b\n"),
    (
        'def main(n) =\n    let r = llm("a")\n    match n with\n        case 0 => r\n'
        '        case _ => "b"\n',
        "cost-trap",
        "Move `r` into `case 0` on line 4",
        'def main(n) =\n    match n with\n        case 0 =>\n            let r = llm("a")\n'
        '            r\n        case _ => "b"\n',
    ),
]


async def actions_at(
    editor: Editor, name: str, diagnostic: types.Diagnostic, only: list[str] | None = None
) -> list[types.CodeAction]:
    found = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(editor.uri(name)),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic], only=only),
        )
    )
    return [a for a in found or [] if isinstance(a, types.CodeAction)]


async def test_each_quick_fix_repairs_the_text(editor: Editor) -> None:
    # One server for every case (a server per case would cost seconds each).
    for number, (text, code, title, fixed) in enumerate(CASES):
        name = f"case{number}.epic"
        diagnostics = await editor.open(name, text)
        (diagnostic,) = [d for d in diagnostics if d.code == code][:1]
        actions = await actions_at(editor, name, diagnostic)
        (action,) = [a for a in actions if a.title == title]
        assert action.kind == types.CodeActionKind.QuickFix
        assert action.edit is not None and action.edit.changes is not None
        edits = action.edit.changes[editor.uri(name)]
        assert apply_edits(text, edits) == fixed, title
        version = editor.change(name, fixed)
        after = await editor.diagnostics(editor.uri(name), version)
        assert diagnostic.message not in [d.message for d in after], title
    # A client asking for other kinds of actions gets no quick fix.
    (diagnostic,) = await editor.open("x.epic", "def main() = lenn([1])\n")
    assert await actions_at(editor, "x.epic", diagnostic, only=["refactor"]) == []
    assert len(await actions_at(editor, "x.epic", diagnostic, only=["quickfix"])) == 1


async def test_fixes_that_read_another_file(editor: Editor) -> None:
    editor.write("lib.epic", '## Makes text loud.\ndef shout(text) = upper(text) + "!"\n')
    # A name another file defines: the import is added.
    text = 'def main() = shout("hi")\n'
    (diagnostic,) = await editor.open("app.epic", text)
    actions = await actions_at(editor, "app.epic", diagnostic)
    (action,) = [a for a in actions if "Import" in a.title]
    assert action.title == "Import `shout` from `./lib.epic` as `lib`"
    assert action.edit is not None and action.edit.changes is not None
    fixed = apply_edits(text, action.edit.changes[editor.uri("app.epic")])
    assert fixed == 'import "./lib.epic" as lib\ndef main() = lib.shout("hi")\n'
    version = editor.change("app.epic", fixed)
    assert await editor.diagnostics(editor.uri("app.epic"), version) == []
    # A misspelt member of the imported module.
    text = 'import "./lib.epic" as lib\n\ndef main() = lib.shoutt("hi")\n'
    (diagnostic,) = await editor.open("member.epic", text)
    (action,) = await actions_at(editor, "member.epic", diagnostic)
    assert action.title == "Change to `shout`" and action.is_preferred
    assert action.edit is not None and action.edit.changes is not None
    fixed = apply_edits(text, action.edit.changes[editor.uri("member.epic")])
    assert fixed == text.replace("shoutt", "shout")
    version = editor.change("member.epic", fixed)
    assert await editor.diagnostics(editor.uri("member.epic"), version) == []
