"""Per-article values that aggregations read for every match, held in memory as
columns (a search engine's "doc values"): publication instant and outlet.

A timeline counts the matches per period: for a common word that is every one of
22,000 matches (美国, 50,285 articles), and joining each to its article and latest
version to read its date cost ~60 ms of CPU, turning the rows into periods in Python
~60-90 ms more (issue #19: the search page's chart was the slowest part of a search).
With the values as arrays, a timeline is the index's match ids (no join: ~7 ms for
22,000) looked up and counted by numpy (~1 ms).

The arrays are read once per process and archive (~50-100 ms for 50,000 articles) and
kept up to date from the archive's high-water marks: articles, versions and captures
added since are read again (a new capture can give an article its outlet), a removal
reloads everything (ids can be reused). Portable SQL: both backends.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from newsarchive.archive.session import Session
from newsarchive.search.meta import REMOVALS

# More changed articles than this since the last read: read everything again (one scan
# costs about what this many lookups do).
MAX_INCREMENT = 5000

# Archives whose values one process keeps (a server serves one; tests open many).
MAX_ARCHIVES = 8

# (largest article id, largest version id, largest capture id, removals so far)
Marks = tuple[int, int, int, int]

_COLUMNS = (
    "SELECT a.id, v.published_ts, a.outlet FROM articles a"
    " LEFT JOIN versions v ON v.id = a.latest_version_id"
)


@dataclass(frozen=True, slots=True)
class DocValues:
    marks: Marks
    ids: npt.NDArray[np.int64]  # article ids, ascending
    published: npt.NDArray[np.float64]  # epoch seconds, NaN without a date
    outlet: npt.NDArray[np.int32]  # index into `outlets`
    outlets: tuple[str | None, ...]

    def rows_of(self, ids: Sequence[int]) -> npt.NDArray[np.intp]:
        """Positions of `ids` in the arrays (ids that are not there are left out)."""
        wanted = np.fromiter(ids, dtype=np.int64, count=len(ids))
        at = np.searchsorted(self.ids, wanted)
        inside = at < len(self.ids)
        at, wanted = at[inside], wanted[inside]
        return at[self.ids[at] == wanted]

    def outlet_code(self, name: str) -> int:
        """The code of outlet `name`, -1 when no article has it."""
        try:
            return self.outlets.index(name)
        except ValueError:
            return -1


_memo: dict[str, DocValues] = {}
_lock = threading.Lock()


def doc_values(conn: Session, database: str) -> DocValues:
    """The values of every article of the archive `conn` reads (`database`: its key,
    `Backend.database_key`), as of `conn`'s snapshot."""
    now = marks(conn)
    found = _memo.get(database)
    if found is not None and found.marks == now:
        return found
    if found is not None and _behind(found.marks, now):
        values = _refreshed(conn, found, now)
    else:
        values = _read(conn, now)
    with _lock:
        if database not in _memo and len(_memo) >= MAX_ARCHIVES:
            _memo.pop(next(iter(_memo)))  # the archive read longest ago
        _memo[database] = values
    return values


def marks(conn: Session) -> Marks:
    row = conn.execute(
        "SELECT (SELECT coalesce(max(id), 0) FROM articles),"
        " (SELECT coalesce(max(id), 0) FROM versions),"
        " (SELECT coalesce(max(id), 0) FROM captures),"
        f" {REMOVALS}"
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3] or 0)


def _behind(old: Marks, now: Marks) -> bool:
    """`old` can be brought to `now` by reading what was added (nothing was removed)."""
    return old[3] == now[3] and all(o <= n for o, n in zip(old[:3], now[:3], strict=True))


def _read(conn: Session, now: Marks) -> DocValues:
    """Every article's values: two scans, joined here (SQLite's join looked up each
    latest version in the wide versions table: 157 ms of CPU against 47 + 23 ms for
    the two scans, 51k archive)."""
    articles = conn.execute(
        "SELECT id, outlet, latest_version_id FROM articles ORDER BY id"
    ).fetchall()
    # Unordered: SQLite then reads the narrow index on published_ts (which holds the id
    # too) instead of the wide table.
    versions = conn.execute("SELECT id, published_ts FROM versions").fetchall()
    version_ids = np.array([r[0] for r in versions], dtype=np.int64)
    stamps = np.array([np.nan if r[1] is None else r[1] for r in versions], dtype=np.float64)
    order = np.argsort(version_ids)
    version_ids, stamps = version_ids[order], stamps[order]
    latest = np.array([-1 if r[2] is None else r[2] for r in articles], dtype=np.int64)
    at = np.searchsorted(version_ids, latest)
    published = np.full(len(articles), np.nan)
    inside = at < len(version_ids)
    hit = np.zeros(len(articles), dtype=np.bool_)
    hit[inside] = version_ids[at[inside]] == latest[inside]
    published[hit] = stamps[at[hit]]
    names: dict[str | None, int] = {}
    codes = [names.setdefault(r[1], len(names)) for r in articles]
    return DocValues(
        marks=now,
        ids=np.array([r[0] for r in articles], dtype=np.int64),
        published=published,
        outlet=np.array(codes, dtype=np.int32),
        outlets=tuple(names),
    )


def _merged(now: Marks, old: DocValues, rows: list[Any]) -> DocValues:
    """`old` with `rows` (id, published, outlet) added or replacing theirs."""
    names = {name: code for code, name in enumerate(old.outlets)}
    codes = [names.setdefault(r[2], len(names)) for r in rows]
    new_ids = np.array([r[0] for r in rows], dtype=np.int64)
    keep = ~np.isin(old.ids, new_ids)
    ids = np.concatenate([old.ids[keep], new_ids])
    published = np.concatenate(
        [
            old.published[keep],
            np.array([np.nan if r[1] is None else r[1] for r in rows], dtype=np.float64),
        ]
    )
    outlet = np.concatenate([old.outlet[keep], np.array(codes, dtype=np.int32)])
    order = np.argsort(ids, kind="stable")
    return DocValues(now, ids[order], published[order], outlet[order], tuple(names))


def _refreshed(conn: Session, old: DocValues, now: Marks) -> DocValues:
    """`old` with the articles added or changed since its marks read again."""
    changed = conn.execute(
        f"{_COLUMNS} WHERE a.id IN (SELECT id FROM articles WHERE id > ?"
        " UNION SELECT article_id FROM versions WHERE id > ?"
        " UNION SELECT article_id FROM captures WHERE id > ?)",
        old.marks[:3],
    ).fetchall()
    if len(changed) > MAX_INCREMENT:
        return _read(conn, now)
    return _merged(now, old, changed)
