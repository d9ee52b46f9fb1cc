"""The editor features at the library level: text with a `$0` cursor in, editor terms out."""

from __future__ import annotations

from pathlib import Path

import pytest

from epic_lang.ide.completion import complete
from epic_lang.ide.document import Analysis
from epic_lang.ide.hover import hover
from epic_lang.ide.lenses import run_targets
from epic_lang.ide.lookup import Context
from epic_lang.ide.navigation import RenameError, definition, references, rename
from epic_lang.ide.outline import folds, symbols
from epic_lang.ide.run import untrusted_python_import
from epic_lang.ide.signatures import signature_help
from epic_lang.ide.tokens import semantic_tokens


def at(text: str, path: str | None = None) -> tuple[Analysis, int]:
    offset = text.index("$0")
    return Analysis(text.replace("$0", "", 1), path), offset


def hover_text(text: str, context: Context | None = None, path: str | None = None) -> str:
    analysis, offset = at(text, path)
    found = hover(analysis, offset, context)
    assert found is not None
    return found.markdown


def test_hover_def_signature_with_defaults_and_doc() -> None:
    text = '## Says hi.\n## Twice.\ndef hi(name, n=2) = name\n\ndef main() = h$0i("x")\n'
    markdown = hover_text(text)
    assert "def hi(name, n=2)" in markdown
    assert "Says hi.\nTwice." in markdown


def test_hover_builtin_and_llm_external() -> None:
    assert "len(x)" in hover_text("def main() = le$0n([1])\n")
    markdown = hover_text('def main() = llm$0("q")\n')
    assert "LLM external" in markdown and "max_tokens=256" in markdown


def test_hover_pattern_variable_names_its_line() -> None:
    text = "def f(xs) =\n    match xs with\n        case [h, ...rest] => h$0\n        case _ => 0\n"
    markdown = hover_text(text)
    assert "(pattern variable) h" in markdown and "line 3" in markdown
    assert "case [h, ...rest] => h" in markdown


def test_hover_nothing_on_a_literal() -> None:
    analysis, offset = at("def main() = 4$02\n")
    assert hover(analysis, offset) is None


def test_python_member_is_not_imported_unless_trusted(tmp_path: Path) -> None:
    tool = tmp_path / "tool.py"
    tool.write_text('open(__file__ + ".ran", "w")\ndef f(a, b=2):\n    """Adds."""\n')
    text = 'import python "./tool.py" as t\ndef main() = t.f$0(1)\n'
    path = str(tmp_path / "m.epic")
    assert "not trusted" in hover_text(text, Context(), path)
    assert not (tmp_path / "tool.py.ran").exists()
    markdown = hover_text(text, Context(trusted_python=True), path)
    assert "f(a, b=2)" in markdown and "Adds." in markdown


def test_definition_of_local_and_of_prelude_function() -> None:
    analysis, offset = at("def main() =\n    let x = 1\n    x$0\n")
    (location,) = definition(analysis, offset)
    assert location.path is None and location.span.line == 2 and location.span.col == 9
    analysis, offset = at("def main() = ma$0p(str, [1])\n")
    (location,) = definition(analysis, offset)
    assert location.path.endswith("prelude.epic")


def test_definition_across_an_epic_import(tmp_path: Path) -> None:
    (tmp_path / "lib.epic").write_text("def one() = 1\n\ndef two() = 2\n")
    text = 'import "./lib.epic" as lib\ndef main() = lib.tw$0o()\n'
    analysis, offset = at(text, str(tmp_path / "main.epic"))
    (location,) = definition(analysis, offset)
    assert location.path == str(tmp_path / "lib.epic") and location.span.line == 3


def test_references_and_rename_of_a_def() -> None:
    text = "def sq$0(x) = x * x\ndef main() = sq(sq(2))\n"
    analysis, offset = at(text)
    assert len(references(analysis, offset)) == 3
    assert len(references(analysis, offset, include_declaration=False)) == 2
    assert [s.start for s in rename(analysis, offset, "square")] == [4, 31, 34]


@pytest.mark.parametrize(
    ("text", "new_name", "message"),
    [
        ("def main() = ma$0p(str, [1])\n", "m", "prelude function"),
        ("def main() = le$0n([])\n", "m", "built-in"),
        ("def f$0() = 1\n", "match", "not a valid"),
        ("def f$0() = 1\n", "2x", "not a valid"),
    ],
)
def test_rename_refusals(text: str, new_name: str, message: str) -> None:
    analysis, offset = at(text)
    with pytest.raises(RenameError, match=message):
        rename(analysis, offset, new_name)


def labels(text: str, path: str | None = None) -> dict[str, object]:
    analysis, offset = at(text, path)
    return {item.label: item for item in complete(analysis, offset)}


def test_completion_scope_is_positional() -> None:
    text = "def main() =\n    let a = 1\n    let b = z$0z\n    a + b\n"
    found = labels(text)
    assert found["a"].kind == "variable"
    assert "a" in found and "main" in found and "map" in found and "if" in found
    assert "b" not in found  # not visible in its own value


def test_completion_in_a_declaration_that_does_not_parse_offers_its_words() -> None:
    found = labels("def main() =\n    let total = 1\n    let x = (tot$0\n")
    assert "total" in found


def test_completion_of_keyword_arguments_of_a_user_def() -> None:
    found = labels("def f(alpha, beta=1) = alpha\ndef main() = f(1, $0)\n")
    assert "alpha=" in found and "beta=" in found


