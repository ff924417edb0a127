"""Keeping the search index in step with the archive.

`SearchIndexHook` runs inside every ingest transaction (see `ArchiveHook`): a new latest
version replaces the article's row, a removed article loses it. Because it is the same
transaction, a crash can never leave the index describing text the archive does not hold.
`reindex` rebuilds everything from the stored versions (after a segmenter change, or to
check that incremental updates and a rebuild agree).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from newsarchive.archive.db import ArchiveError
from newsarchive.archive.session import Session
from newsarchive.model import Draft
from newsarchive.text.segment import fold, segment_with_runs, segmenter_version

if TYPE_CHECKING:
    from newsarchive.archive import Archive


class IndexOutdatedError(ArchiveError):
    """The index was built by another segmenter: its rows cannot be replaced exactly."""


def index_row(title: str, text: str) -> tuple[str, str, str]:
    """The three column values stored for one article: title tokens, body tokens and
    distinct CJK characters, all script-folded."""
    title_tokens, title_runs = segment_with_runs(fold(title))
    body_tokens, body_runs = segment_with_runs(fold(text))
    return title_tokens, body_tokens, _distinct_chars("".join(title_runs) + "".join(body_runs))


def _distinct_chars(runs: str) -> str:
    """The distinct characters of `runs` in code point order, space-separated. One
    numpy.unique over the code points: 0.039 against 0.080 ms an article for Python's
    set and sorted() (1,500 corpus articles; the same strings), in the parse workers."""
    if not runs:
        return ""
    codes = np.unique(np.frombuffer(runs.encode("utf-32-le"), dtype="<u4"))
    return " ".join(codes.tobytes().decode("utf-32-le"))


_INSERT_SQL = "INSERT INTO search_fts(rowid, title, body, chars) VALUES(?,?,?,?)"
_DELETE_SQL = (
    "INSERT INTO search_fts(search_fts, rowid, title, body, chars) VALUES('delete',?,?,?,?)"
)


def _insert(
    conn: Session,
    article_id: int,
    version_id: int,
    row: tuple[str, ...],
    defer: _Deferred | None = None,
) -> None:
    if defer is None or not defer.claimed:
        _claim_index(conn)
    if defer is None:
        conn.execute(_INSERT_SQL, (article_id, *row))
    else:
        defer.insert(article_id, row)
    conn.execute(
        "INSERT OR REPLACE INTO search_docs(article_id, version_id) VALUES(?,?)",
        (article_id, version_id),
    )


def _segmenter_of_index(conn: Session) -> str | None:
    row = conn.execute("SELECT value FROM search_meta WHERE key='segmenter'").fetchone()
    return None if row is None else str(row[0])


def _claim_index(conn: Session) -> None:
    """A fresh index records which segmenter fills it."""
    if _segmenter_of_index(conn) is None:
        conn.execute(
            "INSERT INTO search_meta(key, value) VALUES('segmenter', ?)", (segmenter_version(),)
        )


def _check_segmenter(conn: Session) -> None:
    """Refuse to delete rows indexed by another segmenter: contentless FTS5 deletes by
    re-supplying the row's tokens, and different tokens would corrupt the index."""
    built_by = _segmenter_of_index(conn)
    if built_by is not None and built_by != segmenter_version():
        raise IndexOutdatedError(
            f"the search index was built by another segmenter ({built_by}; this is "
            f"{segmenter_version()}): run `newsarchive reindex`"
        )


def _delete(conn: Session, article_id: int, defer: _Deferred | None = None) -> None:
    if defer is not None and defer.cancel_insert(article_id):
        # Indexed in this transaction and not written yet: nothing to delete, and no
        # need to segment the old text again (~1 ms in the writer).
        conn.execute("DELETE FROM search_docs WHERE article_id=?", (article_id,))
        return
    old = conn.execute(
        "SELECT v.title, v.text FROM search_docs d JOIN versions v ON v.id=d.version_id"
        " WHERE d.article_id=?",
        (article_id,),
    ).fetchone()
    if old is None:
        return
    # Only an exact delete needs the same segmenter; new articles can always be added.
    _check_segmenter(conn)
    row = index_row(old[0], old[1])
    if defer is None:
        conn.execute(_DELETE_SQL, (article_id, *row))
    else:
        defer.delete(article_id, row)
    conn.execute("DELETE FROM search_docs WHERE article_id=?", (article_id,))


_DERIVED_KEY = "search.index_row"


