"""Keeping the stored vectors in step with the archive, and rebuilding them.

`VectorHook` runs in every ingest transaction like the search index's hook: the
embedding is computed in `prepare` (the importer's parse workers, so import stays
parallel) and written in `on_version`, in the same transaction as the version, so the
vectors never describe text the archive does not hold. `reindex_vectors` recomputes
every article's vector from its stored latest version (after a model or recipe change).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from newsarchive.archive.session import Session
from newsarchive.model import Draft
from newsarchive.vectors.model import (
    MODEL_ID,
    ModelMissingError,
    article_input,
    embed,
    embed_one,
    quantise,
)

if TYPE_CHECKING:
    from newsarchive.archive import Archive

log = logging.getLogger(__name__)

_DERIVED_KEY = "vectors.vec"
# Articles embedded per step of `reindex_vectors` (the model batches them).
REINDEX_BATCH = 256

_INSERT = "INSERT INTO vectors(article_id, version_id, vec) VALUES(?, ?, ?)"


def bump_epoch(conn: Session) -> None:
    """Tell readers holding vectors in memory that rows went away (they reload)."""
    conn.execute(
        "UPDATE vectors_meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
        " WHERE key = 'epoch'"
    )


def _claim_model(conn: Session) -> None:
    conn.execute(
        "INSERT INTO vectors_meta(key, value) VALUES('model', ?) ON CONFLICT(key) DO NOTHING",
        (MODEL_ID,),
    )


def _vector_of(draft: Draft) -> bytes | None:
    try:
        return quantise(embed_one(article_input(draft.title, draft.text)))
    except ModelMissingError as exc:
        _warn_once(exc)
        return None


_warned = False


def _warn_once(exc: ModelMissingError) -> None:
    global _warned
    if not _warned:
        _warned = True
        log.warning("articles are stored without vectors: %s", exc)


class VectorHook:
    """The `ArchiveHook` that keeps one vector per article, of its latest version."""

    def __init__(self) -> None:
        self._claimed: set[Session] = set()

    def __getstate__(self) -> dict[str, object]:
        return {}  # sent to parse workers

    def __setstate__(self, state: dict[str, object]) -> None:
        self._claimed = set()

    def prepare(self, draft: Draft) -> None:
        """Embed ahead of storing (in the importer's parse workers)."""
        draft.derived[_DERIVED_KEY] = _vector_of(draft)

    def on_version(self, conn: Session, article_id: int, version_id: int, draft: Draft) -> None:
        blob = draft.derived[_DERIVED_KEY] if _DERIVED_KEY in draft.derived else _vector_of(draft)
        conn.execute("DELETE FROM vectors WHERE article_id = ?", (article_id,))
        if blob is None:
            return
        # Delete + insert (not an update): the new row's higher seq is how readers
        # holding the index in memory find it (see schema).
        conn.execute(_INSERT, (article_id, version_id, blob))
        if conn not in self._claimed:
            _claim_model(conn)
            self._claimed.add(conn)

    def before_commit(self, conn: Session) -> None:
        self._claimed.discard(conn)

    def on_rollback(self, conn: Session) -> None:
        self._claimed.discard(conn)

    def on_remove(self, conn: Session, article_id: int) -> None:
        if conn.execute("DELETE FROM vectors WHERE article_id = ?", (article_id,)).rowcount:
            bump_epoch(conn)


def reindex_vectors(archive: Archive, on_progress: Callable[[int, int], None] | None = None) -> int:
    """Recompute every article's vector from its stored latest version, in one
    transaction. Raises `ModelMissingError` (before changing anything) without the
    model. Returns the number of articles embedded."""
    embed(["probe"])  # fail before the transaction if the model is missing
    conn = archive.session
    n_total = int(
        conn.scalar("SELECT count(*) FROM articles WHERE latest_version_id IS NOT NULL") or 0
    )
    done = 0
    with archive.transaction() as tx:
        tx.execute("DELETE FROM vectors")
        tx.execute("DELETE FROM vectors_meta WHERE key = 'model'")
        _claim_model(tx)
        bump_epoch(tx)
        last = 0
        while True:
            rows = tx.execute(
                "SELECT a.id, v.id, v.title, v.text FROM articles a"
                " JOIN versions v ON v.id=a.latest_version_id WHERE a.id>? ORDER BY a.id LIMIT ?",
                (last, REINDEX_BATCH),
            ).fetchall()
            if not rows:
                break
            vecs = embed([article_input(r[2], r[3]) for r in rows])
            tx.executemany(
                _INSERT, [(r[0], r[1], quantise(v)) for r, v in zip(rows, vecs, strict=True)]
            )
            done += len(rows)
            last = rows[-1][0]
            if on_progress:
                on_progress(done, n_total)
    if on_progress and not done:
        on_progress(0, 0)
    return done
