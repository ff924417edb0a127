"""`search()` and `timeline()`: the one search implementation (CLI, web app and static
publisher all call these).

Ranking is FTS5's BM25 with the title weighted above the body; ties (typically the same
story carried by several outlets) go to the most recent article. Recency never removes
a result. Snippets are computed only for the page that is returned.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from newsarchive.search.highlight import Highlighter
from newsarchive.search.query import ParsedQuery, QueryError, parse_query
from newsarchive.text.script import to_simplified
from newsarchive.text.segment import fold

if TYPE_CHECKING:
    from newsarchive.archive import Archive

# BM25 column weights (title, body, chars). The title counts 4x the body. On the
# known-item benchmark (bench/search.py, 12,900-article development sample) 2x, 4x and
# 8x were within 0.002 MRR@10 of each other; 4x keeps a title mention above a passing
# one in the body. The chars column only filters, it never ranks.
TITLE_WEIGHT = 4.0
BODY_WEIGHT = 1.0
_BM25 = f"bm25(search_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}, 0.0)"

# Loose matching (a phrase starting or ending inside an indexed word, see `query`) costs
# a substring check per candidate (0.3-1 ms each on 50,000 articles: fetch + fold). It
# runs only when the exact-token form finds fewer than LOOSE_BELOW articles: a phrase
# that is found as typed in many articles does not need its fragment form. At most
# CHECK_LIMIT candidates (the most recent) are checked; beyond that they are not counted.
LOOSE_BELOW = 100
TIE_MARGIN = 10
# Above this many matches (and without filters) ranking runs inside FTS5 alone: on
# 50,000 articles that is 2.9 vs 15.7 ms for 709 matches, while for the usual handful
# of matches the plain join is faster (0.09 vs 0.12 ms median).
MANY_MATCHES = 300
CHECK_LIMIT = 300
_SPACE = re.compile(r"\s+")

# Snippets look for matches in the first SNIPPET_SCAN characters of an article only:
# a few articles are 100,000+ characters (daily broadcast transcripts), and reading them
# whole for every result page cost milliseconds. Past that, the snippet shows the lead.
SNIPPET_SCAN = 20_000

Interval = Literal["day", "week", "month"]


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: int
    url: str
    title: str
    outlet: str | None
    published: datetime | None
    score: float
    snippet: str  # safe HTML: escaped text, matches in <mark>
    title_html: str  # safe HTML, same treatment as the snippet
    # The version the title and snippet were read from (read in the same statement), so
    # a cache can check later that the hit still shows the article's current text.
    version_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "outlet": self.outlet,
            "published": self.published.isoformat() if self.published else None,
            "score": round(self.score, 4),
            "snippet": self.snippet,
            "title_html": self.title_html,
        }


@dataclass(frozen=True, slots=True)
class SearchPage:
    query: str
    hits: list[SearchHit]
    total: int
    took_ms: float

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "took_ms": round(self.took_ms, 3),
            "total": self.total,
            "results": [h.to_json() for h in self.hits],
        }


@dataclass(frozen=True, slots=True)
class TimelineBucket:
    period: str
    outlet: str | None
    count: int


def _filters(
    outlet: str | None,
    since: datetime | None,
    until: datetime | None,
    format: str | None,
    lang: str | None,
) -> tuple[str, list[Any]]:
    sql: list[str] = []
    params: list[Any] = []
    if outlet:
        sql.append("a.outlet = ?")
        params.append(outlet)
    if since:
        sql.append("v.published_ts >= ?")
        params.append(_aware(since).timestamp())
    if until:
        sql.append("v.published_ts < ?")
        params.append(_aware(until).timestamp())
    if lang:
        sql.append("v.lang = ?")
        params.append(lang)
    if format:
        sql.append("EXISTS (SELECT 1 FROM captures c WHERE c.article_id = a.id AND c.format = ?)")
        params.append(format)
    return "".join(f" AND {s}" for s in sql), params


def _aware(d: datetime) -> datetime:
    return d if d.tzinfo else d.replace(tzinfo=UTC)


# bm25() can only be computed in the query that scans the FTS table, so matching and
# scoring run in a subquery and the filters join on its result. CROSS JOIN, not JOIN:
# it makes SQLite keep the matches as the outer loop. With a plain JOIN and an outlet
# filter the planner walked the outlet's index and ran the whole FTS match once per
# article of that outlet: 美国 in 法广 took 17 s instead of 58 ms.
_JOINS = " CROSS JOIN articles a ON a.id = f.id CROSS JOIN versions v ON v.id = a.latest_version_id"
_BASE = (
    f"FROM (SELECT rowid AS id, {_BM25} AS score FROM search_fts WHERE search_fts MATCH ?) f"
    f"{_JOINS} WHERE 1"
)


def _run(conn: sqlite3.Connection, sql: str, params: list[Any], query: str) -> list[Any]:
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        if "fts5" in str(exc) or "MATCH" in str(exc):
            raise QueryError(f"cannot search for {query!r}: {exc}") from exc
        raise


def _with_fragments(
    conn: sqlite3.Connection,
    parsed: ParsedQuery,
    select: str,
    where: str,
    params: list[Any],
    strict_rows: list[Any],
    query: str,
) -> list[Any]:
    """`strict_rows` (found as typed, already ranked) followed by the articles that only
    the loose form finds and the substring check accepts, most recent first.

    The loose form is matched without BM25: for a short fragment it can match tens of
    thousands of articles (all with 导, 体 and 产), and scoring them all took seconds.
    Fragment matches rank below exact-token matches, which are better evidence."""
    strict_ids = {r[0] for r in strict_rows}
    loose_sql = (
        f"SELECT {select} FROM (SELECT rowid AS id FROM search_fts WHERE search_fts MATCH ?) f"
        f"{_JOINS}"
        f" WHERE 1{where} ORDER BY v.published_ts DESC"
    )
    extra = [
        r
        for r in _run(conn, loose_sql, [parsed.loose_expr(), *params], query)
        if r[0] not in strict_ids
    ][:CHECK_LIMIT]
    accepted: list[Any] = []
    for i in range(0, len(extra), 100):
        accepted += _check_batch(conn, parsed, extra[i : i + 100])
    return [*strict_rows, *accepted]


def _check_batch(conn: sqlite3.Connection, parsed: ParsedQuery, rows: list[Any]) -> list[Any]:
    """The rows whose article text really contains the query's terms."""
    if not rows:
        return []
    ids = [r[0] for r in rows]
    texts = dict(
        conn.execute(
            "SELECT a.id, v.title || char(10) || v.text FROM articles a"
            " JOIN versions v ON v.id = a.latest_version_id"
            f" WHERE a.id IN ({','.join('?' * len(ids))})",
            ids,
        ).fetchall()
    )
    folder = to_simplified if parsed.cjk_needles_only else fold
    return [r for r in rows if parsed.accepts(_SPACE.sub("", folder(texts.get(r[0], ""))))]


