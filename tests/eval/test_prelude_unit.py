"""The prelude compiled a definition at a time (eval/prelude_unit.py): a program links to the
prelude functions it uses, each compiled with every prelude definition it needs, and programs
on several threads get the same closures."""

from __future__ import annotations

import threading

import pytest
from core_helpers import MINI_PRELUDE, app, lam, module, v

from epic_lang.core.prelude import prelude_globals, prelude_path, prelude_text
from epic_lang.eval.errors import EpicRuntimeError
from epic_lang.eval.prelude_unit import UNSET, PreludeUnit
from epic_lang.eval.program import Program, _outside_prelude, load_source


def fresh_unit(opportunistic: bool = True) -> PreludeUnit:
    return PreludeUnit(
        prelude_globals(), prelude_path(), prelude_text(), opportunistic, _outside_prelude
    )


def test_a_definition_is_compiled_with_what_it_needs_and_nothing_else() -> None:
    unit = fresh_unit()
    f = unit.value("map")
    assert f is not UNSET
    assert unit.value("map") is f  # compiled once
    assert "map" in unit.gnames
    assert "_map_range" in unit.gnames  # a helper that map calls
    assert "sort_by" not in unit.gnames
    assert [name for name, g in unit.gnames.items() if unit.gvals[g] is UNSET] == []


@pytest.mark.parametrize("mode", ["opportunistic", "sequential"])
def test_programs_run_on_prelude_functions_compiled_on_demand(mode: str) -> None:
    first = load_source("def main() = map(fn(x) => x * 2, [1, 2, 3])\n")
    later = load_source("def main() = sort_by(fn(x) => -x, filter(fn(x) => x > 1, [1, 2, 3]))\n")
    assert first.call("main", mode=mode) == [2, 4, 6]
    assert later.call("main", mode=mode) == [3, 2]
    assert first.call("main", mode=mode) == [2, 4, 6]


def test_threads_linking_at_once_share_one_closure() -> None:
    unit = fresh_unit()
    names = ["sort_by", "fold", "zip", "enumerate", "flat_map", "max_by"] * 4
    results: dict[int, object] = {}
    start = threading.Barrier(len(names))

    def link(i: int) -> None:
        start.wait()
        results[i] = unit.value(names[i])

    threads = [threading.Thread(target=link, args=(i,)) for i in range(len(names))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, name in enumerate(names):
        assert results[i] is unit.value(name)
    assert [name for name, g in unit.gnames.items() if unit.gvals[g] is UNSET] == []


def test_a_prelude_naming_an_unknown_function_fails_when_linked() -> None:
    broken = module(*MINI_PRELUDE.globals, ("helper", lam("x", app("nowhere", v("x")), "helper")))
    program = Program(module(("main", lam("", app("helper", v("true")), "main"))), prelude=broken)
    with pytest.raises(EpicRuntimeError, match="unknown name `nowhere`"):
        program.call("main")
