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
    )
    found = find_python_module("./tools.py", tmp_path)
    assert found.found and found.members == {"f", "j", "C", "A", "B", "C2"}


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


def test_module_beside_the_program_is_found(tmp_path: Path) -> None:
    (tmp_path / "mylocalmod.py").write_text("X = 1\n")
    assert find_python_module("mylocalmod", tmp_path).found
    assert find_python_module("./lib/tools.py", LIB.parent).members is not None
