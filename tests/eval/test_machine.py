"""The machine on hand-built core terms (no parser): deep recursion, long loops, booleans,
user-written Church conditions and the Python-boolean boundary."""

from __future__ import annotations

import pytest
from core_helpers import app, c, if_, lam, let, prim, program, v

from epic_lang.eval.values import FALSE, TRUE, format_value, from_python, to_python

MODES = ("opportunistic", "sequential")

DOWN = lam(
    "n",
    if_(prim("eq", v("n"), c(0)), c(0), prim("add", c(1), app("down", prim("sub", v("n"), c(1))))),
    "down",
)
LOOP = lam(
    "n acc",
    if_(
        prim("eq", v("n"), c(0)),
        v("acc"),
        app("loop", prim("sub", v("n"), c(1)), prim("add", v("acc"), c(1))),
    ),
    "loop",
)


@pytest.mark.parametrize("mode", MODES)
def test_deep_non_tail_recursion(mode: str) -> None:
    assert program(("down", DOWN)).call("down", 100_000, mode=mode) == 100_000


@pytest.mark.parametrize("mode", MODES)
def test_million_step_tail_loop(mode: str) -> None:
    assert program(("loop", LOOP)).call("loop", 1_000_000, 0, mode=mode) == 1_000_000


@pytest.mark.parametrize("mode", MODES)
def test_user_written_church_condition(mode: str) -> None:
    # my_true = fn(t, f) => t(); if my_true then 1 else 2 calls the branch as a function
    main = lam("", if_(v("my_true"), let("x", c(1), v("x")), c(2)), "main")
    my_true = lam("t f", app("t"), "my_true")
    assert program(("my_true", my_true), ("main", main)).call("main", mode=mode) == 1


@pytest.mark.parametrize("mode", MODES)
def test_defaults_and_keywords(mode: str) -> None:
    f = lam("a b", prim("tuple", v("a"), v("b")), "f", b=prim("add", v("a"), c(1)))
    main = lam(
        "", prim("tuple", app("f", c(1)), app("f", c(1), b=c(5)), app("f", b=c(0), a=c(9))), "main"
    )
    assert program(("f", f), ("main", main)).call("main", mode=mode) == ((1, 2), (1, 5), (9, 0))


def test_booleans_cross_the_boundary() -> None:
    assert from_python(True) is TRUE and from_python(False) is FALSE
    assert to_python([TRUE, (FALSE,)]) == [True, (False,)]
    assert format_value({"ok": TRUE, "x": [None, 1.5, "s"]}) == '{ok: true, x: [none, 1.5, "s"]}'
    not_ = lam("b", if_(v("b"), v("false"), v("true")), "not_")
    assert program(("not_", not_)).call("not_", True) is False


def test_closures_capture_values() -> None:
    adder = lam("n", lam("x", prim("add", v("x"), v("n"))), "adder")
    main = lam("", let("add2", app("adder", c(2)), app("add2", c(40))), "main")
    assert program(("adder", adder), ("main", main)).call("main") == 42
