"""The listings the web app shows (newest articles, outlets), over the archive's typed
reads, and the outlet list's short-lived cache."""

from __future__ import annotations

import threading
import time

from newsarchive.archive import Archive
from newsarchive.archive.reads import ArticleSummary, OutletSummary


def recent_articles(
    archive: Archive, *, outlet: str | None = None, limit: int = 20, offset: int = 0
) -> list[ArticleSummary]:
    return archive.recent_articles(outlet=outlet, limit=limit, offset=offset)


def articles_by_id(archive: Archive, ids: list[int]) -> list[ArticleSummary]:
    """Summaries in the order of `ids` (missing ids are skipped)."""
    return archive.summaries(ids)


def outlets(archive: Archive) -> list[OutletSummary]:
    return archive.outlets()


def outlet(archive: Archive, name: str) -> OutletSummary | None:
    found = archive.outlets(name)
    return found[0] if found else None


# The outlet list is a GROUP BY over every article, shown in every search form; a few
# seconds of staleness is invisible, recomputing it per page view is not.
OUTLETS_TTL = 30.0
_outlet_cache: dict[str, tuple[float, list[OutletSummary]]] = {}
_outlet_lock = threading.Lock()


def outlets_cached(archive: Archive) -> list[OutletSummary]:
    key = archive.name
    now = time.monotonic()
    with _outlet_lock:
        hit = _outlet_cache.get(key)
    if hit and hit[0] > now:
        return hit[1]
    fresh = outlets(archive)
    with _outlet_lock:
        _outlet_cache[key] = (now + OUTLETS_TTL, fresh)
    return fresh
