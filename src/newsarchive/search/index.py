"""Keeping the search index in step with the archive.

`SearchIndexHook` runs inside every ingest transaction (see `ArchiveHook`): a new latest
version replaces the article's row, a removed article loses it. Because it is the same
transaction, a crash can never leave the index describing text the archive does not hold.
`reindex` rebuilds everything from the stored versions (after a segmenter change, or to
check that incremental updates and a rebuild agree).

The rows are `tokens.index_row`; how they are written is the backend's (`backends`):
SQLite holds its FTS5 writes to the end of the transaction, PostgreSQL writes at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from newsarchive.archive.session import Session
from newsarchive.model import Draft
from newsarchive.search.backends import Writer, backend, backend_of
from newsarchive.search.meta import IndexOutdatedError, count_removal, removals, set_segmenter
from newsarchive.search.tokens import distinct_chars, index_row

if TYPE_CHECKING:
    from newsarchive.archive import Archive

__all__ = [
    "IndexOutdatedError",
    "SearchIndexHook",
    "distinct_chars",
    "index_row",
    "reindex",
    "removals",
]

_DERIVED_KEY = "search.index_row"
# What the archive's backend makes of the row without a database (`Backend.prepared`).
_PREPARED_KEY = "search.prepared"

# Articles read (and segmented) per step of `reindex`; progress is reported per step.
REINDEX_BATCH = 500


class SearchIndexHook:
    """The `ArchiveHook` that keeps the index equal to the articles' latest versions,
    through one backend `Writer` per transaction."""

    def __init__(self) -> None:
        self._writers: dict[Session, Writer] = {}
        # The dialect of the archive last opened with this hook: what `prepare` makes
        # the backend's literals for (none before one is opened).
        self._dialect: str | None = None

    def __getstate__(self) -> dict[str, object]:
        # Sent to parse workers: pending writes stay with their connection.
        return {"dialect": self._dialect}

    def __setstate__(self, state: dict[str, object]) -> None:
        self._writers = {}
        dialect = state.get("dialect")
        self._dialect = dialect if isinstance(dialect, str) else None

    def opened(self, archive: Archive) -> None:
        self._dialect = archive.dialect

    def _writer(self, conn: Session) -> Writer:
        found = self._writers.get(conn)
        if found is None:
            found = self._writers[conn] = backend(conn).writer(conn)
        return found

    def before_commit(self, conn: Session) -> None:
        writer = self._writers.pop(conn, None)
        if writer is not None:
            writer.flush()

    def on_rollback(self, conn: Session) -> None:
        self._writers.pop(conn, None)

    def prepare(self, draft: Draft) -> None:
        """Segment ahead of storing (in the importer's parse workers)."""
        row = draft.derived[_DERIVED_KEY] = index_row(draft.title, draft.text)
        if self._dialect is not None:
            draft.derived[_PREPARED_KEY] = (self._dialect, backend_of(self._dialect).prepared(row))

    def on_version(self, conn: Session, article_id: int, version_id: int, draft: Draft) -> None:
        writer = self._writer(conn)
        writer.remove(article_id)
        row = draft.derived.get(_DERIVED_KEY)
        if row is None:
            writer.add(article_id, version_id, index_row(draft.title, draft.text))
            return
        dialect, prepared = draft.derived.get(_PREPARED_KEY) or (None, None)
        # Prepared for another dialect (the hook opened with another archive since):
        # the writer makes its own.
        writer.add(article_id, version_id, row, prepared if dialect == conn.dialect else None)

    def on_remove(self, conn: Session, article_id: int) -> None:
        self._writer(conn).remove(article_id)
        count_removal(conn)

    def settle(self, archive: Archive) -> None:
        """After a run of writes (`Archive.settle`): the backend's upkeep, outside a
        transaction (SQLite has none to do, and would take the writer lock for it)."""
        conn = archive.session
        backend(conn).settle(conn)


def reindex(archive: Archive, on_progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the whole index from the stored latest versions, in one transaction.

    `on_progress(done, total)` is called every REINDEX_BATCH articles and at the end.
    Returns the number of articles indexed."""
    conn = archive.session
    n_total = int(
        conn.scalar("SELECT count(*) FROM articles WHERE latest_version_id IS NOT NULL") or 0
    )
    done = 0
    if on_progress and n_total:
        on_progress(0, n_total)  # the bar knows its total from the first second
    with archive.transaction():
        index = backend(conn)
        index.clear(conn)
        writer = index.writer(conn, deferred=False)
        last = 0
        while True:
            rows = conn.execute(
                "SELECT a.id, v.id, v.title, v.text FROM articles a"
                " JOIN versions v ON v.id=a.latest_version_id WHERE a.id>? ORDER BY a.id LIMIT ?",
                (last, REINDEX_BATCH),
            ).fetchall()
            if not rows:
                break
            for article_id, version_id, title, text in rows:
                writer.add(article_id, version_id, index_row(title, text))
            writer.flush()
            done += len(rows)
            last = rows[-1][0]
            if on_progress:
                on_progress(done, n_total)
        index.optimize(conn)
        set_segmenter(conn)
    if on_progress and not done:
        on_progress(0, 0)
    return done
