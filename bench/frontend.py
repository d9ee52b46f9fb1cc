"""Front-end timings on a generated 5,000-line program: parse, check and format; then
formatting of deeply nested code (10 to 100 levels of `fn(x) =>`, of `map(fn(x) => ...)`
and of lists), and `epic check` / `epic fmt` on generated files of 1 MB (and 10 MB with
`--mb 1 10`) with their peak memory. Prints seconds per phase and lines per second; no
pass/fail, since timings depend on the machine. CPU seconds are the steadier figure on a
shared machine. Run: `python3 bench/frontend.py [LINES] [--mb 1 10]`.

The goals of issue 10: fmt on 100 nested lambdas under 1 s, on a 1 MB file under 5 s, peak
memory of check and fmt within 20x the file's size. Each big-file figure comes from a fresh
process (`epic_lang.cli` and the command's module imported, as `epic` runs), which reports
its peak RSS minus the RSS it had after those imports, before reading the file. Beside them
stands the size of the syntax tree alone (tracemalloc), the floor of any command that would
hold the file's tree; neither does any more.

Where the memory goes (1 MB generated file, tracemalloc): the tree is about 200,000 nodes and
195,000 spans; a span is one packed int of 64 bytes (it was a dataclass of six ints, about
120 bytes with them: 39x the file then, 28x now). `check` holds one declaration's tree and
name resolution at a time, and of the others their headers and what they leave open (44x
with the whole tree, 10x now). `fmt` streams: it parses and prints one declaration at a
time and, where the output differs from the input, reparses, compares and prints again a
run of about 8,000 characters of output alone before dropping its trees, so it holds the
text, the output and one run (45x and 47x with the whole tree, about 6x now, formatted
or not).

To add a phase, append one `(name, function of the source text)` pair to PHASES.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
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
    """What `epic check` does per file: parse, resolve and check, one declaration at a time."""
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


NESTINGS: dict[str, Callable[[int], str]] = {
    "fn(x) =>": lambda n: "def main() = " + "fn(x) => " * n + "x\n",
    "map(fn(x) =>": lambda n: "def main(xs) = " + "map(fn(x) => " * n + "x" + ", xs)" * n + "\n",
    "[": lambda n: "def main() = " + "[" * n + "1" + "]" * n + "\n",
}


def nesting() -> None:
    """Format time by nesting depth: linear growth means the time per level stays level."""
    print("format, by nesting depth (best cpu of 3 runs):")
    for name, make in NESTINGS.items():
        figures = []
        for depth in (10, 25, 50, 100):
            _, cpu = best_of(format_source, make(depth), runs=3)
            figures.append(f"{depth}: {cpu:.3f} s")
        print(f"{name:>14}  " + ", ".join(figures))


def tree_size(text: str) -> int:
    """The bytes the syntax tree of `text` holds (tracemalloc, this process)."""
    parse("def warm() = 1\n")
    tracemalloc.start()
    try:
        result = parse(text)
        size, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return size


def big_files(sizes_mb: list[float]) -> None:
    """`check` and `fmt` on generated files of the given sizes, each in a fresh process."""
    print("big files (fresh process each; peak RSS minus the RSS after imports):")
    for mb in sizes_mb:
        formatted = generate(int(mb * 26_000))
        # In a fresh process too: the peak RSS a child reports includes its parent's at the
        # fork, so this process must stay small.
        with tempfile.NamedTemporaryFile("w", suffix=".epic", delete=False) as f:
            f.write(formatted)
        try:
            tree = _in_fresh_process("tree", f.name)["tree"]
        finally:
            os.unlink(f.name)
        print(
            f"  syntax tree alone {len(formatted) / 1e6:5.1f} MB: {tree / 1e6:.0f} MB = "
            f"{tree / len(formatted):.0f}x the file"
        )
        # The same program without the spaces after commas: every line must be reformatted,
        # so `fmt` does its whole proof (an already formatted file needs none).
        unformatted = formatted.replace(", ", ",")
        runs = [("check", formatted), ("fmt", formatted), ("fmt", unformatted)]
        for (command, text), label in zip(runs, ("check", "fmt", "fmt*"), strict=True):
            with tempfile.NamedTemporaryFile("w", suffix=".epic", delete=False) as f:
                f.write(text)
            try:
                m = _in_fresh_process(command, f.name)
            finally:
                os.unlink(f.name)
            grown = m["peak_rss"] - m["rss_before"]
            print(
                f"{label:>6} {len(text) / 1e6:5.1f} MB: {m['wall']:6.2f} s wall, "
                f"{m['cpu']:6.2f} s cpu, peak RSS {m['peak_rss'] / 1e6:6.0f} MB "
                f"(+{grown / 1e6:.0f} MB = {grown / len(text):.0f}x the file)"
            )
    print("  (fmt*: the same file unformatted, so that the result is reparsed and proven)")


def _in_fresh_process(command: str, path: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", command, path],
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, float] = json.loads(out.stdout.splitlines()[-1])
    return figures


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_rss() -> int:
    """This process's own peak RSS (`VmHWM`). Not `getrusage`'s `ru_maxrss`: Linux carries
    that over from the parent through fork and exec, so a child of a large parent reported
    the parent's size."""
    with open("/proc/self/status") as f:
        line = next(line for line in f if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def measure(command: str, path: str) -> None:
    """Run one `epic check` or `epic fmt --check` in this process, or measure the syntax tree
    (`tree`); print its figures as JSON."""
    import importlib

    if command == "tree":
        with open(path, encoding="utf-8") as f:
            print(json.dumps({"tree": tree_size(f.read())}))
        return

    from epic_lang import cli

    importlib.import_module(cli.COMMANDS[command][0])  # as `epic` does before reading
    before = _rss()
    w0, c0 = time.perf_counter(), time.process_time()
    cli.main([command, *(["--check"] if command == "fmt" else []), path])
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    peak = _peak_rss()
    print(json.dumps({"wall": wall, "cpu": cpu, "rss_before": before, "peak_rss": peak}))


def main() -> None:
    if sys.argv[1:2] == ["--measure"]:
        measure(sys.argv[2], sys.argv[3])
        return
    sizes_mb = [1.0]
    if "--mb" in sys.argv:
        at = sys.argv.index("--mb")
        sizes_mb = [float(x) for x in sys.argv[at + 1 :]]
        del sys.argv[at:]
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
    nesting()
    big_files(sizes_mb)


if __name__ == "__main__":
    main()