def search(
    archive: Archive,
    query: str,
    *,
    outlet: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    format: str | None = None,
    lang: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    """Find articles matching `query`, best first. Raises `QueryError` for a malformed
    query. `took_ms` covers everything here: parsing, matching, ranking and snippets."""
    t0 = time.perf_counter()
    parsed = parse_query(query)
    conn = archive.conn
    where, params = _filters(outlet, since, until, format, lang)
    order = " ORDER BY f.score, v.published_ts DESC"
    limit, offset = max(0, limit), max(0, offset)
    strict_total = -1
    if parsed.needs_check:
        count_sql = f"SELECT count(*) {_BASE}{where}"
        strict_total = _run(conn, count_sql, [parsed.strict_expr(), *params], query)[0][0]
    many = False
    if not where and (not parsed.needs_check or strict_total >= LOOSE_BELOW):
        count_sql = "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?"
        many = _run(conn, count_sql, [parsed.strict_expr()], query)[0][0] > MANY_MATCHES
    if many:
        page, total = _unfiltered_page(conn, parsed.strict_expr(), limit, offset, query)
    elif not parsed.needs_check or strict_total >= LOOSE_BELOW:
        sql = (
            f"SELECT a.id, f.score, count(*) OVER () AS total {_BASE}{where}{order}"
            " LIMIT ? OFFSET ?"
        )
        rows = _run(conn, sql, [parsed.strict_expr(), *params, limit, offset], query)
        if rows:
            total = rows[0][2]
        elif strict_total >= 0:
            total = strict_total
        else:
            count_sql = f"SELECT count(*) {_BASE}{where}"
            total = _run(conn, count_sql, [parsed.strict_expr(), *params], query)[0][0]
        page = [(r[0], r[1]) for r in rows]
    else:
        sql = f"SELECT a.id, f.score {_BASE}{where}{order}"
        strict_rows = _run(conn, sql, [parsed.strict_expr(), *params], query)
        found = _with_fragments(conn, parsed, "a.id, 0.0", where, params, strict_rows, query)
        total = len(found)
        page = [(r[0], r[1]) for r in found[offset : offset + limit]]
    hits = _hits(conn, parsed, page)
    return SearchPage(query, hits, total, (time.perf_counter() - t0) * 1000)


def _unfiltered_page(
    conn: sqlite3.Connection, expr: str, limit: int, offset: int, query: str
) -> tuple[list[tuple[int, float]], int]:
    """Rank inside FTS5 alone (its `rank` + LIMIT path) instead of joining every match
    to its article to sort them. Recency then orders ties among the rows fetched;
    TIE_MARGIN extra rows let ties that straddle the page end be ordered too."""
    rows = _run(
        conn,
        "SELECT rowid, rank FROM search_fts WHERE search_fts MATCH ?"
        f" AND rank MATCH 'bm25({TITLE_WEIGHT}, {BODY_WEIGHT}, 0.0)' ORDER BY rank LIMIT ?",
        [expr, offset + limit + TIE_MARGIN],
        query,
    )
    total = _run(conn, "SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", [expr], query)
    if not rows:
        return [], total[0][0]
    ids = [r[0] for r in rows]
    when = dict(
        conn.execute(
            "SELECT a.id, v.published_ts FROM articles a JOIN versions v"
            f" ON v.id = a.latest_version_id WHERE a.id IN ({','.join('?' * len(ids))})",
            ids,
        ).fetchall()
    )
    rows.sort(key=lambda r: (r[1], -(when.get(r[0]) or float("-inf"))))
    return [(r[0], r[1]) for r in rows[offset : offset + limit]], total[0][0]


def _hits(
    conn: sqlite3.Connection, parsed: ParsedQuery, page: list[tuple[int, float]]
) -> list[SearchHit]:
    if not page:
        return []
    ids = [p[0] for p in page]
    rows = {
        r[0]: r
        for r in conn.execute(
            "SELECT a.id, a.url, v.title, a.outlet, v.published, substr(v.text, 1, ?), v.id"
            " FROM articles a"
            " JOIN versions v ON v.id = a.latest_version_id"
            f" WHERE a.id IN ({','.join('?' * len(ids))})",
            [SNIPPET_SCAN, *ids],
        )
    }
    hl = Highlighter.for_query(parsed)
    hits = []
    for article_id, score in page:
        _, url, title, outlet, published, text, version_id = rows[article_id]
        hits.append(
            SearchHit(
                id=article_id,
                url=url,
                title=title,
                outlet=outlet,
                published=datetime.fromisoformat(published) if published else None,
                score=-score,
                snippet=hl.snippet(text),
                title_html=hl.mark(title),
                version_id=version_id,
            )
        )
    return hits


def _period(ts: float, interval: Interval) -> str:
    d = datetime.fromtimestamp(ts, UTC)
    if interval == "day":
        return d.strftime("%Y-%m-%d")
    if interval == "week":
        year, week, _ = d.isocalendar()
        return f"{year}-W{week:02d}"
    return d.strftime("%Y-%m")


def timeline(
    archive: Archive,
    query: str,
    *,
    interval: Interval = "day",
    by_outlet: bool = False,
    outlet: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[TimelineBucket]:
    """How many matching articles were published per day / ISO week / month (UTC),
    optionally per outlet, in period order. Articles without a publication date are
    not counted (they have no place on a time axis)."""
    if interval not in ("day", "week", "month"):
        raise QueryError(f"unknown interval {interval!r}: use day, week or month")
    parsed = parse_query(query)
    conn = archive.conn
    where, params = _filters(outlet, since, until, None, None)
    where += " AND v.published_ts IS NOT NULL"
    sql = f"SELECT a.id, 0 AS score, v.published_ts, a.outlet {_BASE}{where}"
    rows = _run(conn, sql, [parsed.strict_expr(), *params], query)
    # The same rule as `search`: fragment (loose) matching only when few match as typed.
    if parsed.needs_check and len(rows) < LOOSE_BELOW:
        select = "a.id, 0 AS score, v.published_ts, a.outlet"
        rows = _with_fragments(conn, parsed, select, where, params, rows, query)
    counts = Counter((_period(ts, interval), out if by_outlet else None) for _, _, ts, out in rows)
    return [
        TimelineBucket(period, out, n)
        for (period, out), n in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
    ]
