"""A deterministic fuzzer of the front end: parser, checker and the formatter's safety check.

Each case is a text made from the seed and its number alone (so any case can be rerun by
itself): random token soup, a file of `examples/` or `tests/data/` mutated (characters and
lines deleted, duplicated or swapped, random Unicode, lone surrogates, tabs, BOMs, CR/LF/CRLF
line breaks, comments placed at random points, bytes that are not UTF-8 read through the real
file reader), or cut short at an offset. For every case:

- `parse` (plain and `repair=True`) and the checker return, without an exception;
- every diagnostic's span lies inside the text, and its 1-based line:col is where its
  offsets are when CR, LF and CRLF each end a line (as in LSP; counted here independently);
- a text with CRs means what the same text with LF line breaks means: an equivalent tree, the
  same comments and the same diagnostics at the same lines and columns;
- a text that parses without errors is either refused cleanly by `format_source`, or
  formatted to a text that parses without errors to an equivalent tree with the same comments
  and that a second pass leaves unchanged.

A case that takes longer than `CASE_SECONDS` (a hang) is a failure naming the case.

    python tests/qa/fuzz_frontend.py --cases 15000          # a deep run; prints a summary
    python tests/qa/fuzz_frontend.py --case 1234            # one case, with its text
"""

from __future__ import annotations

import argparse
import json
import random
import re
import signal
import sys
import tempfile
import traceback
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from epic_lang.analysis.checks import check_parsed
from epic_lang.diagnostics import Diagnostic, has_errors
from epic_lang.format.equivalence import first_difference
from epic_lang.format.formatter import FormatError, format_source
from epic_lang.modules.reader import read_source_file
from epic_lang.syntax.parser import ParseResult, parse

ROOT = Path(__file__).resolve().parents[2]
CASE_SECONDS = 60
DEFAULT_SEED = 20261202

# -- the corpus and the pieces texts are made of ------------------------------------------------


def corpus() -> list[tuple[str, str]]:
    """(name, text) of every EPIC file of the examples and test data, in a fixed order."""
    files = sorted([*ROOT.glob("examples/*.epic"), *ROOT.glob("tests/data/**/*.epic")])
    return [(str(f.relative_to(ROOT)), f.read_bytes().decode("utf-8", "replace")) for f in files]


# fmt: off
TOKENS = [
    *str.split("def let import python as in if then else match with case fn and or not true false"
               " none x y main f g _ items n acc"),
    "0", "1", "42", "3.14", "1e9", "0x1F", "1_000", "10 ** 10", "9" * 40,
    '"s"', "'t'", '""', '"a\\nb"', '"\\u00e9"', '"\\ud800"', '"""doc\nstring"""',
    'f"{x}"', 'f"a{x + 1}b"', 'f"{f"{y}"}"', 'f"{', '"unterminated', "'''",
    *str.split("+ - * / // % ** == != < <= > >= = => |> ... . , : ( ) [ ] { } # ## & | ! ; \\"),
    "llm(", "map(", "len(", "x[0]", "{a: 1}", "[1, 2]", "fn(a) => a", "# c", "## doc",
    "\n", "\n", "\n", "\n    ", "\n        ", "\t", "\r", "\r\n", " ", " ", " ",
]
NOISE = ["é", "λ", "中", "😀", "\u200b", "\u202e", "\ufeff", "\x00", "\x0c", "\x7f",
         "\u2028", "\ud800", "\udfff", "\u0301", "\U0010ffff", "\x85", "\v"]
BAD_BYTES = [b"\xff", b"\xc3", b"\xe2\x82", b"\xef\xbb\xbf", b"\x00", b"\xed\xa0\x80",
             b"\xf4\x90\x80\x80", b"\xc0\xaf"]
# fmt: on
COMMENTS = ["#", "# note", "## doc", "#!", "# é 😀", "# (", '# """', "#\t", "# x = 1"]
BREAKS = ["\n", "\r\n", "\r"]


@dataclass(frozen=True, slots=True)
class Case:
    number: int
    kind: str
    origin: str
    text: str
    # The same text's encoded bytes when the case is about the file reader, else None.
    data: bytes | None = None


def make_case(seed: int, number: int, files: list[tuple[str, str]]) -> Case:
    rng = random.Random(f"{seed}:{number}")
    kind = rng.choices(list(MAKERS), weights=[w for w, _ in MAKERS.values()])[0]
    return MAKERS[kind][1](rng, number, files)


def _soup(rng: random.Random, number: int, files: list[tuple[str, str]]) -> Case:
    words = [rng.choice(TOKENS) for _ in range(rng.randint(1, 120))]
    return Case(number, "soup", "-", "".join(w + rng.choice(["", " ", " "]) for w in words))


def _mutant(rng: random.Random, number: int, files: list[tuple[str, str]]) -> Case:
    origin, text = rng.choice(files)
    for _ in range(rng.randint(1, 4)):
        text = rng.choice(MUTATIONS)(rng, text)
    return Case(number, "mutant", origin, text)


