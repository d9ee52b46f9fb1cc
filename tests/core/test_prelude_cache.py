"""The desugared prelude and the prelude's signatures kept in the user's cache: a warm cache
gives what parsing and desugaring give, without loading the parser, and a damaged entry is
rebuilt, never trusted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from epic_lang import user_cache
from epic_lang.core.desugar import desugar_module
from epic_lang.core.prelude import PreludeGlobals, prelude_path, prelude_syntax
from epic_lang.core.term_json import decode_text, encode_globals, encoded_globals

PROBE = """
import hashlib, sys
from epic_lang.analysis.builtins import prelude_builtins
from epic_lang.core.prelude import prelude_core
core = prelude_core()
infos = prelude_builtins()
digest = hashlib.sha256(repr((core.globals, core.imports, infos)).encode()).hexdigest()
print(digest, "epic_lang.syntax.parser" in sys.modules)
"""


def probe(cache_home: Path) -> list[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_terms_round_trip_through_json() -> None:
    module = desugar_module(prelude_syntax(), prelude_path())
    stored = encoded_globals(json.loads(json.dumps(encode_globals(module))))
    again = tuple((name, decode_text(text)) for name, text in stored.items())
    assert again == module.globals
    assert repr(again) == repr(module.globals)


def test_a_warm_cache_loads_the_prelude_without_the_parser(tmp_path: Path) -> None:
    cold = probe(tmp_path)
    assert cold[1] == "True"
    warm = probe(tmp_path)
    assert warm == [cold[0], "False"]


@pytest.mark.parametrize(
    ("entry", "broken"),
    [
        ("prelude-core", {"globals": [], "imports": []}),
        ("prelude-core", [["f", ["v", "x", 5]]]),
        ("prelude-core", [["f", '["v",3,5]']]),
        ("prelude-core", [["f", '["c",[1],5]']]),
        ("prelude-core", [["f", '["v","x",5'], ["g", '["v","x",5]']]),
        ("prelude-builtins", [["map", 1]]),
        ("prelude-builtins", [["map", [["f", 2]], "doc"]]),
    ],
)
def test_a_damaged_entry_is_rebuilt(tmp_path: Path, entry: str, broken: object) -> None:
    """An entry whose key matches but whose data has the wrong shape (a key only guards
    against stale and foreign entries)."""
    expected = probe(tmp_path)[0]
    (path,) = (tmp_path / "epic").glob(f"{entry}-*.json")
    stored = json.loads(path.read_text(encoding="utf-8"))
    stored["data"] = broken
    path.write_text(json.dumps(stored), encoding="utf-8")
    assert probe(tmp_path)[0] == expected
    assert json.loads(path.read_text(encoding="utf-8"))["data"] != broken  # written again


def test_terms_are_decoded_when_used_and_a_damaged_one_rebuilds_the_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The evaluator decodes only the prelude functions a program uses (`PreludeGlobals`):
    a damaged term is found when first used, and the prelude is then desugared again."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    module = desugar_module(prelude_syntax(), prelude_path())
    expected = dict(module.globals)
    encoded = [
        [name, '["v",3,5]' if name == "map" else text] for name, text in encode_globals(module)
    ]
    definitions = PreludeGlobals("the key", encoded_globals(encoded))
    assert definitions["filter"] == expected["filter"]
    assert user_cache.load("prelude-core", "the key") is None  # nothing rebuilt yet
    assert definitions["map"] == expected["map"]
    assert user_cache.load("prelude-core", "the key") == encode_globals(module)
    assert list(definitions) == list(expected)
    assert definitions.module().globals == module.globals
