"""The table of built-ins covers docs/language.md §12 and docs/builtins.md is generated from it."""

from __future__ import annotations

from epic_lang.analysis.builtins import BUILTINS, BuiltinInfo, builtins_table
from epic_lang.analysis.builtins_doc import DOC_PATH, render_builtins_markdown
from epic_lang.syntax.parser import parse

PURE = [
    "len",
    "str",
    "int",
    "float",
    "range",
    "split",
    "join",
    "strip",
    "lower",
    "upper",
    "replace",
    "startswith",
    "endswith",
    "find",
    "json_parse",
    "json_dump",
    "regex_match",
    "regex_search",
    "regex_findall",
    "keys",
    "values",
    "get",
]
PRELUDE = [
    "map",
    "filter",
    "fold",
    "sum",
    "any",
    "all",
    "zip",
    "enumerate",
    "take",
    "drop",
    "reverse",
    "sort_by",
    "max_by",
    "min_by",
    "flat_map",
    "iterate_until",
    "fix",
    "church_true",
    "church_false",
]


def test_every_pure_builtin_has_doc_and_example() -> None:
    for name in PURE:
        info = BUILTINS[name]
        assert info.kind == "builtin", name
        assert info.doc and info.example, name


def test_every_prelude_function_comes_from_prelude_epic() -> None:
    for name in PRELUDE:
        assert BUILTINS[name].kind == "prelude", name
    assert BUILTINS["map"].params == (("f", None), ("xs", None))
    undocumented = [n for n, i in BUILTINS.items() if i.kind == "prelude" and not i.doc]
    assert not undocumented, "these need a ## doc comment in prelude.epic"
    defaults = [d for i in BUILTINS.values() if i.kind == "prelude" for _, d in i.params if d]
    assert defaults, "the prelude has parameters with defaults"
    for default in defaults:
        assert not parse(f"def t() = {default}\n").diagnostics, default


def test_llm_externals_have_their_keyword_parameters() -> None:
    llm = BUILTINS["llm"]
    assert llm.kind == "llm"
    assert llm.signature == (
        "llm(prompt, *, system=none, model=none, temperature=0.0, max_tokens=256, stop=[], "
        "timeout=none, regex=none)"
    )
    assert dict(BUILTINS["llm_sample"].params)["temperature"] == "0.8"
    assert BUILTINS["llm_sample"].required == 2
    assert BUILTINS["llm_sample"].positional == 2
    assert BUILTINS["llm_next"].signature == "llm_next(prompt, *, k=5, timeout=none)"
    assert BUILTINS["llm_chat"].params[0] == ("messages", None)
    assert BUILTINS["llm_json"].signature.startswith("llm_json(prompt, schema, *, system=none")
    assert BUILTINS["llm_choice"].signature.startswith("llm_choice(prompt, options, *, ")


def test_every_llm_external_takes_a_timeout_and_only_keyword_options() -> None:
    for info in BUILTINS.values():
        if info.kind == "llm":
            assert info.positional == info.required, info.name
            assert ("timeout", "none") in info.params, info.name
        else:
            assert info.positional is None, info.name


def test_optional_second_argument_of_range() -> None:
    assert BUILTINS["range"].signature == "range(a, b=none)"
    assert BUILTINS["range"].required == 1


def test_private_prelude_helpers_are_hidden() -> None:
    """Only `_try`, the target of the `try` syntax, starts with `_` (and is no prelude
    helper)."""
    assert [name for name in BUILTINS if name.startswith("_")] == ["_try"]
    assert BUILTINS["_try"].kind == "control"


def test_table_is_built_once() -> None:
    assert builtins_table() is BUILTINS
    assert all(isinstance(info, BuiltinInfo) for info in BUILTINS.values())


def test_docs_builtins_md_is_up_to_date() -> None:
    expected = render_builtins_markdown()
    assert DOC_PATH.read_text(encoding="utf-8") == expected, (
        "docs/builtins.md is stale: run `python -m epic_lang.analysis.builtins_doc`"
    )
    for name in BUILTINS:
        assert f"### `{name}(" in expected
