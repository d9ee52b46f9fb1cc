"""Desugaring of each surface construct, on hand-built trees (so that a desugaring bug is not
mistaken for a parser bug), and the spans of terms desugared from parsed source."""

from __future__ import annotations

from pathlib import Path

from core_build import binop, call, compare, def_, lit, module, name, param, span, var
from core_walk import assert_core_module, subterms

from epic_lang.core import terms as core
from epic_lang.core.desugar import desugar_expr, desugar_module
from epic_lang.core.pretty import show_term
from epic_lang.syntax import ast
from epic_lang.syntax.parser import parse


def show(e: ast.Expr) -> str:
    term = desugar_expr(e)
    list(subterms(term))
    return show_term(term)


def test_literals_and_booleans() -> None:
    t = lit(True)
    assert desugar_expr(t) == core.Var("true", t.span)
    assert desugar_expr(lit(False)).name == "false"  # type: ignore[union-attr]
    n = lit(None)
    assert desugar_expr(n) == core.Const(None, n.span)
    assert show(lit(42)) == "42"
    assert show(lit("hi")) == '"hi"'


def test_if_is_church_application() -> None:
    c, a, b = var("c"), var("a"), var("b")
    e = ast.If(c, a, b, span())
    term = desugar_expr(e)
    assert term == core.App(
        core.Var("c", c.span),
        (
            core.Lam((), (), core.Var("a", a.span), a.span),
            core.Lam((), (), core.Var("b", b.span), b.span),
        ),
        (),
        e.span,
    )


def test_and_or_not() -> None:
    a, b = var("a"), var("b")
    assert show(ast.BoolOp("and", a, b, span())) == "(a (fn () b) (fn () false))"
    assert show(ast.BoolOp("or", a, b, span())) == "(a (fn () true) (fn () b))"
    assert show(ast.Not(a, span())) == "(a (fn () false) (fn () true))"


def test_operators_become_prims() -> None:
    assert show(binop("+", var("a"), lit(1))) == "(#add a 1)"
    assert show(binop("//", var("a"), lit(2))) == "(#floordiv a 2)"
    assert show(binop("**", var("a"), lit(2))) == "(#pow a 2)"
    assert show(compare("not in", var("a"), var("b"))) == "(#not_in a b)"
    assert show(compare("<=", var("a"), var("b"))) == "(#le a b)"
    assert show(ast.Neg(var("x"), span())) == "(#neg x)"
    assert show(ast.Neg(lit(3), span())) == "-3"


def test_access_and_constructors() -> None:
    assert show(ast.Index(var("xs"), lit(0), span())) == "(#index xs 0)"
    assert show(ast.Slice(var("xs"), None, lit(2), span())) == "(#slice xs none 2)"
    assert show(ast.Field(var("r"), name("k"), span())) == '(#field r "k")'
    assert show(ast.TupleExpr((), span())) == "(#tuple)"
    assert show(ast.ListExpr((lit(1), var("x")), span())) == "(#list 1 x)"
    rec = ast.RecordExpr((ast.RecordField("a", span(), False, lit(1), span()),), span())
    assert show(rec) == '(#record "a" 1)'


def test_fstring() -> None:
    hole = ast.FHole(var("x"), ".2f", span())
    plain = ast.FHole(var("y"), None, span())
    e = ast.FString(("a=", hole, " b=", plain), '"', span())
    assert show(e) == '(#concat "a=" (#format x ".2f") " b=" (#format y none))'
    term = desugar_expr(e)
    assert isinstance(term, core.Prim)
    assert term.args[1].span == hole.span
    assert term.args[1].args[0].span == hole.expr.span  # type: ignore[union-attr]


def test_block_and_let_in() -> None:
    block = ast.Block(
        (ast.BlockLet(name("x"), lit(1), span()), ast.BlockLet(name("y"), var("x"), span())),
        binop("+", var("x"), var("y")),
        span(),
    )
    assert show(block) == "(let x 1 (let y x (#add x y)))"
    let_in = ast.LetIn(name("z"), lit(2), var("z"), span())
    assert show(let_in) == "(let z 2 z)"


def test_calls_and_kwargs() -> None:
    assert show(call(var("f"), var("a"), k=lit(1))) == "(f a :k 1)"
    # A keyword argument written before a positional one keeps source evaluation order.
    e = ast.Call(
        call(var("g")),
        (ast.Arg(name("k"), call(var("h")), span()), ast.Arg(None, call(var("i")), span())),
        span(),
    )
    assert show(e) == "(let %f1 (g) (let %a2 (h) (let %a3 (i) (%f1 %a3 :k %a2))))"


def test_pipe() -> None:
    assert show(ast.Pipe(var("x"), var("f"), span())) == "(f x)"
    # `x |> g(y)`: x is evaluated before g(y), as written.
    e = ast.Pipe(call(var("h"), var("x")), call(var("g"), var("y")), span())
    assert show(e) == "(let %p1 (h x) ((g y) %p1))"


def test_lambda_and_def_defaults() -> None:
    lam = ast.Lambda((param("x"), param("y", lit(2))), var("x"), span())
    assert show(lam) == "(fn (x y=2) x)"
    d = def_("f", [param("a")], var("a"))
    m = desugar_module(module(d), "m.epic")
    assert m.path == "m.epic"
    ((fname, term),) = m.globals
    assert fname == "f" and isinstance(term, core.Lam)
    assert term.name == "f" and term.span == d.span
    assert_core_module(m)


