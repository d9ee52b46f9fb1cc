"""`epic check` and the editor report the same diagnostics for the same text.

Both go through `checks.check_parsed`; this property test holds them to it over a few
thousand texts made by the front-end fuzzer's deterministic generators (mutated, truncated
and commented copies of the examples and test data, and token soup), with a fixed seed so a
failure names a case that can be rerun with `python tests/qa/fuzz_frontend.py --case N`.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from epic_lang.analysis.checks import check_source
from epic_lang.analysis.command import check_file
from epic_lang.diagnostics import Diagnostic
from epic_lang.ide.document import Analysis

ROOT = Path(__file__).resolve().parents[2]
CASES = 3000


def _fuzzer() -> ModuleType:
    """The fuzzer's module (tests/qa is not a package), shared with its own tests."""
    loaded = sys.modules.get("fuzz_frontend")
    if loaded is not None:
        return loaded
    spec = importlib.util.spec_from_file_location(
        "fuzz_frontend", ROOT / "tests" / "qa" / "fuzz_frontend.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_frontend"] = module
    spec.loader.exec_module(module)
    return module


def _texts(count: int) -> list[tuple[int, str, str]]:
    """(case number, path the text pretends to be at, text). A path beside the original file
    makes its relative imports resolve; bytes-level cases are left to the file reader's tests."""
    fuzz = _fuzzer()
    files = fuzz.corpus()
    texts = []
    for number in range(count):
        case = fuzz.make_case(fuzz.DEFAULT_SEED, number, files)
        if case.data is None:
            origin = case.origin.partition("[")[0]
            path = ROOT / origin if origin != "-" else ROOT / "examples" / "soup.epic"
            texts.append((number, str(path), case.text))
    return texts


def _seen(diagnostics: list[Diagnostic]) -> list[tuple[object, ...]]:
    return [(d.severity, d.span, d.message, d.code, d.path) for d in diagnostics]


def test_check_and_editor_agree_on_mutated_programs() -> None:
    texts = _texts(CASES)
    assert len(texts) > CASES * 3 // 4
    differing = [
        number
        for number, path, text in texts
        if _seen(check_source(text, path)) != _seen(Analysis(text, path).diagnostics)
    ]
    assert not differing, f"the editor and `epic check` differ in cases {differing[:20]}"


def test_epic_check_command_prints_the_editors_diagnostics(tmp_path: Path) -> None:
    # A few texts with syntax errors and check problems, written to files and checked by a
    # real `epic check` process, as CI would run it.
    chosen = [t for t in _texts(200) if t[2].strip()][:8]
    files = []
    for number, _, text in chosen:
        file = tmp_path / f"case{number}.epic"
        file.write_text(text, encoding="utf-8", newline="")
        files.append(file)
    run = subprocess.run(
        [sys.executable, "-m", "epic_lang", "check", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    found = [
        (file, d)
        for file, (_, _, text) in zip(files, chosen, strict=True)
        for d in Analysis(text, str(file)).diagnostics
    ]
    expected = [d.render(str(file)) for file, d in found]
    assert expected, "the chosen texts should have problems"
    printed = [line for file, d in found for line in [d.render(str(file)), *d.render_fixes()]]
    assert run.stdout.splitlines() == printed, run.stderr
    assert [d.render(str(f)) for f in files for d in check_file(f)] == expected
