"""Names grown from an archive's own articles: the alias table learns the names its
articles write as ``中文（Latin）`` (`华为（Huawei）`) beyond the shipped table.

Three steps, each cheap where it runs:
- `NamesHook` (in the archive's transactions) stores each latest version's whole-run
  pairs in `name_pairs` — a regular expression over the text, done in the parse workers;
- `NamesHook.settle` (after an import, a fetch pass or a history import) regrows the
  entities from every stored pair with the shipped table's own recipe
  (`names.build.entities_from`: titles trimmed by the corpus, forms grouped, regional
  writings added) when enough changed (`_due`), and stores what they add to the
  shipped table (`beyond`) in `name_grown`;
- `grown_entities` reads those rows: `alias_table(archive)` adds them to the shipped
  table, so a read-only search pays one small SELECT, never the growing.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from newsarchive.archive import Session
from newsarchive.model import Draft
from newsarchive.names.mine import latin_key, pairs_in
from newsarchive.names.table import AliasTable, Entity, shipped_fingerprint

if TYPE_CHECKING:
    from newsarchive.archive import Archive

_DERIVED_KEY = "names.pairs"
_REINDEX_BATCH = 500
# When a run's changes make a regrowth due (`_due`).
GROW_SHARE = 0.02
GROW_INTERVAL = 3600
PairRow = tuple[str, str, int]  # (run, latin as written, occurrences)


def article_pairs(title: str, text: str) -> list[PairRow]:
    """The whole-run pairs of one article (runs cut at twelve characters have an
    unknown start and are left out, as when the shipped table was mined)."""
    counts: Counter[tuple[str, str]] = Counter(
        (p.run, p.latin) for p in pairs_in(title + "\n" + text) if p.whole
    )
    return [(run, latin, n) for (run, latin), n in sorted(counts.items())]


def _generation(tx: Session, key: str) -> int:
    return int(tx.scalar("SELECT value FROM name_state WHERE key=?", (key,)) or 0)


def _set_generation(tx: Session, key: str, value: int) -> None:
    tx.execute(
        "INSERT INTO name_state (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value=excluded.value",
        (key, value),
    )


def store_pairs(tx: Session, article_id: int, rows: Sequence[PairRow]) -> bool:
    """Replace `article_id`'s pairs; True (1) when the article had or has any."""
    had = tx.execute("DELETE FROM name_pairs WHERE article_id=?", (article_id,)).rowcount
    if rows:
        tx.executemany(
            "INSERT INTO name_pairs (article_id, run, latin, n) VALUES (?, ?, ?, ?)",
            [(article_id, *row) for row in rows],
        )
    return bool(rows) or bool(had and had > 0)


class NamesHook:
    """ArchiveHook: the ``中文（Latin）`` pairs of each article's latest version."""

    def __init__(self) -> None:
        self._changed = 0

    def prepare(self, draft: Draft) -> None:
        draft.derived[_DERIVED_KEY] = article_pairs(draft.title, draft.text)

    def on_version(self, tx: Session, article_id: int, version_id: int, draft: Draft) -> None:
        rows = draft.derived.get(_DERIVED_KEY)
        if rows is None:
            rows = article_pairs(draft.title, draft.text)
        self._changed += store_pairs(tx, article_id, rows)

    def on_remove(self, tx: Session, article_id: int) -> None:
        self._changed += store_pairs(tx, article_id, [])

    def before_commit(self, tx: Session) -> None:
        if self._changed:
            _set_generation(tx, "pairs", _generation(tx, "pairs") + 1)
            _set_generation(tx, "changed", _generation(tx, "changed") + self._changed)
        self._changed = 0

    def on_rollback(self, tx: Session) -> None:
        self._changed = 0

    def settle(self, archive: Archive) -> None:
        grow(archive)


def _due(tx: Session, now: float) -> bool:
    """Regrow after a run only when enough changed: growing reads every pair (seconds on
    a 50,000-article archive), and a `watch` pass that stored a few articles should not
    pay that each time. Enough: never grown, the shipped table changed (an upgrade),
    `GROW_SHARE` of the articles with pairs changed, or `GROW_INTERVAL` has passed."""
    pairs, grown = _generation(tx, "pairs"), _generation(tx, "grown")
    if pairs == grown:
        return False
    if grown == 0 or _generation(tx, "shipped") != shipped_fingerprint():
        return True
    with_pairs = int(tx.scalar("SELECT count(DISTINCT article_id) FROM name_pairs") or 0)
    changed = _generation(tx, "changed")
    return changed >= GROW_SHARE * with_pairs or now - _generation(tx, "grown_at") >= GROW_INTERVAL


