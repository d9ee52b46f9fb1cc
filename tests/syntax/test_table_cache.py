"""The parse tables kept in the user's cache (lalr.py, user_cache.py): a warm cache parses
without importing lark, and a missing, corrupt or foreign entry is rebuilt, never trusted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from epic_lang import user_cache
from epic_lang.syntax.lalr import tables

PROBE = """
import sys
from epic_lang.syntax.parser import parse
result = parse("def main() = [x * 2 for_each]\\ndef f(a, b=1) = a[1:]\\n")
print(len(result.module.decls), len(result.diagnostics), "lark" in sys.modules)
"""


def probe(cache_home: Path) -> list[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def entry(cache_home: Path) -> Path:
    (found,) = (cache_home / "epic").glob("lalr-tables-*.json")
    return found


def test_a_warm_cache_parses_without_lark(tmp_path: Path) -> None:
    cold = probe(tmp_path)
    assert cold[2] == "True"  # built with lark, then stored
    assert entry(tmp_path).is_file()
    warm = probe(tmp_path)
    assert warm[:2] == cold[:2]
    assert warm[2] == "False"


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # cut short
        lambda text: text.replace('"reductions"', '"reductionz"'),  # right key, wrong shape
        lambda text: json.dumps({**json.loads(text), "key": "someone else's"}),
        lambda text: "\x00\xff not json",
    ],
)
def test_a_damaged_entry_is_rebuilt(tmp_path: Path, damage: object) -> None:
    expected = probe(tmp_path)[:2]
    path = entry(tmp_path)
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")  # type: ignore[operator]
    assert probe(tmp_path)[:2] == expected
    assert probe(tmp_path)[2] == "False"  # the rebuilt entry was written back


def test_an_unwritable_cache_only_costs_time(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("", encoding="utf-8")
    assert probe(blocked)[2] == "True"


def test_store_and_load_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    user_cache.store("thing", "k1", {"a": [1, 2]})
    assert user_cache.load("thing", "k1") == {"a": [1, 2]}
    assert user_cache.load("thing", "k2") is None
    assert user_cache.load("other", "k1") is None
    assert [p.name for p in (tmp_path / "epic").iterdir()] == [  # no temporary file left
        f"thing-{zlib.crc32(b'k1'):08x}.json"
    ]


def test_versions_keep_their_own_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two versions of EPIC on one machine, alternating, each find their own entry; only
    the `KEEP` newest entries of a name are kept besides the one just stored."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    user_cache.store("thing", "old", 1)
    user_cache.store("thing", "new", 2)
    assert (user_cache.load("thing", "old"), user_cache.load("thing", "new")) == (1, 2)
    for i in range(user_cache.KEEP + 2):
        user_cache.store("thing", f"key {i}", i)
    assert user_cache.load("thing", f"key {user_cache.KEEP + 1}") == user_cache.KEEP + 1
    assert len(list((tmp_path / "epic").glob("thing-*.json"))) == user_cache.KEEP + 1


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """The XDG spec: a relative path is invalid; the cache must not follow the current
    directory into a project."""
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")
    assert user_cache.cache_root() == Path.home() / ".cache" / "epic"


def test_the_start_symbols_share_one_automaton() -> None:
    """lark builds one table for both start symbols; it is stored and loaded once."""
    decl, hole = tables()["decl"], tables()["hole"]
    assert decl.actions is hole.actions and decl.gotos is hole.gotos
    assert decl.start_state != hole.start_state
