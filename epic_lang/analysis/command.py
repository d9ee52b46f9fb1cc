"""`epic check PATH...`: syntax errors and static checks of files and folders.

Prints one `file:line:col: severity: message [code]` line per problem (followed by an indented
`fix: ...` line for each repair the editor offers as a quick fix) and exits 1 when any
file has an error (warnings alone exit 0), so it can gate CI. A folder means every `.epic`
file below it (hidden folders skipped). A file that is not valid UTF-8 gets a diagnostic at
the first bad byte and is still checked with the bad bytes replaced.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from epic_lang.analysis.checks import check_source, sort_diagnostics
from epic_lang.diagnostics import Diagnostic, Severity
from epic_lang.modules.reader import read_source_file
from epic_lang.plurals import plural


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to check")


def main(args: argparse.Namespace) -> int:
    failed = False
    files = 0
    counts = {Severity.ERROR: 0, Severity.WARNING: 0}
    for raw in args.paths:
        path = Path(raw)
        if not path.exists():
            print(f"epic check: error: no such file or folder: {raw}", file=sys.stderr)
            failed = True
            continue
        for file in epic_files(path):
            files += 1
            for diagnostic in check_file(file):
                print(diagnostic.render(str(file)))
                for line in diagnostic.render_fixes():
                    print(line)
                if diagnostic.severity in counts:
                    counts[diagnostic.severity] += 1
    if files == 0 and not failed:
        print("epic check: no .epic files found", file=sys.stderr)
    errors, warnings = counts[Severity.ERROR], counts[Severity.WARNING]
    if errors or warnings:
        print(
            f"epic check: {plural(errors, 'error')} and {plural(warnings, 'warning')} "
            f"in {plural(files, 'file')}",
            file=sys.stderr,
        )
    return 1 if failed or errors else 0


def epic_files(path: Path) -> Iterator[Path]:
    """The path itself if it is a file, else every `.epic` file below it, sorted."""
    if path.is_file():
        yield path
        return
    for file in sorted(path.rglob("*.epic")):
        relative = file.relative_to(path).parts
        if file.is_file() and not any(part.startswith(".") for part in relative[:-1]):
            yield file


def check_file(file: Path) -> list[Diagnostic]:
    """The diagnostics of one file; reading problems are diagnostics too."""
    text, problems = read_source_file(file)
    if problems and not text:
        return problems
    return sort_diagnostics([*problems, *check_source(text, str(file))])