def _truncated(rng: random.Random, number: int, files: list[tuple[str, str]]) -> Case:
    origin, text = rng.choice(files)
    step = rng.choice([1, 7, 31, 97])
    cut = rng.randrange(0, len(text) + 1, step) if text else 0
    return Case(number, "truncated", f"{origin}[:{cut}]", text[:cut])


def _commented(rng: random.Random, number: int, files: list[tuple[str, str]]) -> Case:
    """Comments where a user may put them: line ends, own lines at any indentation, inside
    brackets. Most of these still parse, so they exercise the formatter."""
    origin, text = rng.choice(files)
    lines = text.split("\n")
    for _ in range(rng.randint(1, 6)):
        i = rng.randrange(len(lines))
        comment = rng.choice(COMMENTS)
        where = rng.random()
        if where < 0.4:
            lines[i] = f"{lines[i]}  {comment}" if "#" not in lines[i] else lines[i]
        elif where < 0.8:
            indent = len(lines[i]) - len(lines[i].lstrip(" "))
            lines.insert(i, " " * rng.choice([indent, indent + 4, 0, 2]) + comment)
        else:
            at = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:at] + comment + "\n" + lines[i][at:]
    return Case(number, "commented", origin, "\n".join(lines))


def _encoded(rng: random.Random, number: int, files: list[tuple[str, str]]) -> Case:
    """Bytes read through the file reader: bad UTF-8, BOMs, NULs, cut multi-byte chars."""
    origin, text = rng.choice(files)
    data = bytearray(text.encode("utf-8", "surrogatepass"))
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(data) + 1)
        data[at:at] = rng.choice(BAD_BYTES)
    if rng.random() < 0.3:
        data[0:0] = b"\xef\xbb\xbf"
    if rng.random() < 0.3:
        data = data[: rng.randrange(len(data) + 1)]
    return Case(number, "encoded", origin, "", bytes(data))


def _delete_chars(rng: random.Random, text: str) -> str:
    at = rng.randrange(len(text) + 1)
    return text[:at] + text[at + rng.randint(1, 8) :]


def _duplicate_chars(rng: random.Random, text: str) -> str:
    at = rng.randrange(len(text) + 1)
    return text[:at] + text[at : at + rng.randint(1, 12)] + text[at:]


def _swap_chars(rng: random.Random, text: str) -> str:
    if len(text) < 2:
        return text
    i, j = sorted(rng.sample(range(len(text)), 2))
    return text[:i] + text[j] + text[i + 1 : j] + text[i] + text[j + 1 :]


