"""A cache of search and timeline results with near-real-time refresh.

Readers ask the same popular queries again and again, and a common word (美国: 22,000
matches in the 51,000-article archive) costs the engine tens of milliseconds to rank.
The archive changes only when an import or fetch commits, but an import commits every
few hundred files: emptying the cache at every commit (the first design) made every
commit a storm of expensive misses, which set the p99 latency under import (854 ms).

So results follow Elasticsearch's *refresh interval* model instead:

- Every request first asks its own connection for the archive's generation (SQLite's
  `PRAGMA data_version`, a counter on PostgreSQL), which
  changes when any other connection (any process) has committed; each change seen moves
  the cache's *generation* on. An entry computed in the current generation is served
  as it is.
- An entry from an older generation may still be served for up to `refresh` seconds
  after it was computed, so a new article appears in results within about that long.
  After that it is recomputed; the API serves the previous result meanwhile and
  refreshes in the background (`Cached.refresh`), for at most `max_stale` seconds.
- But a result never shows text that is no longer current: an entry records the
  (article id, version id) of every hit it shows, and before an entry from an older
  generation is served those are checked against `articles.latest_version_id` (one
  indexed query). A deleted or re-versioned hit makes the request compute afresh.
  Entries whose hits cannot be checked (``shown=None``) keep the old rule: never
  served after the first commit.
- Recomputing is cheap for searches: an entry keeps the engine's `SearchPage`, whose
  ranking `search(previous=...)` brings up to date by scoring only what was committed
  since (`search.ranked`): 美国 (22,000 matches) costs ~1-10 ms instead of ~90 ms.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from newsarchive.archive import Archive

T = TypeVar("T")

# 1024 result pages of 20 hits are ~20 MB; enough for the popular head of a query log.
DEFAULT_SIZE = 1024
# How soon a new article shows up in a cached result (Elasticsearch's default is 1 s).
REFRESH_SECONDS = 1.0
# Beyond this age a result from an older generation is never served: the request waits
# for a fresh one. It bounds staleness when background refreshes fall behind, which
# happens only under heavy writes: with 10 s, an import committing every few seconds
# left the single refresher behind on the 354 distinct searches of bench/web.py, and
# every result it had not reached became a synchronous miss queued behind others (p99
# 236 ms while the import ran); with 60 s the misses stopped (p99 40 ms) and results
# lagged the newest commit by the figures the benchmark prints (X-Result-Lag).
MAX_STALE_SECONDS = 60.0

# (article id, version id) of each hit a cached value shows.
Shown = tuple[tuple[int, int], ...]


@dataclass(slots=True)
class _Entry:
    value: Any
    shown: Shown | None  # None: hits cannot be checked, drop at the first commit
    generation: int
    computed_at: float
    # What the engine needs to bring the value up to date cheaply (for a search: the
    # SearchPage, see `search(previous=)`); kept even once the value may not be served.
    state: Any = None


@dataclass(frozen=True, slots=True)
class Cached:
    value: Any
    refresh: bool  # served from an older generation past `refresh`: recompute it soon
    # Seconds since the first commit this value does not reflect was seen (0: current).
    lag: float = 0.0


def shown_of(hits: Any) -> Shown | None:
    """(id, version_id) of search hits, or None when a hit does not say its version."""
    out = []
    for hit in hits:
        version = getattr(hit, "version_id", None)
        if version is None:
            return None
        out.append((int(hit.id), int(version)))
    return tuple(out)


def still_current(archive: Archive, shown: Shown) -> bool:
    """Whether every shown hit is still its article's latest version."""
    if not shown:
        return True
    ids = [article_id for article_id, _ in shown]
    latest = archive.latest_versions(ids)
    return all(latest.get(article_id) == version for article_id, version in shown)


