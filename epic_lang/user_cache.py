"""Derived data kept between runs in the user's own cache directory, so that a new process
does not rebuild it: `$XDG_CACHE_HOME/epic` (else `~/.cache/epic`).

Entries are JSON, never pickle: a file in the cache is read as data, so one planted there can
at worst give a wrong answer to a check the reader makes, never run code. Each entry is named
for what it holds and keyed by everything it was built from, written out (texts, or a source
file's size and modification time): comparing keys needs no hash function, whose module
(`hashlib`, which loads OpenSSL) would cost every start a millisecond or two. A missing,
unreadable, corrupt or foreign file is ignored (the caller builds the data again and writes it
back). Writes go to a temporary file renamed into place, so a reader never sees half an entry, and a
directory that cannot be written only costs the time of building again.

Each key has a file of its own (`NAME-CRC32.json`, named by the key's checksum), so that two
versions of EPIC on one machine (two checkouts, two environments) do not overwrite each other's
entry at every start; storing an entry removes all but the `KEEP` newest others of the name.
"""

from __future__ import annotations

import json
import os
import tempfile
import zlib
from pathlib import Path

FORMAT = 1
KEEP = 8


def cache_root() -> Path:
    configured = os.environ.get("XDG_CACHE_HOME")
    base = Path(configured) if configured and os.path.isabs(configured) else Path.home() / ".cache"
    return base / "epic"


def _path(name: str, key: str) -> Path:
    return cache_root() / f"{name}-{zlib.crc32(key.encode()):08x}.json"


def load(name: str, key: str) -> object | None:
    """The data stored under `name` for `key`, or None when there is none usable."""
    try:
        with _path(name, key).open(encoding="utf-8") as f:
            entry = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != key:
        return None
    return entry.get("data")


def store(name: str, key: str, data: object) -> None:
    """Keep `data` under `name` for `key`, replacing what was there; silently a no-op when the
    cache directory cannot be written."""
    target = _path(name, key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"format": FORMAT, "key": key, "data": data}, f, separators=(",", ":"))
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
        _forget_old(name, target)
    except OSError:
        return


def _forget_old(name: str, kept: Path) -> None:
    """Removes the entries of `name` beyond the `KEEP` most recently written (besides `kept`)."""
    others = [p for p in kept.parent.glob(f"{name}-*.json") if p != kept]
    others.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in others[KEEP:]:
        old.unlink(missing_ok=True)
