"""The search index in SQLite: a contentless FTS5 table (`schema.MIGRATIONS`).

The only search module that speaks FTS5 (and imports sqlite3): matching with BM25,
ranking inside FTS5, and the index writes, which a contentless table makes special
(a row is deleted by supplying its tokens again, see `Writer`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from newsarchive.archive.session import Session
from newsarchive.search.meta import check_segmenter, claim_index
from newsarchive.search.query import ParsedQuery
from newsarchive.search.sql import BODY_WEIGHT, TITLE_WEIGHT
from newsarchive.search.tokens import IndexRow, index_row
from newsarchive.search.trigrams import cjk_text, needed, trigrams_complete

# The matches (``f``, from `matches`) joined to their articles and latest versions.
# CROSS JOIN, not JOIN: it makes SQLite keep the matches as the outer loop. With a plain
# JOIN and an outlet filter the planner walked the outlet's index and ran the whole FTS
# match once per article of that outlet: 美国 in 法广 took 17 s instead of 58 ms.
JOINS = " CROSS JOIN articles a ON a.id = f.id CROSS JOIN versions v ON v.id = a.latest_version_id"

# The chars column only filters, it never ranks (weight 0).
BM25 = f"bm25(search_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}, 0.0)"


def is_query_error(exc: Exception) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and ("fts5" in str(exc) or "MATCH" in str(exc))


# -- reading -----------------------------------------------------------------------


def strict_expr(parsed: ParsedQuery) -> str:
    return parsed.strict_expr()


def loose_expr(parsed: ParsedQuery) -> str:
    return parsed.loose_expr()


def matches(
    expr: str, *, scored: bool, restrict: str = "", restrict_params: Sequence[Any] = ()
) -> tuple[str, list[Any]]:
    """The FROM item ``f`` (``f.id``, and ``f.score`` when `scored`, lower is better) of
    the articles matching `expr`, and its parameters; `restrict`: a further condition
    (`after_or_among`).

    bm25() can only be computed in the query that scans the FTS table, so matching and
    scoring run in this subquery and the filters join on its result (`JOINS`)."""
    score = f", {BM25} AS score" if scored else ""
    where = f" AND {restrict}" if restrict else ""
    sql = f"(SELECT rowid AS id{score} FROM search_fts WHERE search_fts MATCH ?{where}) f"
    return sql, [expr, *restrict_params]


def after_or_among(n_ids: int) -> str:
    """The condition "id above the first parameter, or among the next `n_ids`".
    `+rowid`: with a usable rowid constraint FTS5 runs the match once per listed id
    (40 ms for 41 ids of 美国); this way the doclist is walked once and BM25 computed
    for the rows that pass only (6.5 ms)."""
    if not n_ids:
        return "+rowid > ?"
    return f"(+rowid > ? OR +rowid IN ({','.join('?' * n_ids)}))"


def filtered_first(expr: str, where: str) -> str | None:
    """None: FTS5 matches from its postings; the filters cost the same after it."""
    return None


def count_matches(conn: Session, expr: str) -> int:
    """Articles matching `expr` anywhere in the archive: one pass over the index with
    no scoring (3 ms for a word in 22,000 of 50,000 articles)."""
    row = conn.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", [expr])
    return int(row.fetchone()[0])


def rank_counted(
    conn: Session, expr: str, depth: int
) -> tuple[list[tuple[int, float]], int] | None:
    """None: FTS5 counts from its doclists alone (`count_matches`), far cheaper than
    scoring, so the engine counts first and ranks only when it must."""
    return None


def rank_everything(conn: Session, expr: str, depth: int) -> list[tuple[int, float]]:
    """The best `depth` matches of the whole archive, (id, score), ranked inside FTS5
    alone (its `rank` + LIMIT path) instead of joining every match to its article."""
    rows = conn.execute(
        "SELECT rowid, rank FROM search_fts WHERE search_fts MATCH ?"
        f" AND rank MATCH 'bm25({TITLE_WEIGHT}, {BODY_WEIGHT}, 0.0)' ORDER BY rank LIMIT ?",
        [expr, depth],
    )
    return [(r[0], r[1]) for r in rows]


def score_share(whole: str, part: str) -> float:
    """1: BM25 is a sum over the expression's phrases, each weighed alone."""
    return 1.0


