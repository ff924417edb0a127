"""SQL shared by the search engine (`engine`) and the incremental re-ranking (`ranked`)
on both backends: the ranking weights, the filter clauses and the match-then-join shape
of a query (the match itself is the backend's, see `backends`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from newsarchive.archive.session import Session, marks

# Column weights (title, body; the chars column only filters, it never ranks). The
# title counts 4x the body. On the known-item benchmark (bench/search.py, 12,900-article
# development sample) 2x, 4x and 8x were within 0.002 MRR@10 of each other with
# SQLite's BM25; 4x keeps a title mention above a passing one in the body.
TITLE_WEIGHT = 4.0
BODY_WEIGHT = 1.0

# Most recent first, as SQLite orders NULLs (last in DESC; PostgreSQL would put them first).
RECENT_FIRST = "v.published_ts DESC NULLS LAST"

# The one filter that depends on captures, not on the article's version (`ranked`
# cannot bring a ranking with it up to date: a new capture changes who passes).
FORMAT_FILTER = "EXISTS (SELECT 1 FROM captures c WHERE c.article_id = a.id AND c.format = ?)"


def filters(
    outlet: str | None,
    since: datetime | None,
    until: datetime | None,
    format: str | None,
    lang: str | None,
    entity_id: str | None = None,
) -> tuple[str, list[Any]]:
    """The WHERE clauses (each starting with " AND ") and their parameters.
    `entity_id`: only articles naming that entity (newsarchive.entities' table)."""
    sql: list[str] = []
    params: list[Any] = []
    if entity_id:
        sql.append("a.id IN (SELECT article_id FROM entity_mentions WHERE entity_id = ?)")
        params.append(entity_id)
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
        # A language matches its script variants: "zh" finds zh-Hans and zh-Hant too.
        sql.append("(v.lang = ? OR v.lang LIKE ?)")
        params += [lang, f"{lang}-%"]
    if format:
        sql.append(FORMAT_FILTER)
        params.append(format)
    return "".join(f" AND {s}" for s in sql), params


def aware(d: datetime) -> datetime:
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def latest(conn: Session, columns: str, ids: list[int]) -> dict[int, Any]:
    """{article id: `columns`} of the articles `ids` (``a``) and their latest versions
    (``v``); one column gives plain values, several give rows."""
    if not ids:
        return {}
    rows = conn.execute(
        f"SELECT a.id, {columns} FROM articles a JOIN versions v ON v.id = a.latest_version_id"
        f" WHERE a.id IN ({marks(len(ids))})",
        ids,
    ).fetchall()
    return {r[0]: r[1] if len(r) == 2 else tuple(r[1:]) for r in rows}