def _line_op(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    op = rng.randrange(3)
    if op == 0:
        del lines[i]
    elif op == 1:
        lines.insert(j, lines[i])
    else:
        lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def _insert_noise(rng: random.Random, text: str) -> str:
    at = rng.randrange(len(text) + 1)
    piece = rng.choice(NOISE + TOKENS + [chr(rng.randrange(0x110000))])
    return text[:at] + piece + text[at:]


def _line_breaks(rng: random.Random, text: str) -> str:
    """Every line break CR, LF or CRLF: all alike, or each its own."""
    lines = text.split("\n")
    if rng.random() < 0.5:
        return rng.choice(BREAKS).join(lines)
    out = [lines[0]]
    for line in lines[1:]:
        out.append(rng.choice(BREAKS))
        out.append(line)
    return "".join(out)


def _tabs(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    i = rng.randrange(len(lines))
    lines[i] = lines[i].replace("    ", "\t", rng.randint(1, 2))
    return "\n".join(lines)


def _bom(rng: random.Random, text: str) -> str:
    return "\ufeff" + text if rng.random() < 0.7 else text + "\ufeff"


MUTATIONS: list[Callable[[random.Random, str], str]] = [
    _delete_chars,
    _duplicate_chars,
    _swap_chars,
    _line_op,
    _line_op,
    _insert_noise,
    _insert_noise,
    _line_breaks,
    _tabs,
    _bom,
]
MAKERS: dict[str, tuple[float, Callable[[random.Random, int, list[tuple[str, str]]], Case]]] = {
    "soup": (2, _soup),
    "mutant": (4, _mutant),
    "truncated": (2, _truncated),
    "commented": (3, _commented),
    "encoded": (1, _encoded),
}

# -- the properties ---------------------------------------------------------------------------


@dataclass(slots=True)
class Outcome:
    cases: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    parsed_clean: int = 0
    formatted: int = 0
    # Refusals by reason, with the numbers of the cases (a refusal is safe, but most are bugs).
    refusals: dict[str, list[int]] = field(default_factory=dict)
    failures: list[dict[str, object]] = field(default_factory=list)


class Failure(Exception):
    """A property of the front end does not hold for one case."""


_BREAK = re.compile(r"\r\n|\r|\n")


class Lines:
    """Offset to 1-based (line, col) with CR, LF and CRLF as line breaks: a reference written
    apart from `epic_lang.source.LineIndex`, the one under test."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in _BREAK.finditer(text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1


def check_spans(
    text: str, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...], what: str
) -> None:
    index = Lines(text)
    for d in diagnostics:
        s = d.span
        if not (0 <= s.start <= s.end <= len(text)):
            raise Failure(
                f"{what}: span {s.start}..{s.end} outside the text ({len(text)} "
                f"characters): {d.message}"
            )
        if min(s.line, s.col, s.end_line, s.end_col) < 1:
            raise Failure(f"{what}: position {s.line}:{s.col} is not 1-based: {d.message}")
        if (s.line, s.col) != index.position(s.start) or (s.end_line, s.end_col) != (
            index.position(s.end)
        ):
            raise Failure(
                f"{what}: {s.line}:{s.col}-{s.end_line}:{s.end_col} is not where "
                f"offsets {s.start}..{s.end} are "
                f"({index.position(s.start)}-{index.position(s.end)}): {d.message}"
            )


def comment_texts(text: str) -> Counter[str]:
    return Counter(c.text.rstrip() for c in parse(text).module.comments)


def _seen(parsed: ParseResult, checked: list[Diagnostic]) -> tuple[object, ...]:
    return (
        tuple(c.text for c in parsed.module.comments),
        tuple(
            (d.message, d.span.line, d.span.col, d.span.end_line, d.span.end_col) for d in checked
        ),
    )


def check_line_breaks(text: str, parsed: ParseResult, checked: list[Diagnostic]) -> None:
    lf = _BREAK.sub("\n", text)
    parsed_lf = parse(lf, "case.epic")
    if first_difference(parsed.module, parsed_lf.module) is not None:
        raise Failure("with LF line breaks the text means something else")
    if _seen(parsed, checked) != _seen(parsed_lf, check_parsed(parsed_lf, lf, "case.epic")):
        raise Failure("with LF line breaks the comments or diagnostics differ")


def check_case(case: Case, outcome: Outcome, folder: Path) -> None:
    text = case.text
    if case.data is not None:
        file = folder / "case.epic"
        file.write_bytes(case.data)
        text, problems = read_source_file(file)
        check_spans(text, problems, "reader")
    parsed = parse(text, "case.epic")
    check_spans(text, parsed.diagnostics, "parse")
    check_spans(text, parse(text, "case.epic", repair=True).diagnostics, "parse(repair=True)")
    checked = check_parsed(parsed, text, "case.epic")
    check_spans(text, checked, "check")
    if "\r" in text:
        check_line_breaks(text, parsed, checked)
    if has_errors(parsed.diagnostics):
        return
    outcome.parsed_clean += 1
    try:
        formatted = format_source(text, "case.epic")
    except FormatError as refusal:
        check_spans(text, refusal.diagnostics, "format refusal")
        outcome.refusals.setdefault(refusal.message.split(";")[0], []).append(case.number)
        return
    outcome.formatted += 1
    again = parse(formatted)
    if has_errors(again.diagnostics):
        raise Failure(f"the formatted text does not parse: {again.diagnostics[0].message}")
    if first_difference(parsed.module, again.module) is not None:
        raise Failure("the formatted text means something else")
    lost = comment_texts(text) - comment_texts(formatted)
    if lost:
        raise Failure(f"the formatter lost the comments {sorted(lost)}")
    if format_source(formatted) != formatted:
        raise Failure("formatting the formatted text changes it")


class _Hang(Exception):
    pass


@contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    """Turns a case that runs for `seconds` (a hang) into an exception, on Unix."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise _Hang

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run(seed: int, numbers: range | list[int]) -> Outcome:
    files = corpus()
    outcome = Outcome()
    with tempfile.TemporaryDirectory() as tmp:
        for number in numbers:
            case = make_case(seed, number, files)
            outcome.cases += 1
            outcome.kinds[case.kind] += 1
            try:
                with _deadline(CASE_SECONDS):
                    check_case(case, outcome, Path(tmp))
            except Failure as failure:
                problem = str(failure)
            except _Hang:
                problem = f"no answer after {CASE_SECONDS} s"
            except Exception:  # noqa: BLE001 - a traceback is the finding
                problem = traceback.format_exc(limit=-3)
            else:
                continue
            outcome.failures.append(
                {"case": number, "kind": case.kind, "origin": case.origin, "problem": problem}
            )
    return outcome


def summary(seed: int, outcome: Outcome) -> dict[str, object]:
    return {
        "seed": seed,
        "cases": outcome.cases,
        "kinds": dict(sorted(outcome.kinds.items())),
        "parsed_without_errors": outcome.parsed_clean,
        "formatted": outcome.formatted,
        "refused": dict(outcome.refusals),
        "failures": outcome.failures,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--case", type=int, help="run this case alone and print its text")
    args = parser.parse_args()
    if args.case is not None:
        case = make_case(args.seed, args.case, corpus())
        print(f"# case {case.number}: {case.kind} of {case.origin}", file=sys.stderr)
        print(repr(case.data if case.data is not None else case.text), file=sys.stderr)
        numbers: range | list[int] = [args.case]
    else:
        numbers = range(args.cases)
    result = summary(args.seed, run(args.seed, numbers))
    print(json.dumps(result, indent=1, ensure_ascii=True))
    return 1 if result["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
