"""`search()` and `timeline()`: the one search implementation (CLI, web app and static
publisher all call these).

Ranking is the backend's (FTS5's BM25 on SQLite, `ts_rank` on PostgreSQL) with the title
weighted above the body; ties (typically the same story carried by several outlets) go
to the most recent article. Recency never removes a result. Snippets are computed only
for the page that is returned. The SQL here is the same on both backends; matching is
the backend's (`backends`).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from newsarchive.archive.session import Session
from newsarchive.search import ranked
from newsarchive.search.backends import backend, count_matches, matched, run
from newsarchive.search.highlight import Highlighter
from newsarchive.search.query import ParsedQuery, QueryError, parse_query
from newsarchive.search.ranked import RankState
from newsarchive.search.sql import RECENT_FIRST, filters, latest
from newsarchive.text.script import to_simplified
from newsarchive.text.segment import fold

if TYPE_CHECKING:
    from newsarchive.archive import Archive

# Loose matching (a phrase starting or ending inside an indexed word, see `query`) costs
# a substring check per candidate (0.3-1 ms each on 50,000 articles: fetch + fold). It
# runs only when the exact-token form finds fewer than LOOSE_BELOW articles: a phrase
# that is found as typed in many articles does not need its fragment form. At most
# CHECK_LIMIT candidates (the most recent) are checked; beyond that they are not counted.
LOOSE_BELOW = 100
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
    # How the page was ranked, for `search(previous=...)`; None for fragment matches.
    state: RankState | None = None

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


def _with_fragments(
    conn: Session,
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
    source, source_params = matched(conn, backend(conn).loose_expr(parsed), scored=False)
    loose_sql = f"SELECT {select} {source}{where} ORDER BY {RECENT_FIRST}"
    extra = [
        r for r in run(conn, loose_sql, [*source_params, *params], query) if r[0] not in strict_ids
    ][:CHECK_LIMIT]
    accepted: list[Any] = []
    for i in range(0, len(extra), 100):
        accepted += _check_batch(conn, parsed, extra[i : i + 100])
    return [*strict_rows, *accepted]


def _check_batch(conn: Session, parsed: ParsedQuery, rows: list[Any]) -> list[Any]:
    """The rows whose article text really contains the query's terms."""
    if not rows:
        return []
    texts = latest(conn, "v.title, v.text", [r[0] for r in rows])
    folder = to_simplified if parsed.cjk_needles_only else fold
    return [
        r
        for r in rows
        if r[0] in texts and parsed.accepts(_SPACE.sub("", folder(_doc(texts[r[0]]))))
    ]


def _doc(title_text: tuple[str, str]) -> str:
    return title_text[0] + "\n" + title_text[1]


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
    previous: SearchPage | None = None,
) -> SearchPage:
    """Find articles matching `query`, best first. Raises `QueryError` for a malformed
    query. `took_ms` covers everything here: parsing, matching, ranking and snippets.

    `previous`: an earlier page of the same query and filters. When its ranking can be
    brought up to date (`ranked.update`), only what was committed since is scored, and
    if the page still shows the same versions its snippets are reused too."""
    t0 = time.perf_counter()
    parsed = parse_query(query)
    conn = archive.session
    where, params = filters(outlet, since, until, format, lang)
    limit, offset = max(0, limit), max(0, offset)
    expr = backend(conn).strict_expr(parsed)
    key = (expr, where, tuple(params))
    depth = offset + limit + ranked.SPARE_ROWS
    known = previous.state if previous is not None and previous.query == query else None
    with _snapshot(conn):
        state = ranked.update(conn, known, key, depth) if known is not None else None
        if state is None:
            state, page, total = _rank(conn, parsed, key, depth, query, offset, limit)
            hits = _hits(conn, parsed, page)
        else:
            page, total = [(r[0], r[1]) for r in state.rows[offset : offset + limit]], state.total
            assert previous is not None
            hits = _reused_hits(conn, parsed, previous.hits, page)
    return SearchPage(query, hits, total, (time.perf_counter() - t0) * 1000, state)