def test_completion_of_members(tmp_path: Path) -> None:
    (tmp_path / "lib.epic").write_text("## One.\ndef one() = 1\nlet two = 2\n")
    found = labels('import "./lib.epic" as lib\ndef main() = lib.$0\n', str(tmp_path / "m.epic"))
    assert sorted(found) == ["one", "two"]


def test_signature_help_with_keyword_argument() -> None:
    analysis, offset = at('def main() = split("a b", sep=$0')
    found = signature_help(analysis, offset)
    assert found.signature.label == "split(s, sep=none)"
    assert found.active_param == 1


def test_signature_help_shows_keyword_only_llm_options() -> None:
    analysis, offset = at('def main() = llm_json("p", {a: "string"}, max_tokens=$0')
    found = signature_help(analysis, offset)
    assert found.signature.label.startswith("llm_json(prompt, schema, *, system=none, ")
    names = [name for name, _, _ in found.signature.params]
    assert found.active_param == names.index("max_tokens")
    start, end = found.signature.params[found.active_param][1:]
    assert found.signature.label[start:end] == "max_tokens=256"
    # A third argument by position is no parameter at all: none is highlighted.
    analysis, offset = at('def main() = llm_json("p", {a: "string"}, $0')
    assert signature_help(analysis, offset).active_param is None
    analysis, offset = at('def main() = llm_json("p", $0')
    assert signature_help(analysis, offset).active_param == 1


def test_hover_shows_keyword_only_llm_options() -> None:
    markdown = hover_text('def main() = ll$0m("p", timeout=2)\n')
    assert "llm(prompt, *, system=none" in markdown and "timeout=none" in markdown


def test_semantic_tokens_inside_fstring_holes() -> None:
    analysis = Analysis('def f(name) = f"hi {name}"\n')
    kinds = [(analysis.text[t.start : t.end], t.type) for t in semantic_tokens(analysis)]
    assert kinds == [("f", "function"), ("name", "parameter"), ("name", "parameter")]


def test_outline_and_folds() -> None:
    text = (
        'import python "math" as m\nimport python "json" as j\n\n# a\n# b\n'
        "def main() =\n    let x = 1\n    x\nlet k = 2\n"
    )
    analysis = Analysis(text)
    assert [(s.name, s.kind) for s in symbols(analysis.module)] == [
        ("m", "module"),
        ("j", "module"),
        ("main", "function"),
        ("k", "variable"),
    ]
    found = {(f.start_line, f.end_line, f.kind) for f in folds(analysis.module)}
    assert {(1, 2, "imports"), (4, 5, "comment"), (6, 8, "region")} <= found


def test_run_targets() -> None:
    analysis = Analysis("def main() = 1\ndef f(x) = x\ndef g() = 2\n")
    targets = run_targets(analysis.module)
    assert [(t.entry, t.params, t.required) for t in targets] == [
        ("main", (), 0),
        ("f", ("x",), 1),
        ("g", (), 0),
    ]


def test_python_imports_are_found_through_epic_imports(tmp_path: Path) -> None:
    (tmp_path / "lib.epic").write_text('import python "os" as os\ndef one() = 1\n')
    text = 'import "./lib.epic" as lib\ndef main() = lib.one()\n'
    analysis = Analysis(text, str(tmp_path / "m.epic"))
    path, decl = untrusted_python_import(analysis)
    assert path == str(tmp_path / "lib.epic") and decl.source == "os"
    assert untrusted_python_import(Analysis("def main() = 1\n")) is None


def test_hover_keyword_argument_is_the_parameter() -> None:
    markdown = hover_text("def f(alpha=1) = alpha\ndef main() = f(alp$0ha=2)\n")
    assert "(parameter) alpha" in markdown and "line 1" in markdown


def test_python_members_complete_from_source_without_importing(tmp_path: Path) -> None:
    (tmp_path / "tool.py").write_text('open(__file__ + ".ran", "w")\ndef f():\n    pass\n')
    found = labels('import python "./tool.py" as t\ndef main() = t.$0\n', str(tmp_path / "m.epic"))
    assert "f" in found
    assert not (tmp_path / "tool.py.ran").exists()


def test_the_new_forms_in_the_editor() -> None:
    """Destructured names, the error of `catch` and the pipe's `_` (docs/language.md §3, §5)
    in hover, go to definition, completion and semantic tokens."""
    text = (
        "def main(pair, r) =\n"
        "    let (a, b) = pair\n"
        "    let {name, age: years} = r\n"
        "    let safe = try llm(name) catch err => err.message\n"
        "    let piped = [a, b] |> map(str, _)\n"
        "    ({...r, age: years}, safe, piped)\n"
    )
    analysis = Analysis(text)
    spots = {
        "a": text.index("[a, b]") + 1,
        "err": text.index("err.message") + 1,
    }
    assert "(local value) a" in hover(analysis, spots["a"]).markdown  # type: ignore[union-attr]
    caught = hover(analysis, spots["err"]).markdown  # type: ignore[union-attr]
    assert "(caught error) err" in caught and "`kind`, `message` and `site`" in caught
    (location,) = definition(analysis, text.index("years}") + 1)
    assert (location.span.line, location.span.col) == (3, 21)
    found = labels(text.replace("safe, piped)", "safe, piped, $0)"))
    for visible in ("a", "b", "name", "years", "safe", "piped", "try", "catch"):
        assert visible in found
    assert "err" not in found  # only in the handler
    kinds = {(analysis.text[t.start : t.end], t.type) for t in semantic_tokens(analysis)}
    assert {("a", "variable"), ("name", "variable"), ("err", "variable")} <= kinds
    assert not any(name == "_" for name, _ in kinds)
