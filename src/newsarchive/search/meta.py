"""The index's bookkeeping in `search_meta`, the same table and values on both backends:
which segmenter built the index, and how many articles were ever removed from it."""

from __future__ import annotations

from newsarchive.archive.db import ArchiveError
from newsarchive.archive.session import Session
from newsarchive.text.segment import segmenter_version


class IndexOutdatedError(ArchiveError):
    """The index was built by another segmenter: its rows cannot be replaced exactly."""


def segmenter_of_index(conn: Session) -> str | None:
    row = conn.execute("SELECT value FROM search_meta WHERE key='segmenter'").fetchone()
    return None if row is None else str(row[0])


def claim_index(conn: Session) -> None:
    """A fresh index records which segmenter fills it."""
    if segmenter_of_index(conn) is None:
        conn.execute(
            "INSERT INTO search_meta(key, value) VALUES('segmenter', ?)", (segmenter_version(),)
        )


def set_segmenter(conn: Session) -> None:
    """The whole index was rebuilt by this segmenter (`reindex`)."""
    conn.execute(
        "INSERT INTO search_meta(key, value) VALUES('segmenter', ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (segmenter_version(),),
    )


def check_segmenter(conn: Session) -> None:
    """Refuse to replace rows indexed by another segmenter. On SQLite a contentless FTS5
    row is deleted by re-supplying its tokens, and different tokens would corrupt the
    index; on PostgreSQL the rows could be replaced, but the index would then mix two
    segmentations, so a query would meet some articles' tokens and not others': both
    backends ask for `newsarchive reindex` alike."""
    built_by = segmenter_of_index(conn)
    if built_by is not None and built_by != segmenter_version():
        raise IndexOutdatedError(
            f"the search index was built by another segmenter ({built_by}; this is "
            f"{segmenter_version()}): run `newsarchive reindex`"
        )


def count_removal(conn: Session) -> None:
    """Counted so that a ranking kept for incremental updates (`search.ranked`) can
    tell, with one lookup, that one of its matches may have disappeared."""
    conn.execute(
        "INSERT INTO search_meta(key, value) VALUES('removals', '1') ON CONFLICT(key)"
        " DO UPDATE SET value = CAST(CAST(search_meta.value AS INTEGER) + 1 AS TEXT)"
    )


# The removal counter as a scalar subquery (NULL before the first removal), for
# statements that read it along with other things (`ranked.marks`).
REMOVALS = "(SELECT value FROM search_meta WHERE key = 'removals')"


def removals(conn: Session) -> int:
    """How many articles have been removed from the index, ever."""
    return int(conn.scalar(f"SELECT {REMOVALS}") or 0)