def _reused_hits(
    conn: Session,
    parsed: ParsedQuery,
    before: list[SearchHit],
    page: list[tuple[int, float]],
) -> list[SearchHit]:
    """The page's hits, reusing those of `before` (with their new score) where the
    article is still at the version its snippet was made from: snippets cost ~0.4 ms a
    hit, and after an import commit most of a page is what it was."""
    known = {h.id: h for h in before}
    now = latest(conn, "v.id", [i for i, _ in page if i in known]) if known else {}
    reuse = {i: h for i, h in known.items() if now.get(i) == h.version_id}
    made = {h.id: h for h in _hits(conn, parsed, [p for p in page if p[0] not in reuse])}
    return [replace(reuse[i], score=-score) if i in reuse else made[i] for i, score in page]


@contextmanager
def _snapshot(conn: Session) -> Iterator[None]:
    """One read transaction for the whole search (or timeline): the high-water marks of
    a `RankState` must describe exactly the data that was ranked, hits the data that
    was matched, and fragment matches the same archive as exact ones."""
    if conn.in_transaction:
        yield
        return
    backend(conn).begin_snapshot(conn)
    try:
        yield
    finally:
        conn.execute("COMMIT")


def _rank(
    conn: Session,
    parsed: ParsedQuery,
    key: tuple[Any, ...],
    depth: int,
    query: str,
    offset: int,
    limit: int,
) -> tuple[RankState | None, list[tuple[int, float]], int]:
    """A full ranking: (state to update later or None, the page's (id, score), total)."""
    expr, where, params = key[0], key[1], list(key[2])
    # The loose form is decided on the whole archive, filters or not: a filter then only
    # ever narrows the unfiltered results (and a rare filtered count of a common word no
    # longer sends it down the slow fragment path).
    everywhere = count_matches(conn, expr, query)
    if parsed.needs_check and everywhere < LOOSE_BELOW:
        source, source_params = matched(conn, expr, scored=True)
        sql = f"SELECT a.id, f.score {source}{where} ORDER BY f.score, {RECENT_FIRST}"
        strict_rows = run(conn, sql, [*source_params, *params], query)
        found = _with_fragments(conn, parsed, "a.id, 0.0", where, params, strict_rows, query)
        return None, [(r[0], r[1]) for r in found[offset : offset + limit]], len(found)
    if not where and everywhere > MANY_MATCHES:
        rows, total = ranked.rank_everything(conn, expr, depth), everywhere
    elif not where and not everywhere:
        rows, total = [], 0
    else:
        rows, total = ranked.rank_filtered(conn, expr, where, params, depth, query)
    state = ranked.new_state(conn, key, rows, total, depth)
    return state, [(r[0], r[1]) for r in rows[offset : offset + limit]], total


def _hits(conn: Session, parsed: ParsedQuery, page: list[tuple[int, float]]) -> list[SearchHit]:
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
    conn = archive.session
    where, params = filters(outlet, since, until, None, None)
    where += " AND v.published_ts IS NOT NULL"
    source, source_params = matched(conn, backend(conn).strict_expr(parsed), scored=False)
    sql = f"SELECT a.id, 0 AS score, v.published_ts, a.outlet {source}{where}"
    with _snapshot(conn):
        rows = run(conn, sql, [*source_params, *params], query)
        # The same rule as `search`: fragment (loose) matching only when few match as typed.
        if parsed.needs_check and len(rows) < LOOSE_BELOW:
            select = "a.id, 0 AS score, v.published_ts, a.outlet"
            rows = _with_fragments(conn, parsed, select, where, params, rows, query)
    counts = Counter((_period(ts, interval), out if by_outlet else None) for _, _, ts, out in rows)
    return [
        TimelineBucket(period, out, n)
        for (period, out), n in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
    ]