class _Deferred:
    """search_fts writes held until the transaction commits (see `SearchIndexHook`)."""

    def __init__(self) -> None:
        self._ops: list[tuple[int, str, tuple[str, ...]] | None] = []
        self._inserted: dict[int, int] = {}  # rowid -> its pending insert in _ops
        # The index's segmenter is recorded (or checked) once a transaction, not on
        # every insert: a lookup per article (0.003 ms of the writer's ~0.5 ms a file).
        self.claimed = False

    def insert(self, rowid: int, row: tuple[str, ...]) -> None:
        self.claimed = True
        self._inserted[rowid] = len(self._ops)
        self._ops.append((rowid, _INSERT_SQL, row))

    def delete(self, rowid: int, row: tuple[str, ...]) -> None:
        self._ops.append((rowid, _DELETE_SQL, row))

    def cancel_insert(self, rowid: int) -> bool:
        """Drop the pending insert of `rowid`, if any: deleting the row it would add
        leaves the index as it was. (A delete after an insert of the same rowid also
        makes FTS5 flush, even in rowid order.)"""
        at = self._inserted.pop(rowid, None)
        if at is None:
            return False
        self._ops[at] = None
        return True

    def write(self, conn: Session) -> None:
        # By rowid; sorted() is stable, so one row's delete stays before its insert.
        ops = sorted((op for op in self._ops if op is not None), key=lambda op: op[0])
        for rowid, sql, row in ops:
            conn.execute(sql, (rowid, *row))


class SearchIndexHook:
    """The `ArchiveHook` that keeps `search_fts` equal to the articles' latest versions.

    Its search_fts writes wait for the end of the transaction and go in rowid order
    (search_docs is written at once, so the hook's own reads stay exact). FTS5 flushes
    its pending terms to a new segment whenever a row comes in below the last rowid
    written: each new version of a known article (its 'delete' and re-insert) cost a
    flush mid-batch, 4.9 ms each, 0.108 ms a file over a 10,000-file import (2% new
    versions) against 0.144 ms a file for all the inserts. In rowid order the batch
    flushes about once. Same rows, same order per article, so the same index contents;
    a row inserted and deleted in one transaction is never written (nor re-segmented
    to be deleted).
    """

    def __init__(self) -> None:
        self._deferred: dict[Session, _Deferred] = {}

    def __getstate__(self) -> dict[str, object]:
        return {}  # sent to parse workers: pending writes stay with their connection

    def __setstate__(self, state: dict[str, object]) -> None:
        self._deferred = {}

    def before_commit(self, conn: Session) -> None:
        deferred = self._deferred.pop(conn, None)
        if deferred is not None:
            deferred.write(conn)

    def on_rollback(self, conn: Session) -> None:
        self._deferred.pop(conn, None)

    def prepare(self, draft: Draft) -> None:
        """Segment ahead of storing (in the importer's parse workers)."""
        draft.derived[_DERIVED_KEY] = index_row(draft.title, draft.text)

    def on_version(self, conn: Session, article_id: int, version_id: int, draft: Draft) -> None:
        defer = self._deferred.setdefault(conn, _Deferred())
        _delete(conn, article_id, defer)
        row = draft.derived.get(_DERIVED_KEY) or index_row(draft.title, draft.text)
        _insert(conn, article_id, version_id, row, defer)

    def on_remove(self, conn: Session, article_id: int) -> None:
        _delete(conn, article_id, self._deferred.setdefault(conn, _Deferred()))
        # Counted so that a ranking kept for incremental updates (`search.ranked`) can
        # tell, with one lookup, that one of its matches may have disappeared.
        conn.execute(
            "INSERT INTO search_meta(key, value) VALUES('removals', '1') ON CONFLICT(key)"
            " DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )


def removals(conn: Session) -> int:
    """How many articles have been removed from the index, ever."""
    row = conn.execute("SELECT value FROM search_meta WHERE key = 'removals'").fetchone()
    return int(row[0]) if row else 0


def reindex(archive: Archive, on_progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the whole index from the stored latest versions, in one transaction.

    `on_progress(done, total)` is called every 500 articles and at the end. Returns the
    number of articles indexed."""
    conn = archive.session
    total = conn.execute("SELECT count(*) FROM articles WHERE latest_version_id IS NOT NULL")
    n_total: int = total.fetchone()[0]
    done = 0
    with archive.transaction():
        conn.execute("INSERT INTO search_fts(search_fts) VALUES('delete-all')")
        conn.execute("DELETE FROM search_docs")
        last = 0
        while True:
            rows = conn.execute(
                "SELECT a.id, v.id, v.title, v.text FROM articles a"
                " JOIN versions v ON v.id=a.latest_version_id WHERE a.id>? ORDER BY a.id LIMIT 500",
                (last,),
            ).fetchall()
            if not rows:
                break
            for article_id, version_id, title, text in rows:
                _insert(conn, article_id, version_id, index_row(title, text))
            done += len(rows)
            last = rows[-1][0]
            if on_progress:
                on_progress(done, n_total)
        conn.execute("INSERT INTO search_fts(search_fts) VALUES('optimize')")
        conn.execute(
            "INSERT OR REPLACE INTO search_meta(key, value) VALUES('segmenter', ?)",
            (segmenter_version(),),
        )
    if on_progress and not done:
        on_progress(0, 0)
    return done
