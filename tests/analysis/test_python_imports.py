"""Python imports are found without running them."""

from __future__ import annotations

import sys
from pathlib import Path

from epic_lang.analysis.python_imports import find_python_module

LIB = Path(__file__).resolve().parents[1] / "data" / "analysis" / "lib"


def test_standard_modules_are_found() -> None:
    assert find_python_module("math", None).found
    assert find_python_module("json.decoder", None).found
    assert find_python_module("os.path", None).found


def test_missing_modules_are_reported() -> None:
    missing = find_python_module("no_such_module_for_epic_tests", None)
    assert not missing.found and "no_such_module_for_epic_tests" in (missing.problem or "")
    assert not find_python_module("json.no_such_submodule", None).found
    assert not find_python_module("not a name", None).found


def test_submodule_lookup_does_not_import_the_parent() -> None:
    # `email.mime` is a package that nothing in the test run imports first.
    sys.modules.pop("email.mime", None)
    sys.modules.pop("email.mime.text", None)
    assert find_python_module("email.mime.text", None).found
    assert "email.mime.text" not in sys.modules


def test_local_file_members_are_read_not_run(tmp_path: Path) -> None:
    (tmp_path / "tools.py").write_text(
        "raise SystemExit('this file must not run')\n"
        "def f(x):\n    return x\n"
        "try:\n    import json as j\nexcept ImportError:\n    j = None\n"
        "class C:\n    def method(self):\n        pass\n"
        "A, (B, C2) = 1, (2, 3)\n"
        "def setup():\n    global G\n    G = 1\n"
        "if (W := 2):\n    pass\n"
        "match A:\n    case 1:\n        M = 1\n"
    )
    found = find_python_module("./tools.py", tmp_path)
    assert found.found
    assert found.members == {"f", "j", "C", "A", "B", "C2", "setup", "G", "W", "M"}


def test_star_import_or_module_getattr_makes_members_unknown(tmp_path: Path) -> None:
    (tmp_path / "star.py").write_text("from os.path import *\n")
    (tmp_path / "dyn.py").write_text("def __getattr__(name):\n    return name\n")
    assert find_python_module("./star.py", tmp_path).members is None
    assert find_python_module("./dyn.py", tmp_path).members is None


def test_local_file_problems(tmp_path: Path) -> None:
    assert not find_python_module("./absent.py", tmp_path).found
    (tmp_path / "broken.py").write_text("def f(:\n")
    broken = find_python_module("./broken.py", tmp_path)
    assert broken.found and broken.members is None and "line 1" in (broken.problem or "")
    # Without a program path a relative file cannot be looked up, so it is not reported.
    assert find_python_module("./absent.py", None).found


def test_module_name_is_not_looked_up_beside_the_program(tmp_path: Path) -> None:
    # The evaluator imports module names from Python's path only, so the check agrees.
    (tmp_path / "mylocalmod.py").write_text("X = 1\n")
    found = find_python_module("mylocalmod", tmp_path)
    assert not found.found and "`./mylocalmod.py`" in (found.problem or "")
    assert find_python_module("./mylocalmod.py", tmp_path).members == {"X"}
    assert find_python_module("./lib/tools.py", LIB.parent).members is not None


def test_functions_of_a_local_file_are_described_statically(tmp_path: Path) -> None:
    (tmp_path / "tools.py").write_text(
        "import functools\n"
        "def plain(x, y=[1, 2]):\n    '''Adds.'''\n    return x\n"
        "async def later(url, *, timeout=3):\n    return url\n"
        "@functools.cache\ndef cached(x):\n    return x\n"
    )
    functions = find_python_module("./tools.py", tmp_path).functions
    plain = functions["plain"]
    assert plain.signature == "plain(x, y=[1, 2])" and plain.doc == "Adds."
    assert plain.params == (("x", None), ("y", "[1, 2]")) and plain.checkable
    assert plain.line == 2 and not plain.is_async
    later = functions["later"]
    assert later.is_async and not later.checkable and later.signature == "later(url, *, timeout=3)"
    assert not functions["cached"].checkable
