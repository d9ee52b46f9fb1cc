"""The parser accepts every construct of docs/language.md §2-6 and builds the right tree."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from syntax_helpers import body, expr, parse_ok, shape

from epic_lang.syntax import ast
from epic_lang.syntax.parser import parse

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.epic"))


def V(name: str) -> tuple:
    return ("Var", name)


def L(value: object) -> tuple:
    return ("Literal", value)


def N(name: str) -> tuple:
    return ("Name", name)


def A(value: tuple, name: str | None = None) -> tuple:
    return ("Arg", None if name is None else N(name), value)


# ---- operators and precedence


@pytest.mark.parametrize(
    ("source", "tree"),
    [
        ("a + b * c", ("BinOp", "+", V("a"), ("BinOp", "*", V("b"), V("c")))),
        ("a - b - c", ("BinOp", "-", ("BinOp", "-", V("a"), V("b")), V("c"))),
        ("a ** b ** c", ("BinOp", "**", V("a"), ("BinOp", "**", V("b"), V("c")))),
        ("-x ** 2", ("Neg", ("BinOp", "**", V("x"), L(2)))),
        ("2 ** -x", ("BinOp", "**", L(2), ("Neg", V("x")))),
        ("-a * b", ("BinOp", "*", ("Neg", V("a")), V("b"))),
        (
            "a // b % c / d",
            ("BinOp", "/", ("BinOp", "%", ("BinOp", "//", V("a"), V("b")), V("c")), V("d")),
        ),
        ("a + b == c", ("Compare", "==", ("BinOp", "+", V("a"), V("b")), V("c"))),
        ("x in xs", ("Compare", "in", V("x"), V("xs"))),
        ("x not in xs", ("Compare", "not in", V("x"), V("xs"))),
        ("not a == b", ("Not", ("Compare", "==", V("a"), V("b")))),
        ("not a and b", ("BoolOp", "and", ("Not", V("a")), V("b"))),
        ("a or b and c", ("BoolOp", "or", V("a"), ("BoolOp", "and", V("b"), V("c")))),
        ("a and not b", ("BoolOp", "and", V("a"), ("Not", V("b")))),
        ("x |> f |> g", ("Pipe", ("Pipe", V("x"), V("f")), V("g"))),
        ("x |> f or g", ("Pipe", V("x"), ("BoolOp", "or", V("f"), V("g")))),
        ("(a + b) * c", ("BinOp", "*", ("BinOp", "+", V("a"), V("b")), V("c"))),
        ("a != b", ("Compare", "!=", V("a"), V("b"))),
        ("a <= b", ("Compare", "<=", V("a"), V("b"))),
        ("a >= -1", ("Compare", ">=", V("a"), ("Neg", L(1)))),
        ("not not a", ("Not", ("Not", V("a")))),
        ("s * 3 + t", ("BinOp", "+", ("BinOp", "*", V("s"), L(3)), V("t"))),
    ],
)
def test_precedence(source: str, tree: tuple) -> None:
    assert shape(expr(source)) == tree


# ---- postfix forms


def test_call_with_keyword_arguments_and_trailing_comma() -> None:
    assert shape(expr("f(1, k=2,)")) == ("Call", V("f"), (A(L(1)), A(L(2), "k")))


def test_call_without_arguments_and_chained_postfix() -> None:
    tree = expr("m.f()[0].g(x)")
    assert shape(tree) == (
        "Call",
        ("Field", ("Index", ("Call", ("Field", V("m"), N("f")), ()), L(0)), N("g")),
        (A(V("x")),),
    )


@pytest.mark.parametrize(
    ("source", "start", "stop"),
    [
        ("xs[1:2]", L(1), L(2)),
        ("xs[:2]", None, L(2)),
        ("xs[1:]", L(1), None),
        ("xs[:]", None, None),
        ("xs[-2:]", ("Neg", L(2)), None),
    ],
)
def test_slices(source: str, start: object, stop: object) -> None:
    assert shape(expr(source)) == ("Slice", V("xs"), start, stop)


def test_index_of_record_by_string() -> None:
    assert shape(expr('r["name"]')) == ("Index", V("r"), L("name"))


# ---- atoms


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("42", 42),
        ("1_000", 1000),
        ("0x1f", 31),
        ("0o17", 15),
        ("0b101", 5),
        ("3.5", 3.5),
        ("2e-3", 0.002),
        ("1_000.5", 1000.5),
        ("1E3", 1000.0),
        ("true", True),
        ("false", False),
        ("none", None),
    ],
)
def test_literals(source: str, value: object) -> None:
    node = expr(source)
    assert isinstance(node, ast.Literal)
    assert node.value == value and type(node.value) is type(value)
    assert node.raw == source


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ('"a\\nb"', "a\nb"),
        ("'single'", "single"),
        ('"q\\"uote"', 'q"uote'),
        ("'it\\'s'", "it's"),
        ('"\\x41\\u00e9\\U0001F600\\N{BULLET}"', "A\u00e9\U0001f600\u2022"),
        ('"\\t\\\\"', "\t\\"),
        ('"\\d+"', "\\d+"),
        ('"\\101"', "A"),
        ('"""one\ntwo"""', "one\ntwo"),
        ("'''it's'''", "it's"),
        ('"é ünïcode"', "é ünïcode"),
        ('"line\\\ncontinued"', "linecontinued"),
    ],
)
def test_strings(source: str, value: str) -> None:
    node = expr(source)
    assert isinstance(node, ast.Literal)
    assert node.value == value
    assert node.raw == source


def test_tuples_unit_and_parentheses() -> None:
    assert shape(expr("()")) == ("TupleExpr", ())
    assert shape(expr("(1,)")) == ("TupleExpr", (L(1),))
    assert shape(expr("(1)")) == L(1)
    assert shape(expr("(1, 2, )")) == ("TupleExpr", (L(1), L(2)))


def test_lists() -> None:
    assert shape(expr("[]")) == ("ListExpr", ())
    assert shape(expr("[1, [2], ]")) == ("ListExpr", (L(1), ("ListExpr", (L(2),))))


def test_records_with_bare_and_quoted_keys() -> None:
    node = expr('{name: 1, "two words": 2,}')
    assert isinstance(node, ast.RecordExpr)
    assert [(f.key, f.quoted) for f in node.fields] == [("name", False), ("two words", True)]
    assert shape(expr("{}")) == ("RecordExpr", ())


def test_brackets_ignore_newlines_and_indentation() -> None:
    source = "def f() = g(\n  1,\n        2,\n)\n"
    assert shape(body(source)) == ("Call", V("g"), (A(L(1)), A(L(2))))


# ---- functions, conditionals, let, blocks


def test_lambda_with_default_and_no_params() -> None:
    assert shape(expr("fn(x, y=1) => x")) == (
        "Lambda",
        (("Param", N("x"), None), ("Param", N("y"), L(1))),
        V("x"),
    )
    assert shape(expr("fn() => 1")) == ("Lambda", (), L(1))


def test_lambda_extends_as_far_right_as_it_can() -> None:
    assert shape(expr("fn(x) => x + 1")) == (
        "Lambda",
        (("Param", N("x"), None),),
        ("BinOp", "+", V("x"), L(1)),
    )


def test_lambda_body_as_indented_block() -> None:
    source = "def f() =\n    let g = fn(x) =>\n        let y = x\n        y\n    g(1)\n"
    tree = body(source)
    assert isinstance(tree, ast.Block)
    lam = tree.lets[0].value
    assert isinstance(lam, ast.Lambda) and isinstance(lam.body, ast.Block)


def test_if_chain_over_continuation_lines() -> None:
    source = (
        "def classify(n) =\n"
        '    if n < 0 then "negative"\n'
        '    else if n == 0 then "zero"\n'
        '    else "positive"\n'
    )
    tree = body(source)
    assert isinstance(tree, ast.If) and isinstance(tree.orelse, ast.If)


def test_if_with_then_and_else_at_line_ends() -> None:
    assert shape(body("def f(x) =\n  if x then\n    1\n  else\n    2\n")) == (
        "If",
        V("x"),
        L(1),
        L(2),
    )


def test_let_in_and_membership() -> None:
    assert shape(expr("let x = 1 in x in xs")) == (
        "LetIn",
        N("x"),
        L(1),
        ("Compare", "in", V("x"), V("xs")),
    )
    assert shape(expr("let x = if a in b then 1 else 2 in x")) == (
        "LetIn",
        N("x"),
        ("If", ("Compare", "in", V("a"), V("b")), L(1), L(2)),
        V("x"),
    )
    assert shape(expr("let a = let b = 1 in b in a")) == (
        "LetIn",
        N("a"),
        ("LetIn", N("b"), L(1), V("b")),
        V("a"),
    )
    assert shape(expr("let x = (a in b) in x")) == (
        "LetIn",
        N("x"),
        ("Compare", "in", V("a"), V("b")),
        V("x"),
    )


def test_block_let_line_value_may_use_in() -> None:
    tree = body("def f(s) =\n    let found = 'a' in s\n    found\n")
    assert shape(tree) == (
        "Block",
        (("BlockLet", N("found"), ("Compare", "in", L("a"), V("s"))),),
        V("found"),
    )


def test_block_without_lets_is_its_expression() -> None:
    assert shape(body("def f() =\n    1 + 2\n")) == ("BinOp", "+", L(1), L(2))


def test_let_value_as_indented_block() -> None:
    tree = body("def f() =\n    let x =\n        let y = 1\n        y\n    x\n")
    assert isinstance(tree, ast.Block)
    assert isinstance(tree.lets[0].value, ast.Block)


def test_continuation_lines() -> None:
    source = 'def f(xs) =\n    xs\n    |> map(g)\n    |> join(sep=",")\n'
    assert shape(body(source))[0] == "Pipe"
    assert shape(body("def f(a, b) =\n    a and\n        b\n")) == ("BoolOp", "and", V("a"), V("b"))
    assert shape(body("def f(a, b) = a\n    + b\n")) == ("BinOp", "+", V("a"), V("b"))
    assert shape(body("def f(a, b) = a\n  not in b\n")) == ("Compare", "not in", V("a"), V("b"))


# ---- match and patterns


def test_match_with_indented_cases_and_block_result() -> None:
    source = (
        "def f(x) =\n"
        "    match x with\n"
        "        case -1 => 0\n"
        "        case [a, ...rest] =>\n"
        "            let y = a\n"
        "            y\n"
        "        case _ => 1\n"
    )
    tree = body(source)
    assert isinstance(tree, ast.Match)
    assert len(tree.cases) == 3
    assert isinstance(tree.cases[1].body, ast.Block)


def test_match_inline_and_inside_brackets() -> None:
    tree = expr("(match x with case 1 => 2 case _ => 3)")
    assert isinstance(tree, ast.Match) and len(tree.cases) == 2


def test_nested_inline_match_takes_the_following_cases() -> None:
    tree = expr("match a with case 1 => match b with case 2 => 3 case _ => 4")
    assert isinstance(tree, ast.Match) and len(tree.cases) == 1
    inner = tree.cases[0].body
    assert isinstance(inner, ast.Match) and len(inner.cases) == 2


@pytest.mark.parametrize(
    ("pattern", "tree"),
    [
        ("_", ("PWildcard",)),
        ("x", ("PName", N("x"))),
        ("-1", ("PLiteral", -1)),
        ("-2.5", ("PLiteral", -2.5)),
        ("0x10", ("PLiteral", 16)),
        ('"s"', ("PLiteral", "s")),
        ("true", ("PLiteral", True)),
        ("none", ("PLiteral", None)),
        ("()", ("PTuple", ())),
        ("(a,)", ("PTuple", (("PName", N("a")),))),
        ("(a, _)", ("PTuple", (("PName", N("a")), ("PWildcard",)))),
        ("(a)", ("PName", N("a"))),
        ("[]", ("PList", (), None)),
        ("[x, y,]", ("PList", (("PName", N("x")), ("PName", N("y"))), None)),
        ("[h, ...t]", ("PList", (("PName", N("h")),), N("t"))),
        ("[...all]", ("PList", (), N("all"))),
        ("[a, b, ..._]", ("PList", (("PName", N("a")), ("PName", N("b"))), N("_"))),
        (
            '{kind: "c", "r r": (x, 1)}',
            (
                "PRecord",
                (
                    ("PRecordField", "kind", ("PLiteral", "c")),
                    ("PRecordField", "r r", ("PTuple", (("PName", N("x")), ("PLiteral", 1)))),
                ),
            ),
        ),
        ("{}", ("PRecord", ())),
    ],
)
def test_patterns(pattern: str, tree: tuple) -> None:
    node = body(f"def f(v) =\n    match v with\n        case {pattern} => 0\n")
    assert isinstance(node, ast.Match)
    assert shape(node.cases[0].pattern) == tree


# ---- declarations and comments


def test_imports() -> None:
    module = parse_ok('import python "math" as math\nimport "./x.epic" as x\n')
    first, second = module.decls
    assert isinstance(first, ast.Import) and first.python and first.source == "math"
    assert isinstance(second, ast.Import) and not second.python and second.source == "./x.epic"
    assert second.alias.text == "x"


def test_defs_lets_defaults_and_docs() -> None:
    source = (
        "# a plain comment\n"
        "## Adds.\n"
        "## Twice.\n"
        "def add(a, b=1) = a + b  # trailing\n"
        "\n"
        "## Not attached: a blank line follows.\n"
        "\n"
        "let x = 1\n"
        "## The greeting.\n"
        "let greeting = 'hi'\n"
    )
    module = parse_ok(source)
    add, x, greeting = module.decls
    assert isinstance(add, ast.Def) and add.doc == "Adds.\nTwice."
    assert [p.name.text for p in add.params] == ["a", "b"]
    assert isinstance(x, ast.LetDecl) and x.doc is None
    assert isinstance(greeting, ast.LetDecl) and greeting.doc == "The greeting."
    assert [c.text for c in module.comments] == [
        "# a plain comment",
        "## Adds.",
        "## Twice.",
        "# trailing",
        "## Not attached: a blank line follows.",
        "## The greeting.",
    ]


def test_comments_inside_blocks_and_brackets_are_kept() -> None:
    source = "def f() =\n    # inside\n    g(1, # arg\n      2)\n# end\n"
    module = parse_ok(source)
    assert [c.text for c in module.comments] == ["# inside", "# arg", "# end"]
    assert module.comments[1].span.line == 3 and module.comments[1].span.col == 10


def test_crlf_line_endings() -> None:
    module = parse_ok("def f(x) =\r\n    let y = x\r\n    y\r\n\r\ndef g() = 'a'\r\n")
    assert [d.name.text for d in module.decls] == ["f", "g"]  # type: ignore[union-attr]
    assert module.decls[1].body.value == "a"  # type: ignore[union-attr]


def test_unicode_names_and_keywords_are_reserved() -> None:
    assert shape(expr("größe + 1")) == ("BinOp", "+", V("größe"), L(1))
    assert parse("def f(with) = 1\n").diagnostics


def test_empty_and_comment_only_files() -> None:
    assert parse_ok("").decls == ()
    assert parse_ok("# only a comment\n\n").comments[0].text == "# only a comment"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_examples_parse_cleanly(path: Path) -> None:
    module = parse_ok(path.read_text(encoding="utf-8"))
    assert module.decls


DOCS = Path(__file__).parents[2] / "docs" / "language.md"


def test_code_blocks_of_the_language_reference_parse() -> None:
    fences = re.findall(
        r"^( *)```(\w*)\n(.*?)^\1```", DOCS.read_text(encoding="utf-8"), re.S | re.M
    )
    blocks = [textwrap.dedent(body) for _, lang, body in fences if lang == ""]
    programs = [b for b in blocks if b.startswith(("def ", "## ", "import "))]
    assert len(programs) >= 6
    for program in programs:
        parse_ok(program)


@pytest.mark.parametrize(
    "source",
    [
        "map(fn(x) => let y = f(x) in g(y), xs)",
        'f"{score:.2f} points"',
        'f"{ {a: 1}.a }"',
        "f\"{get(r, 'k')}\"",
        "1 + (if c then 2 else 3)",
        "x |> (fn(y) => y + 1)",
        "007",
        '(match x with case 0 => "zero" case _ => "other")',
    ],
)
def test_documented_forms(source: str) -> None:
    expr(source)


def test_prefix_not_as_an_operand() -> None:
    assert shape(expr("a == not b")) == ("Compare", "==", V("a"), ("Not", V("b")))


def test_crlf_inside_triple_quoted_strings_reads_as_newline() -> None:
    module = parse_ok('def f() = """a\r\nb"""\r\n')
    assert module.decls[0].body.value == "a\nb"  # type: ignore[union-attr]


def test_byte_order_mark_is_ignored() -> None:
    module = parse_ok("\ufeffdef f() = 1\n")
    assert module.decls[0].name.text == "f"  # type: ignore[union-attr]


def test_comment_after_block_opener() -> None:
    assert shape(body("def f() = # why\n    1\n")) == L(1)


def test_nested_fstrings() -> None:
    node = expr("f\"a {f'{x}!'} b\"")
    assert isinstance(node, ast.FString)
    inner = node.parts[1].expr  # type: ignore[union-attr]
    assert isinstance(inner, ast.FString)
    assert shape(inner.parts[0].expr) == V("x")  # type: ignore[union-attr]
