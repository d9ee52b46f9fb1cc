"""The forms added for issue 11 (docs/language.md §3, §5, §6): `try`, blocks after `then`,
`else` and `try` and inside bracketed `fn` bodies, destructuring `let`, record update, the
pipe's `_` placeholder and the record pattern shorthand."""

from __future__ import annotations

import pytest
from syntax_helpers import body, expr, parse_ok, shape

from epic_lang.syntax import ast
from epic_lang.syntax.lexer import tokenize
from epic_lang.syntax.parser import parse

V = lambda n: ("Var", n)  # noqa: E731 - a shorthand for the expected trees
L = lambda v: ("Literal", v)  # noqa: E731
N = lambda n: ("Name", n)  # noqa: E731


def errors(text: str) -> list[str]:
    return [f"{d.span.line}:{d.span.col}: {d.message}" for d in parse(text).diagnostics]


# ---- try


def test_try_on_one_line_and_the_extent_of_its_handler() -> None:
    assert shape(expr("try f(x) catch err => err.message + 1")) == (
        "Try",
        ("Call", V("f"), (("Arg", None, V("x")),)),
        N("err"),
        ("BinOp", "+", ("Field", V("err"), N("message")), L(1)),
    )


def test_nested_try_takes_the_nearest_catch() -> None:
    tree = shape(expr("try try a catch e => b catch f => c"))
    assert tree == ("Try", ("Try", V("a"), N("e"), V("b")), N("f"), V("c"))


def test_try_is_a_whole_expression_like_if() -> None:
    assert errors("def f() = 1 + try a catch e => b\n") != []
    assert shape(expr("1 + (try a catch e => b)"))[0] == "BinOp"


def test_try_and_catch_with_blocks() -> None:
    text = (
        "def f(p) =\n"
        "    let r =\n"
        "        try\n"
        "            let raw = llm(p)\n"
        "            json_parse(raw)\n"
        "        catch err =>\n"
        "            let m = err.message\n"
        "            {error: m}\n"
        "    r\n"
    )
    tree = body(text)
    assert isinstance(tree, ast.Block)
    value = tree.lets[0].value
    assert isinstance(value, ast.Try)
    assert isinstance(value.body, ast.Block) and isinstance(value.handler, ast.Block)
    assert value.name.text == "err"


def test_catch_on_the_next_line_continues() -> None:
    text = "def f(p) =\n    try llm(p)\n    catch _ => none\n"
    assert shape(body(text)) == (
        "Try",
        ("Call", V("llm"), (("Arg", None, V("p")),)),
        N("_"),
        L(None),
    )


def test_try_and_catch_are_keywords() -> None:
    assert errors("def try() = 1\n") == [
        "1:5: expected the function's name after `def`, found `try`"
    ]


# ---- blocks after then and else


def test_blocks_after_then_and_else() -> None:
    text = (
        "def f(n) =\n"
        "    if n < 0 then\n"
        "        let m = -n\n"
        "        m * 2\n"
        "    else if n == 0 then 0\n"
        "    else\n"
        "        let h = n // 2\n"
        "        h\n"
    )
    tree = body(text)
    assert isinstance(tree, ast.If)
    assert isinstance(tree.then, ast.Block) and tree.then.lets[0].name.text == "m"
    inner = tree.orelse
    assert isinstance(inner, ast.If) and isinstance(inner.orelse, ast.Block)


def test_the_old_layouts_of_if_mean_what_they_meant() -> None:
    blocks = 'def f(x) =\n    if x then\n        "yes"\n    else\n        "no"\n'
    chained = 'def f(x) =\n    if x then "yes"\n    else "no"\n'
    flat = 'def f(x) = if x then "yes" else "no"\n'
    assert shape(body(blocks)) == shape(body(chained)) == shape(body(flat))


