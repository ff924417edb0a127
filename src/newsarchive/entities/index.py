"""Keeping each article's entities and figures in step with its latest version.

`EntitiesHook.prepare` recognises in the importer's parse workers (the tagger costs a few
ms an article; the single writer only stores rows). `reindex_entities` rebuilds every
row from the stored latest versions (after a lexicon or recogniser change).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from newsarchive.archive.session import Session
from newsarchive.entities import postgres
from newsarchive.entities.figures import extract_figures
from newsarchive.entities.recognize import recognize
from newsarchive.model import Draft

if TYPE_CHECKING:
    from newsarchive.archive import Archive

_DERIVED_KEY = "entities.rows"
REINDEX_BATCH = 500

# (entity_id, name, kind, mentions, weak) and (text, value, unit, what, sentence).
MentionRow = tuple[str, str, str, int, int]
FigureRow = tuple[str, float, str, str, str]
Rows = tuple[list[MentionRow], list[FigureRow]]


# Characters of an article's text read for entities and figures. The longest article of
# the 51k Jekyll archive has 50,488; a file near the importer's 4 MiB limit (a dump, a
# book) holds ~1.9 M, and recognising all of it took a parse worker from 166 to 364 MiB
# (bench/import_memory.py's worst case, whose target is 500 MB a process). What such a
# text names is named in its first 200,000 characters too.
MAX_TEXT = 200_000


def article_rows(title: str, text: str) -> Rows:
    text = text[:MAX_TEXT]
    mentions = [
        (f.entity.id, f.entity.name, f.entity.kind, f.mentions, int(f.weak))
        for f in recognize(title, text)
    ]
    figures = [
        (f.text, f.value, f.unit, f.what, f.sentence)
        for f in extract_figures(f"{title}\n{text}" if title else text)
    ]
    return mentions, figures


def store_rows(tx: Session, article_id: int, rows: Rows) -> None:
    mentions, figures = rows
    if tx.dialect == "postgres":
        postgres.store_rows(tx, article_id, mentions, figures)
        return
    forget(tx, article_id)
    if mentions:
        tx.executemany(
            "INSERT INTO entity_mentions(article_id, entity_id, name, kind, mentions, weak)"
            " VALUES(?,?,?,?,?,?)",
            [(article_id, *m) for m in mentions],
        )
    if figures:
        tx.executemany(
            "INSERT INTO entity_figures(article_id, seq, text, value, unit, what, sentence)"
            " VALUES(?,?,?,?,?,?,?)",
            [(article_id, seq, *f) for seq, f in enumerate(figures)],
        )


def forget(tx: Session, article_id: int) -> None:
    if tx.dialect == "postgres":
        postgres.forget(tx, article_id)
        return
    tx.execute("DELETE FROM entity_mentions WHERE article_id=?", (article_id,))
    tx.execute("DELETE FROM entity_figures WHERE article_id=?", (article_id,))


class EntitiesHook:
    """ArchiveHook: entity mentions and figures of each article's latest version."""

    def prepare(self, draft: Draft) -> None:
        draft.derived[_DERIVED_KEY] = article_rows(draft.title, draft.text)

    def on_version(self, tx: Session, article_id: int, version_id: int, draft: Draft) -> None:
        rows = draft.derived.get(_DERIVED_KEY)
        if rows is None:
            rows = article_rows(draft.title, draft.text)
        store_rows(tx, article_id, rows)

    def on_remove(self, tx: Session, article_id: int) -> None:
        forget(tx, article_id)


def reindex_entities(
    archive: Archive, on_progress: Callable[[int, int], None] | None = None
) -> int:
    """Rebuild every article's entities and figures, in one transaction."""
    conn = archive.session
    total = int(
        conn.scalar("SELECT count(*) FROM articles WHERE latest_version_id IS NOT NULL") or 0
    )
    done = 0
    with archive.transaction() as tx:
        tx.execute("DELETE FROM entity_mentions")
        tx.execute("DELETE FROM entity_figures")
        last = 0
        while True:
            rows = tx.all(
                "SELECT a.id, v.title, v.text FROM articles a"
                " JOIN versions v ON v.id=a.latest_version_id WHERE a.id>? ORDER BY a.id LIMIT ?",
                (last, REINDEX_BATCH),
            )
            if not rows:
                break
            for article_id, title, text in rows:
                store_rows(tx, article_id, article_rows(title, text))
            done += len(rows)
            last = rows[-1][0]
            if on_progress:
                on_progress(done, total)
    return done
