"""The opt-in on-disk cache of deterministic LLM calls (`epic run --cache`).

Re-running a program while editing it should cost nothing for the calls that did not change.
Only calls at temperature 0 are cached (a sample at temperature > 0 must stay a fresh sample),
keyed by the backend's identity (endpoint, model, route) and the full request. With the cache
on, identical deterministic calls in flight at the same moment are also sent once. Stored in
SQLite (standard library) under `.epic-cache/` next to the program, or `$EPIC_CACHE_DIR`.

A cache file that is damaged or is not an EPIC cache (a crash mid-write, a truncated copy, some
other database) is moved aside to `NAME.corrupt-<time>`, with a warning naming both files, and
a fresh cache takes its place: it only ever holds answers that can be fetched again, and the
moved file keeps whatever the user may want from it. A cache that cannot be opened at all (the
path is a folder, no permission) is a `CacheError` naming the file instead.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import os
import sqlite3
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

from epic_lang.llm.interface import LLMBackend, LLMError, LLMRequest, LLMResult, TokenUsage

T = TypeVar("T")

CACHE_DIR_NAME = ".epic-cache"
CACHE_FILE_NAME = "llm-calls.sqlite3"
_COLUMNS = ("key", "kind", "value", "created")
# SQLite's words for a file that is not (or no longer) a readable database.
_DAMAGED = {"SQLITE_CORRUPT", "SQLITE_NOTADB"}


class CacheError(LLMError):
    """The cache file cannot be used; the message names it and says what to do."""


class _NotACache(sqlite3.DatabaseError):
    """The file is a database, but its `calls` table is not the one this module writes."""


def cache_dir(program_path: str | os.PathLike[str] | None = None) -> Path:
    """`$EPIC_CACHE_DIR`, else `.epic-cache` beside the program (or in the current directory;
    a directory given as `program_path` is used as the program's directory)."""
    configured = os.environ.get("EPIC_CACHE_DIR")
    if configured:
        return Path(configured)
    if program_path is None:
        return Path.cwd() / CACHE_DIR_NAME
    path = Path(program_path)
    base = path if path.is_dir() else path.parent
    return base / CACHE_DIR_NAME


def request_key(identity: str, request: LLMRequest) -> str:
    fields = dataclasses.asdict(request)
    del fields["timeout"]  # how long to wait changes no answer
    fields["extra"] = [[name, value] for name, value in request.extra]
    text = json.dumps({"backend": identity, "request": fields}, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def is_cacheable(request: LLMRequest) -> bool:
    return request.temperature == 0


def _decode(kind: str, text: str) -> LLMResult:
    value = json.loads(text)
    if kind == "llm_next":
        return [(str(token), float(logprob)) for token, logprob in value]
    return value


def _warn_on_stderr(message: str) -> None:
    print(f"epic: warning: {message}", file=sys.stderr)


class CallCache:
    """A table of answers by request key; safe to share between threads and processes.
    `warn` is told when a damaged cache file is moved aside (stderr by default)."""

    def __init__(self, directory: Path, warn: Callable[[str], None] = _warn_on_stderr) -> None:
        self.directory = directory
        self.path = directory / CACHE_FILE_NAME
        self.warn = warn
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            try:
                _check_schema(db)  # before anything is written into someone else's database
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute(
                    "CREATE TABLE IF NOT EXISTS calls (key TEXT PRIMARY KEY, kind TEXT NOT "
                    "NULL, value TEXT NOT NULL, created REAL NOT NULL)"
                )
                db.commit()
            except BaseException:
                db.close()
                raise
            self._db = db
        return self._db

    def _use(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work` on the open cache. Damage found on opening or later (a truncated file reads
        well until its first missing page) moves the file aside and `work` runs once more on
        a fresh cache; any other problem becomes a `CacheError`."""
        with self._lock:
            try:
                try:
                    return work(self._connect())
                except sqlite3.DatabaseError as error:
                    if not _is_damaged(error):
                        raise
                    self._move_aside(error)
                    return work(self._connect())
            except (sqlite3.Error, OSError) as error:
                raise self._error(error) from None

    def _move_aside(self, error: sqlite3.DatabaseError) -> None:
        self._close()
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{CACHE_FILE_NAME}.corrupt-{stamp}")
        count = 1
        while target.exists():
            count += 1
            target = self.path.with_name(f"{CACHE_FILE_NAME}.corrupt-{stamp}-{count}")
        # The journal files belong to the damaged file: a new cache must not replay them.
        for suffix in ("-wal", "-shm"):
            journal = self.path.with_name(CACHE_FILE_NAME + suffix)
            if journal.exists():
                journal.rename(target.with_name(target.name + suffix))
        self.path.rename(target)
        self.warn(
            f"the LLM cache {self.path} could not be read ({_reason(error)}); it was moved "
            f"to {target} and a new, empty cache was started"
        )

    def _error(self, error: sqlite3.Error | OSError) -> CacheError:
        if self.path.is_dir():
            reason = "it is a folder"
        elif self.directory.exists() and not self.directory.is_dir():
            reason = f"{self.directory} is not a folder"
        else:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        return CacheError(
            f"cannot use the LLM cache {self.path}: {reason} (move it away, set "
            "EPIC_CACHE_DIR to another folder, or run without --cache)"
        )

    def get(self, key: str) -> LLMResult | None:
        row = self._use(
            lambda db: db.execute("SELECT kind, value FROM calls WHERE key = ?", (key,)).fetchone()
        )
        if row is None:
            return None
        try:
            return _decode(row[0], row[1])
        except (ValueError, TypeError):  # a damaged entry is a miss, and the answer replaces it
            return None

    def put(self, key: str, kind: str, value: LLMResult) -> None:
        def insert(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT OR REPLACE INTO calls VALUES (?, ?, ?, ?)",
                (key, kind, json.dumps(value), time.time()),
            )
            db.commit()

        self._use(insert)

    def info(self) -> dict[str, Any]:
        """Entries and size, without creating the cache if it does not exist."""
        if not self.path.exists():
            return {"path": str(self.path), "entries": 0, "bytes": 0}
        count = self._use(lambda db: db.execute("SELECT COUNT(*) FROM calls").fetchone()[0])
        size = sum(
            p.stat().st_size
            for p in self.directory.glob(CACHE_FILE_NAME + "*")
            if ".corrupt-" not in p.name
        )
        return {"path": str(self.path), "entries": count, "bytes": size}

    def clear(self) -> int:
        """Delete every entry; the number deleted."""
        if not self.path.exists():
            return 0

        def delete(db: sqlite3.Connection) -> int:
            count = db.execute("DELETE FROM calls").rowcount
            db.commit()
            db.execute("VACUUM")
            return count

        return self._use(delete)

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _check_schema(db: sqlite3.Connection) -> None:
    """Raises `_NotACache` unless the database is empty or holds just our `calls` table."""
    tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    if tables and tables != ["calls"]:
        raise _NotACache(f"it holds the tables {', '.join(tables)}, not an EPIC cache")
    columns = tuple(row[1] for row in db.execute("PRAGMA table_info(calls)"))
    if tables and columns != _COLUMNS:
        raise _NotACache(f"its table `calls` has the columns {', '.join(columns)}")


def _is_damaged(error: sqlite3.DatabaseError) -> bool:
    return isinstance(error, _NotACache) or getattr(error, "sqlite_errorname", "") in _DAMAGED


def _reason(error: sqlite3.DatabaseError) -> str:
    return str(error) if isinstance(error, _NotACache) else f"SQLite: {error}"


class CachedBackend:
    """Wraps a backend: deterministic calls are answered from the cache when possible."""

    def __init__(self, inner: LLMBackend, cache: CallCache, identity: str) -> None:
        self.inner = inner
        self.cache = cache
        self.identity = identity
        self.hits = 0
        self.misses = 0
        self._pending: dict[str, asyncio.Task[LLMResult]] = {}

    @property
    def usage(self) -> TokenUsage:
        """The inner backend's own tally: a hit sends nothing, so it costs no tokens."""
        return self.inner.usage

    def describe(self) -> str:
        return f"{self.inner.describe()}; cache {self.cache.path}"

    async def complete(self, request: LLMRequest) -> LLMResult:
        if not is_cacheable(request):
            return await self.inner.complete(request)
        key = request_key(self.identity, request)
        cached = self.cache.get(key)
        if cached is not None:
            self.hits += 1
            return cached
        loop = asyncio.get_running_loop()
        pending = self._pending.get(key)
        if pending is not None and pending.get_loop() is loop:
            self.hits += 1
        else:
            # A task of its own, so that one caller being cancelled does not cancel the
            # answer the others are waiting for.
            self.misses += 1
            pending = self._pending[key] = loop.create_task(self._fetch(key, request))
            pending.add_done_callback(lambda task: self._settled(key, task))
        return await asyncio.shield(pending)

    async def stream(self, request: LLMRequest) -> AsyncIterator[str]:
        """A cached answer at once, in one piece; otherwise the inner backend's stream, whose
        answer is cached once it has ended."""
        if not is_cacheable(request):
            async for piece in self.inner.stream(request):
                yield piece
            return
        key = request_key(self.identity, request)
        cached = self.cache.get(key)
        if cached is not None:
            self.hits += 1
            yield str(cached)
            return
        self.misses += 1
        pieces: list[str] = []
        async for piece in self.inner.stream(request):
            pieces.append(piece)
            yield piece
        self.cache.put(key, request.kind, "".join(pieces))

    async def _fetch(self, key: str, request: LLMRequest) -> LLMResult:
        result = await self.inner.complete(request)
        self.cache.put(key, request.kind, result)
        return result

    def _settled(self, key: str, task: asyncio.Task[LLMResult]) -> None:
        if self._pending.get(key) is task:
            del self._pending[key]
        if not task.cancelled():
            task.exception()  # retrieved here: every caller may have gone

    async def aclose(self) -> None:
        self.cache.close()
        await self.inner.aclose()
