"""The evaluator binds the arguments of built-ins by the one table of built-ins.

Each call shape (how many positional arguments, which keywords) is run through the real
evaluator: a pure built-in through a program that hides the callee from the static checks,
an LLM external through the request it would send. The evaluator must refuse exactly the
shapes that the table's parameter list refuses, and the static checks must agree.
"""

from __future__ import annotations

import pytest

from epic_lang.analysis.builtins import BUILTINS, LLM_BUILTINS, PURE_BUILTINS, BuiltinInfo
from epic_lang.analysis.checks import check_source
from epic_lang.eval import run_source
from epic_lang.eval.errors import EpicError
from epic_lang.eval.externals import llm_request
from epic_lang.eval.program import EpicRuntimeError

BINDING_WORDS = (
    "takes at most",
    "has no parameter",
    "missing argument",
    "two values for",
    "keyword-only",
)
BINDING_CODES = ("arity", "unknown-keyword", "duplicate-argument", "positional-option")


def _shapes(info: BuiltinInfo) -> list[tuple[int, tuple[str, ...]]]:
    """(positional count, keywords) calls around the edges of the table's parameter list."""
    names = [name for name, _ in info.params]
    shapes: list[tuple[int, tuple[str, ...]]] = [(n, ()) for n in range(len(names) + 2)]
    shapes += [(0, tuple(names)), (info.required, ("no_such_parameter",))]
    shapes += [(1, (names[0],))]  # the first parameter twice
    shapes += [(info.required, (name,)) for name, default in info.params if default is not None]
    shapes += [(0, tuple(n for n, d in info.params if d is not None))]  # only the optional ones
    return shapes


def _binds(info: BuiltinInfo, positional: int, keywords: tuple[str, ...]) -> bool:
    """What the table says: whether such a call gives every parameter exactly one value."""
    names = [name for name, _ in info.params]
    if positional > len(names) or any(k not in names for k in keywords):
        return False
    if info.positional is not None and positional > info.positional:
        return False  # an option given by position
    given = names[:positional] + list(keywords)
    required = [name for name, default in info.params if default is None]
    return len(given) == len(set(given)) and all(r in given for r in required)


def _call(positional: int, keywords: tuple[str, ...]) -> str:
    return ", ".join(["0"] * positional + [f"{k}=0" for k in keywords])


def _refused_by_evaluator(error: str) -> bool:
    return any(word in error for word in BINDING_WORDS)


@pytest.mark.parametrize("info", PURE_BUILTINS, ids=lambda i: i.name)
def test_pure_builtins_bind_by_the_table(info: BuiltinInfo) -> None:
    for positional, keywords in _shapes(info):
        args = _call(positional, keywords)
        # Called through a parameter, so the static checks cannot see which function it is.
        text = f"def call(f) = f({args})\ndef main() = call({info.name})\n"
        try:
            run_source(text)
            error = ""
        except EpicRuntimeError as e:
            error = str(e)
        shape = f"{info.name}({args})"
        assert _refused_by_evaluator(error) != _binds(info, positional, keywords), (shape, error)
        checked = check_source(f"def main() = {info.name}({args})\n")
        statically = any(d.code in BINDING_CODES for d in checked)
        assert statically != _binds(info, positional, keywords), (shape, checked)


@pytest.mark.parametrize("info", LLM_BUILTINS, ids=lambda i: i.name)
def test_llm_externals_bind_by_the_table(info: BuiltinInfo) -> None:
    for positional, keywords in _shapes(info):
        try:
            llm_request(info.name, ["0"] * positional, {k: "0" for k in keywords})
            error = ""
        except EpicError as e:
            error = str(e)
        shape = f"{info.name}({_call(positional, keywords)})"
        assert _refused_by_evaluator(error) != _binds(info, positional, keywords), (shape, error)
        checked = check_source(f"def main() = {shape}\n")
        statically = any(d.code in BINDING_CODES for d in checked)
        assert statically != _binds(info, positional, keywords), (shape, checked)


def _default(name: str, param: str) -> str:
    text = dict(BUILTINS[name].params)[param]
    assert text is not None, (name, param)
    return text


def test_llm_defaults_are_the_tables() -> None:
    sample = llm_request("llm_sample", ["a prompt", 2], {})
    assert sample.temperature == float(_default("llm_sample", "temperature")) == 0.8
    assert sample.max_tokens == int(_default("llm_sample", "max_tokens"))
    assert sample.system is None and _default("llm_sample", "system") == "none"
    assert llm_request("llm_next", ["a prompt"], {}).k == int(_default("llm_next", "k"))


def test_pure_defaults_are_the_tables() -> None:
    # `join`'s `sep` defaults to "" and `get`'s `default` to none, as the table writes them.
    assert _default("join", "sep") == '""'
    assert run_source('def main() = join(["a", "b"])\n').value == "ab"
    assert _default("get", "default") == "none"
    assert run_source('def main() = get({a: 1}, "b")\n').value is None
