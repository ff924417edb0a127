"""A small cache of search and timeline results, dropped whenever the archive changes.

Readers ask the same popular queries again and again, and a common word (美国: 22,000
matches in the 50,000-article archive) costs the engine hundreds of milliseconds to rank,
while the archive changes only when an import or fetch commits. So results are kept
until the next commit: every request first asks its own connection for SQLite's
`PRAGMA data_version`, which changes when any other connection (any process) has
committed; a change empties the cache. A result is therefore never older than the
newest commit the request itself can see.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from newsarchive.archive import Archive

T = TypeVar("T")

# 1024 result pages of 20 hits are ~20 MB; enough for the popular head of a query log.
DEFAULT_SIZE = 1024


MISSING: Any = object()


class ResultCache:
    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._seen: dict[int, int] = {}  # id(connection) -> its last data_version
        self.hits = self.misses = 0

    def _sync(self, archive: Archive) -> None:
        version = archive.conn.execute("PRAGMA data_version").fetchone()[0]
        key = id(archive.conn)
        with self._lock:
            last = self._seen.get(key)
            self._seen[key] = version
            if last is not None and last != version:
                self._entries.clear()

    def lookup(self, archive: Archive, key: Hashable) -> Any:
        """The cached value, or `MISSING`. `archive` is the caller's own connection:
        asking it first is what makes a commit anywhere empty the cache."""
        if self.size <= 0:
            return MISSING
        self._sync(archive)
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]
            self.misses += 1
        return MISSING

    def store(self, key: Hashable, value: Any) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def get(self, archive: Archive, key: Hashable, compute: Callable[[], T]) -> T:
        found = self.lookup(archive, key)
        if found is not MISSING:
            cached: T = found
            return cached
        value = compute()  # outside the lock: a slow query must not hold up hits
        self.store(key, value)
        return value


def cache_size_from_env() -> int:
    """`$NEWSARCHIVE_WEB_CACHE` entries (0 turns the cache off, e.g. to benchmark the engine)."""
    raw = os.environ.get("NEWSARCHIVE_WEB_CACHE", "")
    return int(raw) if raw.strip().isdigit() else DEFAULT_SIZE