def grow(archive: Archive, *, force: bool = False) -> int | None:
    """Regrow `name_grown` from every stored pair when it is due (`_due`) or `force`;
    returns the number of rows stored, None when it was not due."""
    from newsarchive.names.build import entities_from
    from newsarchive.names.tables import shipped_table

    now = time.time()
    with archive.transaction() as tx:
        if not force and not _due(tx, now):
            return None
        pairs = _generation(tx, "pairs")
        counts: Counter[tuple[str, str]] = Counter()
        spellings: dict[str, Counter[str]] = {}
        for run, latin, n in tx.all(
            "SELECT run, latin, SUM(n) FROM name_pairs GROUP BY run, latin"
        ):
            key = latin_key(latin)
            counts[run, key] += int(n)
            spellings.setdefault(key, Counter())[latin] += int(n)
        rows = beyond(shipped_table(), entities_from(counts, spellings))
        tx.execute("DELETE FROM name_grown")
        tx.executemany(
            "INSERT INTO name_grown (id, kind, name, en, aliases) VALUES (?, ?, ?, ?, ?)",
            [(e.id, e.kind, e.name, e.en, "|".join(e.aliases)) for e in rows],
        )
        _set_generation(tx, "grown", pairs)
        _set_generation(tx, "grown_at", int(now))
        _set_generation(tx, "changed", 0)
        _set_generation(tx, "shipped", shipped_fingerprint())
    return len(rows)


def beyond(shipped: AliasTable, entities: Iterable[Entity]) -> list[Entity]:
    """What `entities` add to the shipped table, as rows to store: the new forms of a
    known entity under its id (its name, kind and English stay the shipped ones), and
    each entity sharing no form with a known one whole, its id prefixed ``archive:``.
    Only the difference is stored, so a search loads a few rows, not a second table."""
    rows: dict[str, Entity] = {}
    for entity in entities:
        forms = [f for f in dict.fromkeys((entity.name, entity.en or "", *entity.aliases)) if f]
        new = tuple(f for f in forms if f not in shipped)
        if not new:
            continue
        known = next((k for k in map(shipped.resolve, forms) if k is not None), None)
        if known is None:
            row = Entity(f"archive:{entity.id}", entity.name, entity.kind, entity.en, new)
        else:
            row = Entity(known.id, "", "other", None, new)
        # Two grown entities may add forms to one known entity: one row for it.
        if row.id in rows:
            merged = tuple(dict.fromkeys((*rows[row.id].aliases, *row.aliases)))
            row = replace(rows[row.id], aliases=merged)
        rows[row.id] = row
    return list(rows.values())


# Archives known to have the names tables (a read-only archive opened by an older
# newsarchive's migrations may not): asked once per archive, not once per search.
_with_tables: set[str] = set()


def _has_tables(archive: Archive) -> bool:
    key = str(archive.address)
    if key not in _with_tables and archive.session.table_exists("name_state"):
        _with_tables.add(key)
    return key in _with_tables


def grown_entities(archive: Archive) -> Iterator[Entity]:
    """The entities last grown from `archive` (none before its first growth, or in an
    archive made before the names layer existed)."""
    session = archive.session
    if not _has_tables(archive):
        return
    for id_, kind, name, en, aliases in session.all(
        "SELECT id, kind, name, en, aliases FROM name_grown ORDER BY id"
    ):
        yield Entity(id_, name, kind, en or None, tuple(a for a in aliases.split("|") if a))


def grown_generation(archive: Archive) -> int:
    """The pairs generation the stored growth was computed from (0: none yet)."""
    if not _has_tables(archive):
        return 0
    return int(archive.session.scalar("SELECT value FROM name_state WHERE key='grown'") or 0)


def reindex_names(archive: Archive) -> int:
    """Rebuild every article's pairs, then regrow; returns the rows grown beyond the
    shipped table."""
    with archive.transaction() as tx:
        tx.execute("DELETE FROM name_pairs")
        last = 0
        while rows := tx.all(
            "SELECT a.id, v.title, v.text FROM articles a"
            " JOIN versions v ON v.id=a.latest_version_id WHERE a.id>? ORDER BY a.id LIMIT ?",
            (last, _REINDEX_BATCH),
        ):
            for article_id, title, text in rows:
                store_pairs(tx, article_id, article_pairs(title, text))
            last = rows[-1][0]
        _set_generation(tx, "pairs", _generation(tx, "pairs") + 1)
    return grow(archive, force=True) or 0