class ResultCache:
    def __init__(
        self,
        size: int = DEFAULT_SIZE,
        *,
        refresh: float = REFRESH_SECONDS,
        max_stale: float = MAX_STALE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.size = size
        self.refresh = refresh
        self.max_stale = max(max_stale, refresh)
        self._clock = clock
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._seen: dict[int, Any] = {}  # id(connection) -> its last generation
        self._generation = 0
        # When each generation was first seen (clock time), to say how far behind a
        # value from an older one is; the oldest are forgotten.
        self._born: dict[int, float] = {0: clock()}
        self._refreshing: set[Hashable] = set()
        self.hits = self.misses = self.stale_hits = 0

    def generation(self, archive: Archive) -> int:
        """The current generation, after asking `archive`'s connection whether another
        connection has committed since it last asked. Read it BEFORE computing a value
        that will be stored: a commit during the computation then counts as newer."""
        version = archive.generation()
        key = id(archive.session)
        with self._lock:
            last = self._seen.get(key)
            self._seen[key] = version
            # A connection seen for the first time may already see commits no other
            # connection has reported: count that as a change too (conservative).
            if last != version:
                self._generation += 1
                self._born[self._generation] = self._clock()
                if len(self._born) > 4096:
                    for old in sorted(self._born)[:2048]:
                        del self._born[old]
            return self._generation

    def lookup(self, archive: Archive, key: Hashable) -> Cached | None:
        """The cached value if it may be served, else None. `archive` is the caller's
        own connection: asking it first is what makes a commit anywhere visible."""
        if self.size <= 0:
            return None
        generation = self.generation(archive)
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            if entry.generation == generation:
                self.hits += 1
                return Cached(entry.value, refresh=False)
        age = now - entry.computed_at
        if entry.shown is None or age > self.max_stale or not still_current(archive, entry.shown):
            # Not served; the entry stays for its `state` until `store` replaces it.
            with self._lock:
                self.misses += 1
            return None
        with self._lock:
            self.stale_hits += 1
            missed = self._born.get(entry.generation + 1)
        lag = now - missed if missed is not None else age
        return Cached(entry.value, refresh=age > self.refresh, lag=lag)

    def store(
        self,
        key: Hashable,
        value: Any,
        shown: Shown | None,
        generation: int,
        state: Any = None,
    ) -> None:
        """Keep `value`, computed from data at least as new as `generation`."""
        if self.size <= 0:
            return
        with self._lock:
            old = self._entries.get(key)
            if old is not None and old.generation > generation:
                return  # a twin computation from newer data already landed
            self._entries[key] = _Entry(value, shown, generation, self._clock(), state)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def previous(self, key: Hashable) -> Any:
        """The engine state stored with `key`'s last value (None if there is none), for
        recomputing it incrementally; valid or not, the engine checks it."""
        with self._lock:
            entry = self._entries.get(key)
            return entry.state if entry is not None else None

    def claim_refresh(self, key: Hashable) -> bool:
        """True for the one caller that should recompute `key` in the background."""
        with self._lock:
            if key in self._refreshing:
                return False
            self._refreshing.add(key)
            return True

    def release_refresh(self, key: Hashable) -> None:
        with self._lock:
            self._refreshing.discard(key)

    def get(
        self,
        archive: Archive,
        key: Hashable,
        compute: Callable[[Any], T],
        shown: Callable[[T], Shown | None] = lambda _: None,
        state: Callable[[T], Any] = lambda _: None,
    ) -> T:
        """The cached value, or `compute(previous state)` (stored with `shown(value)` and
        `state(value)`). A value due for refresh is recomputed here, synchronously."""
        found = self.lookup(archive, key)
        if found is not None and not found.refresh:
            cached: T = found.value
            return cached
        generation = self.generation(archive)
        # Outside the lock: a slow query must not hold up hits.
        value = compute(self.previous(key))
        self.store(key, value, shown(value), generation, state(value))
        return value


def cache_size_from_env() -> int:
    """`$NEWSARCHIVE_WEB_CACHE` entries (0 turns the cache off, e.g. to benchmark the engine)."""
    raw = os.environ.get("NEWSARCHIVE_WEB_CACHE", "")
    return int(raw) if raw.strip().isdigit() else DEFAULT_SIZE