def fragment_candidates(conn: Session, parsed: ParsedQuery) -> set[int] | None:
    """The articles that may pass `parsed.accepts` (a superset), from the trigram index,
    or None when it cannot say (no trigram of three CJK characters in some clause's
    checked needles, or an index that `reindex` has not filled yet).

    A needle found in an article's folded text keeps its CJK characters contiguous once
    everything else is left out of both (removing characters from a text and from a
    substring of it alike leaves a substring), so the article holds every trigram of
    the needle's CJK characters (`trigrams`)."""
    clauses = [
        "(" + " OR ".join("(" + " AND ".join(f'"{g}"' for g in form) + ")" for form in forms) + ")"
        for forms in needed(parsed)
    ]
    if not clauses or not trigrams_complete(conn):
        return None
    rows = conn.execute(
        "SELECT rowid FROM search_tri WHERE search_tri MATCH ?", [" AND ".join(clauses)]
    )
    return {r[0] for r in rows}


def begin_snapshot(conn: Session) -> None:
    """A read transaction: WAL gives it one snapshot from its first read on."""
    conn.execute("BEGIN")


def database_key(conn: Session) -> str:
    """The archive's file, to key memos shared by connections to one archive."""
    return str(conn.execute("PRAGMA database_list").fetchone()[2])


# -- writing -----------------------------------------------------------------------

_INSERT_SQL = "INSERT INTO search_fts(rowid, title, body, chars) VALUES(?,?,?,?)"
_DELETE_SQL = (
    "INSERT INTO search_fts(search_fts, rowid, title, body, chars) VALUES('delete',?,?,?,?)"
)
_TRI_INSERT_SQL = "INSERT INTO search_tri(rowid, cjk) VALUES(?,?)"
_TRI_DELETE_SQL = "INSERT INTO search_tri(search_tri, rowid, cjk) VALUES('delete',?,?)"

# One pending write: (rowid, statement, its parameters after the rowid).
_Op = tuple[int, str, tuple[str, ...]]


