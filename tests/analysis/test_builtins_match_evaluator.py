"""The documented signatures are the ones the evaluator really binds arguments with."""

from __future__ import annotations

import json

from epic_lang.analysis.builtins import BUILTINS
from epic_lang.eval.builtins import BUILTIN_FUNCTIONS
from epic_lang.eval.externals import LLM_SIGNATURES


def value_of(default: str) -> object:
    """An EPIC default's source text as the Python value the evaluator uses."""
    words = {"none": None, "true": True, "false": False}
    return words[default] if default in words else json.loads(default)


def test_pure_builtins_match() -> None:
    documented = {n for n, info in BUILTINS.items() if info.kind == "builtin"}
    assert documented == set(BUILTIN_FUNCTIONS)
    for name, builtin in BUILTIN_FUNCTIONS.items():
        params = BUILTINS[name].params
        assert tuple(p for p, _ in params) == builtin.params, name
        defaults = {p: value_of(d) for p, d in params if d is not None}
        assert defaults == builtin.defaults, name


def test_llm_externals_match() -> None:
    assert {n for n, info in BUILTINS.items() if info.kind == "llm"} == set(LLM_SIGNATURES)
    for name, (params, defaults) in LLM_SIGNATURES.items():
        documented = BUILTINS[name].params
        assert tuple(p for p, _ in documented) == params, name
        assert {p: value_of(d) for p, d in documented if d is not None} == defaults, name
