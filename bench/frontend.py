"""Front-end timings on a generated 5,000-line program: parse (and, as their owners add them,
check and format). Prints seconds per phase and lines per second; no pass/fail, since timings
depend on the machine. Run: `python3 bench/frontend.py [LINES]`.

To add a phase, append one `(name, function of the source text)` pair to PHASES.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from epic_lang.analysis.checks import check_source
from epic_lang.diagnostics import has_errors
from epic_lang.format.formatter import format_source
from epic_lang.syntax.incremental import IncrementalParser
from epic_lang.syntax.parser import parse

TEMPLATE = """\
## Scores one answer for topic {i}.
def score_{i}(answer, weight=1.5) =
    let words = split(strip(answer), sep=" ")
    let bonus = if len(words) > 10 and not ("error" in answer) then 2 else 0
    let rated = llm(f"Rate this answer about topic {i}: {{answer}}", max_tokens=4)
    len(words) * weight + bonus + int(rated) - {i} % 7

def pick_{i}(xs) =
    match xs with
        case [] => none
        case [x, ...rest] => {{best: x, others: rest[0:2], count: len(rest)}}

let table_{i} = map(fn(n) => (n, n ** 2), range({i} + 3))
"""


def generate(lines: int) -> str:
    """A program of about `lines` lines made of varied declarations."""
    chunks = []
    total = 0
    i = 0
    while total < lines:
        chunk = TEMPLATE.format(i=i)
        chunks.append(chunk)
        total += chunk.count("\n") + 1
        i += 1
    return "\n".join(chunks)


def _parse(text: str) -> object:
    result = parse(text)
    assert not result.diagnostics, result.diagnostics[:3]
    return result


def _parse_and_check(text: str) -> object:
    """What `epic check` and the language server do per file: parse, resolve, check."""
    diagnostics = check_source(text)
    assert not has_errors(diagnostics), diagnostics[:3]
    return diagnostics


def _format(text: str) -> object:
    """What `epic fmt` does per file: parse, print, then prove the result (parse it again,
    compare the trees and comments, print it again)."""
    return format_source(text)


PHASES: list[tuple[str, Callable[[str], object]]] = [
    ("parse", _parse),
    ("parse+check", _parse_and_check),
    ("format", _format),
]


def best_of(fn: Callable[[str], object], text: str, runs: int = 5) -> tuple[float, float]:
    """The best wall-clock and CPU seconds of a few runs (CPU time is the steadier number on
    a shared machine)."""
    wall = cpu = float("inf")
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        fn(text)
        wall = min(wall, time.perf_counter() - w0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu


def incremental_reparse(text: str, runs: int = 5) -> tuple[float, float]:
    """Best wall and CPU seconds of the language server's re-parse after a one-character edit
    in the middle of the file (`IncrementalParser`: only the edited declaration is parsed,
    the ones after it are shifted). Runs alternate between typing a digit and deleting it."""
    at = text.index("weight=1.5", len(text) // 2) + len("weight=")
    versions = [text[:at] + "2" + text[at:], text]
    parser = IncrementalParser()
    parser.parse(text)
    wall = cpu = float("inf")
    for k in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        result = parser.parse(versions[k % 2])
        wall = min(wall, time.perf_counter() - w0)
        cpu = min(cpu, time.process_time() - c0)
        assert not result.diagnostics, result.diagnostics[:3]
    return wall, cpu


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    text = generate(lines)
    n = text.count("\n") + 1
    t0 = time.perf_counter()
    parse("def warm() = 1\n")
    print(f"first parse (builds the parser tables): {time.perf_counter() - t0:.3f} s")
    print(f"program: {n} lines, {len(text)} characters")
    for name, fn in PHASES:
        wall, cpu = best_of(fn, text)
        print(f"{name:>12}: {wall:.3f} s wall, {cpu:.3f} s cpu  ({n / wall:,.0f} lines/s)")
    full_wall, full_cpu = best_of(_parse, text)
    wall, cpu = incremental_reparse(text)
    print(
        f"{'re-parse':>12}: {wall:.4f} s wall, {cpu:.4f} s cpu after a 1-character edit "
        f"(incremental; {wall / full_wall:.2f} of a full parse's wall, "
        f"{cpu / full_cpu:.2f} of its cpu)"
    )


if __name__ == "__main__":
    main()