def test_imports_and_top_level_let() -> None:
    imp = ast.Import(True, "math", span(), name("math"), span())
    let = ast.LetDecl(name("g"), ast.Field(var("math"), name("pi"), span()), None, span())
    m = desugar_module(module(imp, let))
    assert m.imports == (core.CoreImport("math", True, "math", imp.span),)
    assert show_term(m.globals[0][1]) == '(#field math "pi")'


def test_match_literal_and_wildcard() -> None:
    e = ast.Match(
        var("x"),
        (
            ast.Case(ast.PLiteral(1, "1", span()), lit("one"), span()),
            ast.Case(ast.PWildcard(span()), lit("other"), span()),
        ),
        span(),
    )
    assert show(e) == '(let %m1 x ((#eq %m1 1) (fn () "one") (fn () "other")))'


def test_match_list_patterns_bind_names_last() -> None:
    rest = ast.PList((ast.PName(name("h"), span()),), name("t"), span())
    e = ast.Match(
        var("xs"),
        (
            ast.Case(ast.PList((), None, span()), lit(0), span()),
            ast.Case(rest, var("h"), span()),
        ),
        span(),
    )
    text = show(e)
    # The second case has two tests, so the failure continuation is bound once.
    assert "(let %next" in text
    assert "(#match_fail %m1)" in text
    assert "(let h (#index %m1 0) (let t (#slice %m1 1 none) h))" in text
    assert "(#len_ge %m1 1)" in text and "(#len_eq %m1 0)" in text


def test_match_nested_tuple_and_record() -> None:
    inner = ast.PTuple((ast.PName(name("a"), span()), ast.PWildcard(span())), span())
    rec = ast.PRecord(
        (
            ast.PRecordField("k", span(), inner, span()),
            ast.PRecordField("v", span(), ast.PLiteral(True, "true", span()), span()),
        ),
        span(),
    )
    e = ast.Match(var("r"), (ast.Case(rec, var("a"), span()),), span())
    text = show(e)
    for piece in (
        '(#type_is %m1 "record")',
        '(#has_key %m1 "k")',
        "(let %t",
        "(#type_is %t",
        '"tuple")',
        "(#len_eq %t",
        '(#eq (#field %m1 "v") true)',
        "(let a (#index %t",
    ):
        assert piece in text, piece


def test_spans_are_those_of_the_surface_nodes() -> None:
    x = var("x")
    e = binop("*", x, lit(2))
    term = desugar_expr(e)
    assert term.span == e.span
    assert isinstance(term, core.Prim) and term.args[0].span == x.span


def test_spans_point_at_the_source_text() -> None:
    """Desugared from real source, every variable's span covers its name in the text, and
    every node's span lies inside the declaration it came from."""
    data = Path(__file__).parent.parent / "data" / "core"
    for path in sorted(data.glob("*.epic")):
        text = path.read_text(encoding="utf-8")
        parsed = parse(text, str(path))
        decls = [d for d in parsed.module.decls if not isinstance(d, ast.Import)]
        m = desugar_module(parsed.module, str(path))
        for decl, (_, term) in zip(decls, m.globals, strict=True):
            for node in subterms(term):
                assert decl.span.start <= node.span.start <= node.span.end <= decl.span.end
                user_var = isinstance(node, core.Var) and node.name[0] != "%"
                if user_var and node.name not in ("true", "false"):
                    assert text[node.span.start : node.span.end] == node.name


def test_match_spans() -> None:
    pattern = ast.PLiteral(1, "1", span())
    case = ast.Case(pattern, lit("one"), span())
    e = ast.Match(var("x"), (case,), span())
    term = desugar_expr(e)
    assert isinstance(term, core.Let) and term.span == e.span
    test = term.body
    assert isinstance(test, core.App) and test.span == pattern.span
    assert isinstance(test.func, core.Prim) and test.func.span == pattern.span
    fail = test.args[1]
    assert isinstance(fail, core.Lam) and isinstance(fail.body, core.Prim)
    assert fail.body.op == "match_fail" and fail.body.span == e.span


def test_try_is_a_call_of_the_try_builtin() -> None:
    e = ast.Try(call(var("f"), var("x")), name("err"), var("err"), span())
    assert show(e) == "(_try (fn () (f x)) (fn (err) err))"


def test_pipe_into_placeholder() -> None:
    hole = ast.Arg(None, ast.Placeholder(span()), span())
    into = ast.Call(var("map"), (ast.Arg(None, var("f"), span()), hole), span())
    assert show(ast.Pipe(var("xs"), into, span())) == "(map f xs)"
    # The piped value comes first in the source, so it is evaluated first.
    keyword = ast.Call(
        var("llm"), (ast.Arg(name("prompt"), ast.Placeholder(span()), span()),), span()
    )
    assert show(ast.Pipe(call(var("h"), var("x")), keyword, span())) == (
        "(let %p1 (h x) (llm :prompt %p1))"
    )


def test_record_update_merges_a_lazy_record() -> None:
    field = ast.RecordField("k", span(), False, call(var("f")), span())
    e = ast.RecordUpdate(var("r"), (field,), span())
    assert show(e) == '(#record_merge r (#record "k" (f)))'


def test_destructuring_let_is_a_one_case_match() -> None:
    pattern = ast.PTuple((ast.PName(name("a"), span()), ast.PWildcard(span())), span())
    e = ast.LetInUnpack(pattern, var("p"), var("a"), span())
    text = show(e)
    assert text.split()[:3] == ["(let", "%u1", "p"]
    assert "(#unpack_fail %u1)" in text and "match_fail" not in text
    block = ast.Block((ast.BlockUnpack(pattern, var("p"), span()),), var("a"), span())
    assert show(block) == text
