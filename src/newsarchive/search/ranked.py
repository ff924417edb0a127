"""Ranked result lists that can be brought up to date without ranking everything again.

FTS5 scores every match before `LIMIT` applies: a word found in 22,000 of 50,000
articles (美国) costs ~90 ms however few results are shown. The web app keeps popular
results in a cache, and an import that commits every second made it rank those words
again and again (the p99 latency under import, `bench/web.py`).

So a full ranking also returns a `RankState`: the best rows it found (a little deeper
than the page), the total, and the archive's high-water marks (largest article and
version id). Bringing it up to date is what a near-real-time engine does with a new
segment: score only what arrived since, with `rowid > high-water` — FTS5 seeks to that
rowid in each doclist, so the cost follows the new matches — rescore the kept rows under
the new statistics, and merge. Anything this cannot do exactly falls back to a full
ranking (`update` returns None):

- an article was removed (ids can be reused, and the total would be wrong),
- more than MAX_REVISED older articles got a new version (they are rescored in one
  walk of the doclist; a new version may move an article anywhere), or any did while a
  filter is on,
- the kept rows no longer cover the page after dropping revised ones,
- a capture-format filter is on (a new capture, without a new version, changes it),
- the state is older than MAX_MERGE_AGE: BM25's document frequencies and average length
  drift as articles arrive, so old and new scores slowly stop being comparable.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from newsarchive.archive.session import Session
from newsarchive.search.backends import backend, count_matches, matched, run
from newsarchive.search.meta import REMOVALS
from newsarchive.search.query import QueryError
from newsarchive.search.sql import FORMAT_FILTER, RECENT_FIRST, latest

# An import of an overlapping mirror revises old articles at every commit (39 of 294
# files in a batch of gfw-breaker pages over the jekyll archive).
MAX_REVISED = 500
MAX_MERGE_AGE = 60.0  # seconds
# An update walks the query's doclists once or twice and reads the new versions: a few
# ms whatever the query. Ranking fewer matches than this afresh costs no more
# (bench/ranked.py: 华为, 1,973 matches, 7.4 ms full against 5.8 ms updated).
UPDATE_FROM = 2000
# On PostgreSQL a full ranking reads every match's document out of TOAST (`ts_rank`,
# `search.postgres`): 1,850 matches of 新冠 cost 20-30 ms on 10,000 articles, ~10 us a
# match, where FTS5 reads postings only. And ts_rank knows no collection statistics: a
# document's score never drifts, so an updated ranking is the full one exactly. Worth
# it from LOOSE_BELOW matches (below, the engine may add fragment matches, which it
# never keeps): a phrase's matches cost the reading of its candidates, which can be
# many more (新冠 from one outlet: 292 matches, 1,923 documents read).
POSTGRES_UPDATE_FROM = 100
# Rows kept beyond the page: TIE_ROWS let ties that straddle the page end be ordered by
# recency, the rest may be dropped (revised articles) before a full ranking is needed.
SPARE_ROWS = 20
TIE_ROWS = 10

# (article id, score (lower is better, FTS5's BM25 sign), publication epoch seconds)
Row = tuple[int, float, float | None]


@dataclass(frozen=True, slots=True)
class RankState:
    key: tuple[Any, ...]  # (compiled strict query, filter SQL, filter parameters)
    rows: tuple[Row, ...]  # the best rows, in result order
    total: int
    complete: bool  # rows holds every match (nothing beyond them to fall back on)
    max_article: int
    max_version: int
    removals: int  # `meta.removals()`: a removal changes it
    ranked_at: float  # time.monotonic() of the full ranking the scores come from


def order(rows: list[Row]) -> list[Row]:
    """Best score first; equal scores (the same story from several outlets) go to the
    most recent article, then to the newest id (so that every path orders alike)."""
    return sorted(rows, key=lambda r: (r[1], -(r[2] if r[2] is not None else float("-inf")), -r[0]))


def marks(conn: Session) -> tuple[int, int, int]:
    """(largest article id, largest version id, removals so far): three index lookups in
    one statement (one round trip to a PostgreSQL server). (Counting the articles
    instead, to notice a removal, cost 9 ms on 50,000.)"""
    row = conn.execute(
        "SELECT (SELECT coalesce(max(id), 0) FROM articles),"
        " (SELECT coalesce(max(id), 0) FROM versions),"
        f" {REMOVALS}"
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2] or 0)


def new_state(
    conn: Session, key: tuple[Any, ...], rows: list[Row], total: int, depth: int
) -> RankState:
    """The state of a full ranking. Call `marks` in the same read transaction as the
    ranking (see `engine.search`), or a commit in between would be counted twice."""
    max_article, max_version, removed = marks(conn)
    return RankState(
        key=key,
        rows=tuple(rows[:depth]),
        total=total,
        complete=len(rows) >= total,
        max_article=max_article,
        max_version=max_version,
        removals=removed,
        ranked_at=time.monotonic(),
    )


def rank_counted(
    conn: Session, expr: Any, depth: int, query: str
) -> tuple[list[tuple[int, float]], int] | None:
    """The backend's best `depth` (id, score) of the whole archive and the number of
    matches from one pass over them, or None where counting alone is the cheaper first
    step (`Backend.rank_counted`)."""
    try:
        return backend(conn).rank_counted(conn, expr, depth)
    except Exception as exc:
        if backend(conn).is_query_error(exc):
            raise QueryError(f"cannot search for {query!r}: {exc}") from exc
        raise


def rank_everything(
    conn: Session, expr: Any, depth: int, found: list[tuple[int, float]] | None = None
) -> list[Row]:
    """The best `depth` matches of the whole archive, ranked by the index alone (FTS5's
    `rank` + LIMIT path; one pass over the matching rows on PostgreSQL) instead of
    joining every match to its article to sort them. `found`: those (id, score) rows,
    already read (`rank_counted`)."""
    if found is None:
        found = backend(conn).rank_everything(conn, expr, depth)
    if not found:
        return []
    when = latest(conn, "v.published_ts", [r[0] for r in found])
    return order([(r[0], r[1], when.get(r[0])) for r in found])


def rank_filtered(
    conn: Session, expr: Any, where: str, params: list[Any], depth: int, query: str
) -> tuple[list[Row], int]:
    """The best `depth` matches that pass the filters, and how many pass."""
    first = backend(conn).filtered_first(expr, where) if where else None
    # (the filters stay in the outer query too: the same rows pass, at a lookup each)
    source, source_params = matched(
        conn, expr, scored=True, restrict=first or "", restrict_params=params if first else ()
    )
    sql = (
        f"SELECT f.id, f.score, v.published_ts, count(*) OVER () {source}{where}"
        f" ORDER BY f.score, {RECENT_FIRST}, f.id DESC LIMIT ?"
    )
    found = run(conn, sql, [*source_params, *params, depth], query)
    return [(r[0], r[1], r[2]) for r in found], (found[0][3] if found else 0)


def _scored(
    conn: Session,
    expr: Any,
    where: str,
    params: list[Any],
    after: int,
    ids: list[int],
) -> list[Row]:
    """Matches with an id above `after` or among `ids`, scored under today's statistics."""
    restrict = backend(conn).after_or_among(len(ids))
    source, source_params = matched(
        conn, expr, scored=True, restrict=restrict, restrict_params=[after, *ids]
    )
    sql = f"SELECT f.id, f.score, v.published_ts {source}{where}"
    return [(r[0], r[1], r[2]) for r in conn.execute(sql, [*source_params, *params])]


