"""Which articles a publish run covers, and the little it needs to know about each one
to decide what to rebuild, without loading 51,000 article bodies.

Reads the core tables (`archive/schema.py`) directly for that summary; the full records
come from `Archive.article()` only for pages that must be rendered again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from newsarchive import search
from newsarchive.archive import Archive
from newsarchive.outlets import outlet_for_name


@dataclass(slots=True)
class Entry:
    """Not frozen and with precomputed `when`/`day`/`path`: a republish builds 50,000 of
    these and reads `day` three times each (frozen dataclasses and strftime were 40% of
    an unchanged republish)."""

    id: int
    version_id: int
    version_count: int
    last_capture: int  # highest capture id: a new capture changes the article page
    title: str
    outlet: str | None
    published: datetime | None
    first_seen: datetime
    when: datetime = field(init=False)  # publication time, else when we first saw it
    day: str = field(init=False)  # UTC day of `when`
    path: str = field(init=False)

    def __post_init__(self) -> None:
        self.when = self.published or self.first_seen
        self.day = self.when.astimezone(UTC).date().isoformat()
        # 1,000 pages per folder: git hosts and some file systems dislike huge folders.
        self.path = f"a/{self.id // 1000}/{self.id}.html"


@dataclass(frozen=True, slots=True)
class Selection:
    query: str | None = None
    outlet: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def outlet_slug(name: str | None) -> str:
    """A stable ASCII file name for an outlet (its profile key when it has one)."""
    if not name:
        return "unknown"
    known = outlet_for_name(name)
    if known is not None:
        return known.key
    return "x" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]


def load_entries(archive: Archive, selection: Selection) -> list[Entry]:
    """The selected articles, oldest first (the order search documents are numbered in)."""
    wanted: set[int] | None = None
    if selection.query:
        wanted = _query_ids(archive, selection.query, selection)
    out: list[Entry] = []
    for row in archive.catalog():
        e = Entry(
            id=row.id,
            version_id=row.version_id,
            outlet=row.outlet,
            first_seen=row.first_seen,
            title=row.title,
            published=row.published,
            version_count=row.version_count,
            last_capture=row.last_capture,
        )
        if wanted is not None and e.id not in wanted:
            continue
        if selection.outlet and not _same_outlet(e.outlet, selection.outlet):
            continue
        if selection.since and e.when < selection.since:
            continue
        if selection.until and e.when >= selection.until:
            continue
        out.append(e)
    out.sort(key=lambda e: (e.when, e.id))
    return out


def _same_outlet(have: str | None, want: str) -> bool:
    if have is None:
        return False
    return have == want or outlet_slug(have) == outlet_slug(want)


def _query_ids(archive: Archive, query: str, selection: Selection) -> set[int]:
    """All articles the archive's search engine finds for `query` (paged through)."""
    ids: set[int] = set()
    offset, page = 0, 500
    while True:
        result = search.search(
            archive,
            query,
            outlet=selection.outlet,
            since=selection.since,
            until=selection.until,
            limit=page,
            offset=offset,
        )
        ids.update(h.id for h in result.hits)
        offset += page
        if not result.hits or offset >= result.total:
            return ids
