"""`epic fmt [--check] [--diff] PATH...`: format files in place, or report what would change.

A file that cannot be formatted (syntax errors, or a result the formatter could not prove
safe) is reported as `file:line:col: error: ...` and left byte for byte as it was.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from epic_lang.format.formatter import FormatError, format_source


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (.epic)")
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if any file would change"
    )
    parser.add_argument(
        "--diff", action="store_true", help="change nothing; print a unified diff of the changes"
    )


def epic_files(paths: list[str]) -> tuple[list[Path], list[str]]:
    """The .epic files named or found below the folders named, and the paths that do not
    exist."""
    files: list[Path] = []
    missing: list[str] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.epic") if p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            missing.append(name)
    return files, missing


def main(args: argparse.Namespace) -> int:
    files, missing = epic_files(args.paths)
    for name in missing:
        print(f"{name}: error: no such file or folder", file=sys.stderr)
    write = not (args.check or args.diff)
    changed = unchanged = failed = 0
    for path in files:
        try:
            # newline="" keeps "\r\n" as written, so that the formatter sees the real text.
            with path.open(encoding="utf-8", newline="") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as error:
            print(f"{path}: error: cannot read the file ({error})", file=sys.stderr)
            failed += 1
            continue
        try:
            formatted = format_source(text, str(path))
        except FormatError as error:
            for diagnostic in error.diagnostics:
                print(diagnostic.render(str(path)), file=sys.stderr)
            failed += 1
            continue
        if formatted == text:
            unchanged += 1
            continue
        changed += 1
        if args.diff:
            import difflib  # only for --diff: loading it costs every start a millisecond

            sys.stdout.writelines(
                difflib.unified_diff(
                    text.splitlines(keepends=True),
                    formatted.splitlines(keepends=True),
                    fromfile=f"{path} (original)",
                    tofile=f"{path} (formatted)",
                )
            )
        if args.check:
            print(f"would reformat {path}")
        if write:
            with path.open("w", encoding="utf-8", newline="") as f:
                f.write(formatted)
    print(_summary(changed, unchanged, failed, write), file=sys.stderr)
    if missing or failed:
        return 1
    return 1 if changed and args.check else 0


def _summary(changed: int, unchanged: int, failed: int, written: bool) -> str:
    verb = "reformatted" if written else "would be reformatted"
    parts = [f"{_files(changed)} {verb}", f"{_files(unchanged)} unchanged"]
    if failed:
        parts.append(f"{_files(failed)} could not be formatted")
    return ", ".join(parts)


def _files(n: int) -> str:
    return f"{n} file" if n == 1 else f"{n} files"
