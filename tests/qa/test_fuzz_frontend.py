"""The front-end fuzzer (`fuzz_frontend.py`) with a fixed seed and a size fit for CI, and the
formatter bugs it found, minimised.

`EPIC_FUZZ_CASES=20000` makes the run bigger for a deep search by hand; the fuzzer runs in a
child process so that a hang ends as a failure naming its case, not as a stuck suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fuzz_frontend import Failure, check_line_breaks, check_spans

from epic_lang.analysis.checks import check_parsed
from epic_lang.diagnostics import Diagnostic, Severity
from epic_lang.format.formatter import format_source
from epic_lang.source import Span
from epic_lang.syntax.parser import parse

FUZZER = Path(__file__).with_name("fuzz_frontend.py")
CASES = int(os.environ.get("EPIC_FUZZ_CASES", "2000"))


def test_the_front_end_survives_fuzzing() -> None:
    run = subprocess.run(
        [sys.executable, str(FUZZER), "--cases", str(CASES)],
        capture_output=True,
        text=True,
        timeout=max(600, CASES // 4),
    )
    assert run.stderr == "", run.stderr
    result = json.loads(run.stdout)
    assert result["cases"] == CASES
    # The generators must keep producing texts that parse, or the formatter goes untested.
    assert result["formatted"] >= CASES // 10, result
    failures = "\n".join(
        f"case {f['case']} ({f['kind']} of {f['origin']}): {f['problem']}\n"
        f"  rerun: python {FUZZER} --case {f['case']}"
        for f in result["failures"]
    )
    assert run.returncode == 0 and not failures, failures


def test_a_position_off_by_a_line_is_a_finding() -> None:
    """The position property can fail: a diagnostic after a lone CR still on line 1."""
    text = "a\rb"
    wrong = Diagnostic(Severity.ERROR, Span(2, 3, 1, 3, 1, 4), "x", "syntax")
    with pytest.raises(Failure, match="1:3-1:4 is not where offsets 2..3 are"):
        check_spans(text, [wrong], "parse")
    check_spans(text, [Diagnostic(Severity.ERROR, Span(2, 3, 2, 1, 2, 2), "x", "syntax")], "")


# Found by the fuzzer and fixed: each text must mean with its CRs what it means with LFs.
LINE_BREAK_CASES = [
    pytest.param('def f() = "ab\\\r\ncd"\r\n', id="backslash-crlf-continues-a-string"),
    pytest.param('def f() = f"ab\\\r\ncd"\r\n', id="backslash-crlf-continues-an-f-string"),
    pytest.param('def e() = f"\r\n', id="unterminated-f-string-before-crlf"),
    pytest.param('def f() = """\r\ndef', id="unterminated-triple-string-before-crlf"),
    pytest.param('f"{\r\n', id="open-f-string-hole-before-crlf"),
    pytest.param('f"{!\r\n', id="f-string-conversion-before-crlf"),
    pytest.param("\rdef rate\rdef a() =\n    let s = rate\r    s", id="defined-after-lone-cr"),
]


@pytest.mark.parametrize("text", LINE_BREAK_CASES)
def test_crs_mean_what_lfs_mean(text: str) -> None:
    parsed = parse(text, "case.epic")
    check_line_breaks(text, parsed, check_parsed(parsed, text, "case.epic"))


# Found by the fuzzer, where the formatter refused valid code (an indented `##` or one after a
# byte-order mark, an own-line comment indented less than the code around it). Minimised by
# deleting lines and characters while the refusal stayed.
FORMATTER_REFUSALS = [
    pytest.param(" ##\ndef h() = a and b\n", id="indented-doc-comment-becomes-a-doc"),
    pytest.param("\ufeff##\ndef c() = x\n", id="doc-comment-after-a-bom"),
    pytest.param("def a() = (1,\n  [2,])\n #\n", id="indented-last-comment-unstable"),
    pytest.param("def f() =\n    let b = [\n #\n1]\n    b\n", id="outdented-comment-in-brackets"),
    pytest.param("def f(a  #\n  ) = a\n #\n", id="comment-after-a-parameter-unstable"),
]


@pytest.mark.parametrize("text", FORMATTER_REFUSALS)
def test_formatter_formats_cases_found_by_fuzzing(text: str) -> None:
    formatted = format_source(text)
    assert format_source(formatted) == formatted
