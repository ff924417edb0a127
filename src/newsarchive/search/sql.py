"""SQL shared by the search engine (`engine`) and the incremental re-ranking (`ranked`):
the BM25 expression, the filter clauses and the match-then-join shape of a query."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from newsarchive.archive.session import Session
from newsarchive.search.query import QueryError

# BM25 column weights (title, body, chars). The title counts 4x the body. On the
# known-item benchmark (bench/search.py, 12,900-article development sample) 2x, 4x and
# 8x were within 0.002 MRR@10 of each other; 4x keeps a title mention above a passing
# one in the body. The chars column only filters, it never ranks.
TITLE_WEIGHT = 4.0
BODY_WEIGHT = 1.0
BM25 = f"bm25(search_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}, 0.0)"

# bm25() can only be computed in the query that scans the FTS table, so matching and
# scoring run in a subquery and the filters join on its result. CROSS JOIN, not JOIN:
# it makes SQLite keep the matches as the outer loop. With a plain JOIN and an outlet
# filter the planner walked the outlet's index and ran the whole FTS match once per
# article of that outlet: 美国 in 法广 took 17 s instead of 58 ms.
JOINS = " CROSS JOIN articles a ON a.id = f.id CROSS JOIN versions v ON v.id = a.latest_version_id"
BASE = (
    f"FROM (SELECT rowid AS id, {BM25} AS score FROM search_fts WHERE search_fts MATCH ?) f"
    f"{JOINS} WHERE 1"
)


# The one filter that depends on captures, not on the article's version (`ranked`
# cannot bring a ranking with it up to date: a new capture changes who passes).
FORMAT_FILTER = "EXISTS (SELECT 1 FROM captures c WHERE c.article_id = a.id AND c.format = ?)"


def filters(
    outlet: str | None,
    since: datetime | None,
    until: datetime | None,
    format: str | None,
    lang: str | None,
) -> tuple[str, list[Any]]:
    """The WHERE clauses (each starting with " AND ") and their parameters."""
    sql: list[str] = []
    params: list[Any] = []
    if outlet:
        sql.append("a.outlet = ?")
        params.append(outlet)
    if since:
        sql.append("v.published_ts >= ?")
        params.append(aware(since).timestamp())
    if until:
        sql.append("v.published_ts < ?")
        params.append(aware(until).timestamp())
    if lang:
        sql.append("v.lang = ?")
        params.append(lang)
    if format:
        sql.append(FORMAT_FILTER)
        params.append(format)
    return "".join(f" AND {s}" for s in sql), params


def aware(d: datetime) -> datetime:
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def run(conn: Session, sql: str, params: list[Any], query: str) -> list[Any]:
    """Execute; an FTS5 syntax error becomes a `QueryError` naming the query."""
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        if "fts5" in str(exc) or "MATCH" in str(exc):
            raise QueryError(f"cannot search for {query!r}: {exc}") from exc
        raise


def count_matches(conn: Session, expr: str, query: str) -> int:
    """Articles matching `expr` anywhere in the archive: one pass over the index with
    no scoring (3 ms for a word in 22,000 of 50,000 articles)."""
    return int(
        run(conn, "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", [expr], query)[0][0]
    )


def latest(conn: Session, columns: str, ids: list[int]) -> dict[int, Any]:
    """{article id: `columns`} of the articles `ids` (``a``) and their latest versions
    (``v``); one column gives plain values, several give rows."""
    rows = conn.execute(
        f"SELECT a.id, {columns} FROM articles a JOIN versions v ON v.id = a.latest_version_id"
        f" WHERE a.id IN ({','.join('?' * len(ids))})",
        ids,
    ).fetchall()
    return {r[0]: r[1] if len(r) == 2 else tuple(r[1:]) for r in rows}
