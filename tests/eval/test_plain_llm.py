"""The fast path of `llm(prompt, ...)` requests (`plain_llm`) makes the same request as
binding every parameter, and leaves every call it does not take, valid or not, to the full
binding (so that its errors stay the same)."""

from __future__ import annotations

import itertools
import math
from typing import Any

from epic_lang.eval.errors import EpicError
from epic_lang.eval.externals import bound_request, llm_request, plain_llm
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
    "n": [2],
}


def _outcome(make: Any, args: tuple, kwargs: dict | None) -> Any:
    try:
        return make(args, kwargs)
    except (EpicError, OverflowError) as e:
        return (type(e), str(e))


def test_the_fast_path_makes_the_request_the_full_binding_makes() -> None:
    taken = 0
    for first, second in itertools.combinations_with_replacement(VALUES, 2):
        for a, b in itertools.product(VALUES[first], VALUES[second]):
            kwargs = {first: a, second: b}
            for args in (("q",), (), ("q", "r"), (5,)):
                fast = _outcome(plain_llm, args, kwargs)
                full = _outcome(lambda x, k: bound_request("llm", x, k), args, kwargs)
                if fast is None:
                    assert _outcome(lambda x, k: llm_request("llm", x, k), args, kwargs) == full
                else:
                    taken += 1
                    # `repr`: a request's equality leaves out its timeout and takes 0 for 0.0.
                    assert repr(fast) == repr(full), (args, kwargs)
    assert repr(plain_llm(("q",), None)) == repr(bound_request("llm", ("q",), None))
    assert taken > 100  # the fast path is taken for the common calls