# (database, from version, to version) -> articles with a version in between.
# After a commit every cached search asks the same question; reading the new versions
# costs ~2 ms (their rows hold the text).
_revised_memo: dict[tuple[str, int, int], list[int]] = {}


def _revised(conn: Session, state: RankState, max_version: int) -> list[int]:
    """Articles up to `state.max_article` with a version newer than `state.max_version`."""
    key = (backend(conn).database_key(conn), state.max_version, max_version)
    found = _revised_memo.get(key)
    if found is None:
        found = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT article_id FROM versions WHERE id > ? AND id <= ?",
                (state.max_version, max_version),
            )
        ]
        if len(_revised_memo) > 64:
            _revised_memo.clear()
        _revised_memo[key] = found
    return [i for i in found if i <= state.max_article]


def update_from(conn: Session) -> int:
    """The fewest matches whose ranking is worth keeping and updating on `conn`'s
    backend (`UPDATE_FROM`, `POSTGRES_UPDATE_FROM`)."""
    if conn.dialect == "postgres":
        return min(UPDATE_FROM, POSTGRES_UPDATE_FROM)
    return UPDATE_FROM


def update(conn: Session, state: RankState, key: tuple[Any, ...], depth: int) -> RankState | None:
    """`state` brought up to date with what was committed since, or None when only a
    full ranking can say (see the module docstring). `depth`: rows the caller needs."""
    if state.total < update_from(conn) or state.key != key:
        return None
    if not state.complete and len(state.rows) < depth:
        return None  # ranked for a shallower page than this one needs
    if time.monotonic() - state.ranked_at > MAX_MERGE_AGE:
        return None
    if FORMAT_FILTER in key[1]:
        return None  # a new capture (no new version) can change which articles pass
    max_article, max_version, removed = marks(conn)
    if removed != state.removals:
        return None  # a match may have gone (and ids can be reused)
    if max_article < state.max_article or max_version < state.max_version:
        return None  # ranked in a later snapshot than this one (another connection)
    if max_version == state.max_version and max_article == state.max_article:
        return state
    revised = _revised(conn, state, max_version)
    expr, where, params = key[0], key[1], list(key[2])
    if len(revised) > MAX_REVISED or (revised and where):
        # (with filters, whether a revised article matched before is unknown, so the
        # total could not be corrected without counting the filtered matches again)
        return None
    gone = set(revised)
    kept = [r for r in state.rows if r[0] not in gone]
    # Every row never kept scored below every kept one; while the kept rows still fill
    # the page (and its ties), none of those can belong on it.
    if not state.complete and len(kept) < depth - SPARE_ROWS + TIE_ROWS:
        return None
    # The kept rows are rescored too, under today's statistics, in the same walk as the
    # new and revised ones: all scores are then comparable, and the merged order is a
    # full ranking's except where rows beyond the kept ones drifted across (the spare
    # rows make that rare; MAX_MERGE_AGE bounds it). Kept rows pass the filters still:
    # an article's outlet, date and language change only with a new version.
    merged = order(
        _scored(conn, expr, where, params, state.max_article, [r[0] for r in kept] + revised)
    )
    fresh = sum(1 for r in merged if r[0] > state.max_article)
    total = count_matches(conn, expr, str(expr)) if revised else state.total + fresh
    keep = max(depth, len(state.rows))
    return replace(
        state,
        rows=tuple(merged[:keep]),
        total=total,
        complete=state.complete and len(merged) <= keep,
        max_article=max_article,
        max_version=max_version,
    )
