"""`epic cache info|clear [PATH]`: look at or empty the on-disk LLM call cache.

PATH is a program or a directory and finds the cache the way `epic run --cache` does
(`$EPIC_CACHE_DIR`, else `.epic-cache/` beside the program; the current directory by default).
"""

from __future__ import annotations

import argparse
import os
import sys

from epic_lang.llm.cache import CacheError, CallCache, cache_dir
from epic_lang.plurals import plural


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("info", "clear"), help="show or delete the entries")
    parser.add_argument("path", nargs="?", help="a program or directory (default: here)")


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} bytes"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count / (1024 * 1024):.1f} MB"


def main(args: argparse.Namespace) -> int:
    folder = (
        args.path
        if args.path is None or os.path.isdir(args.path)
        else (os.path.dirname(args.path) or ".")
    )
    if folder is not None and not os.path.isdir(folder):
        # Else a typo would report (or clear) the cache of a folder that cannot have one.
        print(f"epic cache: error: no such folder: {folder}", file=sys.stderr)
        return 1
    cache = CallCache(cache_dir(args.path))
    try:
        if args.action == "info":
            info = cache.info()
            entries = plural(info["entries"], "cached call")
            print(f"{info['path']}: {entries}, {_size(info['bytes'])}")
        else:
            count = cache.clear()
            print(f"cleared {plural(count, 'cached call')} from {cache.path}")
    except CacheError as exc:
        print(f"epic cache: error: {exc}", file=sys.stderr)
        return 1
    finally:
        cache.close()
    return 0