def test_an_else_below_a_then_block_in_a_let_value() -> None:
    text = "def f(c) =\n    let x = if c then\n        let a = 1\n        a\n    else 2\n    x\n"
    tree = body(text)
    assert isinstance(tree, ast.Block)
    value = tree.lets[0].value
    assert isinstance(value, ast.If) and isinstance(value.then, ast.Block)
    assert shape(value.orelse) == L(2)


# ---- blocks inside brackets


def test_a_multi_line_fn_argument_is_a_block() -> None:
    text = "def f(xs) =\n    map(fn(x) =>\n        let y = x * 2\n        y + 1, xs)\n"
    tree = body(text)
    assert isinstance(tree, ast.Call)
    lam = tree.args[0].value
    assert isinstance(lam, ast.Lambda) and isinstance(lam.body, ast.Block)
    assert shape(tree.args[1].value) == V("xs")


@pytest.mark.parametrize(
    "closing",
    [
        "        y,\n    xs,\n)\n",  # a comma after the last line
        "        y\n    , xs)\n",  # a line less indented than the block
        "        y\n        , xs)\n",  # a comma starting a line of the block
    ],
)
def test_what_ends_a_block_inside_brackets(closing: str) -> None:
    text = "def f(xs) =\n    map(\n    fn(x) =>\n        let y = x\n" + closing
    tree = body(text)
    assert isinstance(tree, ast.Call) and len(tree.args) == 2
    assert isinstance(tree.args[0].value, ast.Lambda)


def test_a_closing_bracket_ends_the_block() -> None:
    text = "def f(g) = g(fn(x) =>\n    let y = x\n    y)\n"
    tree = body(text)
    assert isinstance(tree, ast.Call) and isinstance(tree.args[0].value, ast.Lambda)


def test_nested_blocks_inside_brackets_with_then_and_match() -> None:
    text = (
        "def f(xs) =\n"
        "    map(fn(x) =>\n"
        "        let ys = map(fn(y) =>\n"
        "            let z = y + x\n"
        "            z, xs)\n"
        "        if x > 0 then\n"
        "            let s = sum(ys)\n"
        "            s\n"
        "        else\n"
        "            match ys with\n"
        "                case [] => 0\n"
        "                case [h, ..._] => h, xs)\n"
    )
    lam = body(text).args[0].value  # type: ignore[union-attr]
    assert isinstance(lam, ast.Lambda) and isinstance(lam.body, ast.Block)
    result = lam.body.result
    assert isinstance(result, ast.If) and isinstance(result.orelse, ast.Match)


def test_a_let_in_line_inside_a_bracketed_block_stays_an_expression() -> None:
    # The formatter wrote this before blocks existed inside brackets.
    text = (
        "def f(xs) =\n"
        "    map(\n"
        "        fn(x) =>\n"
        "            let y = x in\n"
        "            y + 1,\n"
        "        xs,\n"
        "    )\n"
    )
    lam = body(text).args[0].value  # type: ignore[union-attr]
    assert isinstance(lam, ast.Lambda) and isinstance(lam.body, ast.LetIn)


def test_a_line_break_after_arrow_without_indentation_is_still_ignored() -> None:
    assert shape(expr("map(fn(x) =>\nx + 1, xs)")) == shape(expr("map(fn(x) => x + 1, xs)"))


def test_a_tab_inside_brackets_is_not_an_indentation_error() -> None:
    assert errors("def f() = (1 +\n \t2)\n") == []


def test_the_layout_tokens_of_a_block_inside_brackets() -> None:
    text = "def f(g) = g(fn(x) =>\n    x, 1)\n"
    kinds = [t.type for t in tokenize(text).tokens]
    arrow = kinds.index("ARROW")
    assert kinds[arrow : arrow + 6] == ["ARROW", "_INDENT", "NAME", "_NL", "_DEDENT", "COMMA"]


# ---- destructuring


