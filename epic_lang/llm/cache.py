"""The opt-in on-disk cache of deterministic LLM calls (`epic run --cache`).

Re-running a program while editing it should cost nothing for the calls that did not change.
Only calls at temperature 0 are cached (a sample at temperature > 0 must stay a fresh sample),
keyed by the backend's identity (endpoint, model, route) and the full request. With the cache
on, identical deterministic calls in flight at the same moment are also sent once. Stored in
SQLite (standard library) under `.epic-cache/` next to the program, or `$EPIC_CACHE_DIR`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from epic_lang.llm.interface import LLMBackend, LLMRequest, LLMResult

CACHE_DIR_NAME = ".epic-cache"
CACHE_FILE_NAME = "llm-calls.sqlite3"


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


class CallCache:
    """A table of answers by request key; safe to share between threads and processes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / CACHE_FILE_NAME
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS calls (key TEXT PRIMARY KEY, kind TEXT NOT NULL, "
                "value TEXT NOT NULL, created REAL NOT NULL)"
            )
            db.commit()
            self._db = db
        return self._db

    def get(self, key: str) -> LLMResult | None:
        with self._lock:
            row = self._connect().execute(
                "SELECT kind, value FROM calls WHERE key = ?", (key,)
            ).fetchone()
        return None if row is None else _decode(row[0], row[1])

    def put(self, key: str, kind: str, value: LLMResult) -> None:
        with self._lock:
            db = self._connect()
            db.execute(
                "INSERT OR REPLACE INTO calls VALUES (?, ?, ?, ?)",
                (key, kind, json.dumps(value), time.time()),
            )
            db.commit()

    def info(self) -> dict[str, Any]:
        """Entries and size, without creating the cache if it does not exist."""
        if not self.path.exists():
            return {"path": str(self.path), "entries": 0, "bytes": 0}
        with self._lock:
            count = self._connect().execute("SELECT COUNT(*) FROM calls").fetchone()[0]
        size = sum(p.stat().st_size for p in self.directory.glob(CACHE_FILE_NAME + "*"))
        return {"path": str(self.path), "entries": count, "bytes": size}

    def clear(self) -> int:
        """Delete every entry; the number deleted."""
        if not self.path.exists():
            return 0
        with self._lock:
            db = self._connect()
            count = db.execute("DELETE FROM calls").rowcount
            db.commit()
            db.execute("VACUUM")
        return count

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


class CachedBackend:
    """Wraps a backend: deterministic calls are answered from the cache when possible."""

    def __init__(self, inner: LLMBackend, cache: CallCache, identity: str) -> None:
        self.inner = inner
        self.cache = cache
        self.identity = identity
        self.hits = 0
        self.misses = 0
        self._pending: dict[str, asyncio.Task[LLMResult]] = {}

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