class Writer:
    """One transaction's index writes (see `search.index.SearchIndexHook`).

    The search_fts writes wait for the end of the transaction (`flush`) and go in rowid
    order; search_docs is written at once, so the writer's own reads stay exact. FTS5
    flushes its pending terms to a new segment whenever a row comes in below the last
    rowid written: each new version of a known article (its 'delete' and re-insert) cost
    a flush mid-batch, 4.9 ms each, 0.108 ms a file over a 10,000-file import (2% new
    versions) against 0.144 ms a file for all the inserts. In rowid order the batch
    flushes about once. Same rows, same order per article, so the same index contents;
    a row inserted and deleted in one transaction is never written (nor re-segmented
    to be deleted).

    `deferred=False` (reindex) writes at once."""

    def __init__(self, conn: Session, *, deferred: bool) -> None:
        self.tx = conn
        self.deferred = deferred
        self._ops: list[_Op | None] = []
        self._inserted: dict[int, int] = {}  # rowid -> its pending inserts in _ops (2)
        # The index's segmenter is recorded (or checked) once a transaction, not on
        # every insert: a lookup per article (0.003 ms of the writer's ~0.5 ms a file).
        self._claimed = False
        self._complete: bool | None = None  # the trigram index holds every row

    def _trigrams_complete(self) -> bool:
        if self._complete is None:
            self._complete = trigrams_complete(self.tx)
        return self._complete

    def add(self, article_id: int, version_id: int, row: IndexRow, prepared: Any = None) -> None:
        if not self._claimed:
            claim_index(self.tx)
            self._claimed = True
        ops = [(article_id, _INSERT_SQL, row), (article_id, _TRI_INSERT_SQL, (cjk_text(row),))]
        if self.deferred:
            self._inserted[article_id] = len(self._ops)
            self._ops += ops
        else:
            for rowid, sql, params in ops:
                self.tx.execute(sql, (rowid, *params))
        self.tx.execute(
            "INSERT OR REPLACE INTO search_docs(article_id, version_id) VALUES(?,?)",
            (article_id, version_id),
        )

    def remove(self, article_id: int) -> None:
        if self._cancel_insert(article_id):
            # Indexed in this transaction and not written yet: nothing to delete, and no
            # need to segment the old text again (~1 ms in the writer).
            self.tx.execute("DELETE FROM search_docs WHERE article_id=?", (article_id,))
            return
        old = self.tx.execute(
            "SELECT v.title, v.text FROM search_docs d JOIN versions v ON v.id=d.version_id"
            " WHERE d.article_id=?",
            (article_id,),
        ).fetchone()
        if old is None:
            return
        # Only an exact delete needs the same segmenter; new articles can always be added.
        check_segmenter(self.tx)
        row = index_row(old[0], old[1])
        ops: list[_Op] = [(article_id, _DELETE_SQL, row)]
        if self._trigrams_complete():
            # (Before `reindex` has filled it, the trigram index may not hold this row,
            # and a contentless delete of a row that is not there corrupts the index.)
            ops.append((article_id, _TRI_DELETE_SQL, (cjk_text(row),)))
        if self.deferred:
            self._ops += ops
        else:
            for rowid, sql, params in ops:
                self.tx.execute(sql, (rowid, *params))
        self.tx.execute("DELETE FROM search_docs WHERE article_id=?", (article_id,))

    def _cancel_insert(self, rowid: int) -> bool:
        """Drop the pending insert of `rowid`, if any: deleting the row it would add
        leaves the index as it was. (A delete after an insert of the same rowid also
        makes FTS5 flush, even in rowid order.)"""
        at = self._inserted.pop(rowid, None)
        if at is None:
            return False
        self._ops[at] = self._ops[at + 1] = None
        return True

    def flush(self) -> None:
        # By rowid; sorted() is stable, so one row's delete stays before its insert.
        ops = sorted((op for op in self._ops if op is not None), key=lambda op: op[0])
        for rowid, sql, params in ops:
            self.tx.execute(sql, (rowid, *params))
        self._ops.clear()
        self._inserted.clear()


def prepared(row: IndexRow) -> None:
    """Nothing to make ahead: FTS5 takes the token text as it is."""
    return None


def writer(conn: Session, *, deferred: bool = True) -> Writer:
    return Writer(conn, deferred=deferred)


def clear(conn: Session) -> None:
    """Empty the index (a rebuild follows in the same transaction)."""
    conn.execute("INSERT INTO search_fts(search_fts) VALUES('delete-all')")
    conn.execute("INSERT INTO search_tri(search_tri) VALUES('delete-all')")
    conn.execute("DELETE FROM search_docs")
    # Complete again once the rebuild in the same transaction has refilled it.
    conn.execute(
        "INSERT INTO search_meta(key, value) VALUES('trigrams', 'complete')"
        " ON CONFLICT(key) DO NOTHING"
    )


def optimize(conn: Session) -> None:
    """Merge the index into one segment (after a rebuild)."""
    conn.execute("INSERT INTO search_fts(search_fts) VALUES('optimize')")
    conn.execute("INSERT INTO search_tri(search_tri) VALUES('optimize')")


def settle(conn: Session) -> None:
    """Nothing: FTS5 merges its segments as it writes (automerge), and a full
    `optimize` after every import or fetch pass would rewrite the whole index."""
