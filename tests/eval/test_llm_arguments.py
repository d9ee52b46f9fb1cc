"""The quick binding of `llm(prompt, ...)`-shaped calls (`llm_arguments`) binds them as
`bind_arguments` does; the checks of the values after it are one path for every call."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest

from epic_lang.eval.errors import EpicError
from epic_lang.eval.externals import (
    _LLM_OPTIONS,
    _LLM_PARAMETERS,
    _LLM_POSITIONAL,
    bind_arguments,
    llm_arguments,
    llm_request,
)
from epic_lang.eval.values import TRUE

VALUES: dict[str, list[Any]] = {
    "system": ["be brief", None, 3],
    "model": ["m", None, TRUE],
    "temperature": [0, 0.7, 2, True, "hot", 10**400],
    "max_tokens": [8, 8.0, None, False],
    "timeout": [None, 30, 1.5, 0, -1, math.inf, math.nan, "soon"],
    "stop": [["\n"]],
    "regex": ["a+"],
    "prompt": ["again"],
    "messages": [[]],
    "k": [3],
    "n": [2],
}


def _outcome(make: Any, *args: Any) -> Any:
    try:
        return make(*args)
    except (EpicError, OverflowError) as e:
        return (type(e), str(e))


@pytest.mark.parametrize("name", sorted(_LLM_PARAMETERS))
def test_the_quick_binding_binds_as_bind_arguments_does(name: str) -> None:
    params, defaults = _LLM_PARAMETERS[name]
    quick = 0
    for first, second in itertools.combinations_with_replacement(VALUES, 2):
        for a, b in itertools.product(VALUES[first], VALUES[second]):
            kwargs = {first: a, second: b}
            for args in (("q",), (), ("q", "r"), (5,)):
                got = _outcome(llm_arguments, name, args, kwargs)
                positional = _LLM_POSITIONAL[name]
                full = _outcome(bind_arguments, name, params, defaults, args, kwargs, positional)
                assert got == full, (args, kwargs)
                quick += len(args) == 1 and set(kwargs) <= _LLM_OPTIONS.get(name, set())
    # Calls shaped like `llm(prompt, max_tokens=8)` are the ones bound quickly.
    assert (quick > 100) == (name in ("llm", "llm_stream", "llm_chat", "llm_next"))


def test_bad_options_of_a_plain_call_fail_as_before() -> None:
    assert _outcome(llm_request, "llm", ("q",), {"max_tokens": 8.0}) == (
        EpicError,
        "`llm` expects max_tokens to be an int, got float",
    )
    assert _outcome(llm_request, "llm", ("q",), {"timeout": -1}) == (
        EpicError,
        "`llm` expects timeout to be a number of seconds above 0",
    )