def test_destructuring_let_lines() -> None:
    text = (
        "def f(pair, r) =\n"
        "    let (a, (b, c)) = pair\n"
        "    let [first, ...rest] = a\n"
        "    let {name, age: years} = r\n"
        "    (a, b, c, first, rest, name, years)\n"
    )
    tree = body(text)
    assert isinstance(tree, ast.Block)
    kinds = [type(let).__name__ for let in tree.lets]
    assert kinds == ["BlockUnpack"] * 3
    record = tree.lets[2]
    assert isinstance(record, ast.BlockUnpack)
    assert shape(record.pattern) == (
        "PRecord",
        (
            ("PRecordField", "name", ("PName", N("name"))),
            ("PRecordField", "age", ("PName", N("years"))),
        ),
    )


def test_destructuring_let_in() -> None:
    tree = expr("let (x, y) = p in x + y")
    assert isinstance(tree, ast.LetInUnpack)
    assert shape(tree.pattern) == ("PTuple", (("PName", N("x")), ("PName", N("y"))))


def test_record_shorthand_in_match_patterns() -> None:
    tree = expr('(match r with case {kind: "a", size} => size case _ => 0)')
    assert isinstance(tree, ast.Match)
    field = tree.cases[0].pattern.fields[1]  # type: ignore[union-attr]
    assert field.key == "size" and field.pattern.span == field.key_span


def test_a_top_level_let_takes_a_name_only() -> None:
    assert errors("let (a, b) = (1, 2)\n") == [
        "1:5: a top-level `let` binds one name; destructure on a `let` line inside a `def`"
    ]


# ---- record update and pipes


def test_record_update() -> None:
    assert shape(expr('{...r, k: 1, "two words": 2,}')) == (
        "RecordUpdate",
        V("r"),
        (("RecordField", "k", False, L(1)), ("RecordField", "two words", True, L(2))),
    )
    assert shape(expr("{...base(x)}")) == (
        "RecordUpdate",
        ("Call", V("base"), (("Arg", None, V("x")),)),
        (),
    )


def test_spread_comes_first() -> None:
    assert errors("def f(r) = {a: 1, ...r}\n") != []


def test_pipe_placeholders() -> None:
    tree = expr('s |> split(_, ",") |> map(f, _) |> llm(prompt=_)')
    assert shape(tree) == (
        "Pipe",
        (
            "Pipe",
            (
                "Pipe",
                V("s"),
                ("Call", V("split"), (("Arg", None, ("Placeholder",)), ("Arg", None, L(",")))),
            ),
            ("Call", V("map"), (("Arg", None, V("f")), ("Arg", None, ("Placeholder",)))),
        ),
        ("Call", V("llm"), (("Arg", N("prompt"), ("Placeholder",)),)),
    )


def test_underscore_elsewhere_is_a_name() -> None:
    tree = expr("x |> f(g(_))")
    assert shape(tree) == (
        "Pipe",
        V("x"),
        ("Call", V("f"), (("Arg", None, ("Call", V("g"), (("Arg", None, V("_")),))),)),
    )
    assert shape(expr("f(_)")) == ("Call", V("f"), (("Arg", None, V("_")),))


def test_one_placeholder_per_call() -> None:
    assert errors("def f(x) = x |> g(_, _)\n") == [
        "1:22: only one argument can be `_`, the piped value"
    ]


def test_membership_keeps_its_meaning() -> None:
    assert shape(expr("x not in xs")) == ("Compare", "not in", V("x"), V("xs"))
    assert shape(parse_ok('let found = "cat" in text\n').decls[0].value) == (  # type: ignore[union-attr]
        "Compare",
        "in",
        L("cat"),
        V("text"),
    )


def test_a_binding_line_inside_a_bracketed_block_may_test_not_in() -> None:
    text = "def f(xs) =\n    map(fn(x) =>\n        let ok = x not in xs\n        ok, xs)\n"
    lam = body(text).args[0].value  # type: ignore[union-attr]
    assert isinstance(lam, ast.Lambda) and isinstance(lam.body, ast.Block)
    assert shape(lam.body.lets[0].value) == ("Compare", "not in", V("x"), V("xs"))
