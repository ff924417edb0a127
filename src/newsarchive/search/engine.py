"""`search()` and `timeline()`: the one search implementation (CLI, web app and static
publisher all call these).

Ranking is the backend's (FTS5's BM25 on SQLite, `ts_rank` on PostgreSQL) with the title
weighted above the body; ties (typically the same story carried by several outlets) go
to the most recent article. Recency never removes a result. Snippets are computed only
for the page that is returned. The SQL here is the same on both backends; matching is
the backend's (`backends`).

Every search and timeline runs under a time budget (issue #19): BM25 costs about
(matching articles x query phrases), and a few common characters (的 在 中 ...) match
nearly every article, 1-3 s to rank on 50,000. Past the budget the database stops
the statement (SQLite's progress handler, PostgreSQL's statement_timeout) and the search returns what it has, marked incomplete
(`SearchPage.complete`): the latest archived matches unranked, the exact matches without the
fragment ones, plain leads instead of highlighted snippets.
"""

from __future__ import annotations

import html
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from newsarchive.archive.session import Session
from newsarchive.search import ranked, rankings
from newsarchive.search.backends import backend, count_matches, matched, matched_among, run
from newsarchive.search.bestform import rescored
from newsarchive.search.budget import Budget, OutOfTime, budget
from newsarchive.search.english import translated_query
from newsarchive.search.fusion import (
    MODES,
    SEMANTIC_DEPTH,
    Mode,
    SemanticFn,
    SemanticUnavailable,
    fuse,
    semantic_ranking,
)
from newsarchive.search.highlight import SNIPPET_CHARS, Highlighter
from newsarchive.search.query import ParsedQuery, QueryError, parse_query
from newsarchive.search.ranked import RankState
from newsarchive.search.sql import RECENT_FIRST, aware, filters, latest
from newsarchive.search.why import reasons
from newsarchive.text.script import to_simplified
from newsarchive.text.segment import fold

if TYPE_CHECKING:
    from newsarchive.archive import Archive
    from newsarchive.names import AliasTable

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
# From this many matches on, a timeline reads dates and outlets from the doc values
# (`docvalues`: arrays read once per process) instead of joining each match to its
# article and version (~3 us a match, and Python per row besides).
DOC_VALUES_FROM = 1000
CHECK_LIMIT = 300

# Wall-clock seconds a search (or timeline) may take before it returns what it has. The
# costliest ordinary query, a common word (美国: 22,000 of 50,000 articles), ranks in
# ~0.1 s; a query that needs ten times that is one no reader waits for. The fallback (the
# newest matches, unranked: an index walk that stops at the page) gets FALLBACK_SECONDS.
BUDGET_SECONDS = 1.0
FALLBACK_SECONDS = 0.25

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
    # Why it matched (`search.why.REASONS`: word, variant, alias, meaning) and the
    # forms of the query its text holds (晶片 for a query 芯片).
    why: tuple[str, ...] = ()
    matched: tuple[str, ...] = ()

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
            "why": list(self.why),
            "matched": list(self.matched),
        }


@dataclass(frozen=True, slots=True)
class SearchPage:
    query: str
    hits: list[SearchHit]
    total: int
    took_ms: float
    # How the page was ranked, for `search(previous=...)`; None for fragment matches.
    state: RankState | None = None
    # False when the budget ran out: the hits are what was found in time (then `total`
    # counts only what was seen, unless the count itself finished).
    complete: bool = True
    # The end of the query that was not searched for (past `query.MAX_TERMS` words).
    ignored: str = ""
    # The ranking used (`fusion.MODES`): a hybrid search that could not search by
    # meaning says "lexical" and why in `notice`.
    mode: str = "lexical"
    notice: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "took_ms": round(self.took_ms, 3),
            "total": self.total,
            "complete": self.complete,
            "ignored": self.ignored,
            "mode": self.mode,
            "notice": self.notice,
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
    clock: Budget,
) -> tuple[list[Any], bool]:
    """`strict_rows` (found as typed, already ranked) followed by the articles that only
    the loose form finds and the substring check accepts, most recent first; and
    whether that is all of them (False: the budget ran out, the rest are left out).

    The loose form is matched without BM25: for a short fragment it can match tens of
    thousands of articles (all with 导, 体 and 产), and scoring them all took seconds.
    Fragment matches rank below exact-token matches, which are better evidence."""
    strict_ids = {r[0] for r in strict_rows}
    source, source_params = matched(conn, backend(conn).loose_expr(parsed), scored=False)
    loose_sql = f"SELECT {select} {source}{where} ORDER BY {RECENT_FIRST}"
    try:
        with clock.guard():
            loose = run(conn, loose_sql, [*source_params, *params], query)
            # Articles that cannot hold the fragment are left out before their text is
            # read (SQLite's trigram index: `英国政府发言人也` checked 300, 115 ms).
            possible = backend(conn).fragment_candidates(conn, parsed)
    except OutOfTime:
        return strict_rows, False
    extra = [r for r in loose if r[0] not in strict_ids]
    if possible is not None:
        extra = [r for r in extra if r[0] in possible]
    extra = extra[:CHECK_LIMIT]
    accepted: list[Any] = []
    for i in range(0, len(extra), 100):
        try:
            if not clock.left():
                raise OutOfTime
            with clock.guard():
                accepted += _check_batch(conn, parsed, extra[i : i + 100])
        except OutOfTime:
            return [*strict_rows, *accepted], False
    return [*strict_rows, *accepted], True


def _check_batch(conn: Session, parsed: ParsedQuery, rows: list[Any]) -> list[Any]:
    """The rows whose article text really contains the query's terms."""
    if not rows:
        return []
    texts = latest(conn, "v.title, v.text", [r[0] for r in rows])
    folder = to_simplified if parsed.cjk_needles_only else fold
    return [
        r for r in rows if r[0] in texts and parsed.accepts(_unspaced(folder(_doc(texts[r[0]]))))
    ]


def _unspaced(text: str) -> str:
    """`text` without whitespace: str.split() drops exactly what the regex \\s+ did
    (both use Unicode's whitespace), in C: 0.26 against 1.0 ms for a 16,568-character
    article, read and dropped for every fragment candidate."""
    return "".join(text.split())


def _doc(title_text: tuple[str, str]) -> str:
    return title_text[0] + "\n" + title_text[1]


def _aliases(archive: Archive) -> AliasTable:
    """The alias table queries on `archive` expand names with: the shipped table and
    the names grown from the archive's own articles (`names.grown`)."""
    from newsarchive.names import alias_table

    return alias_table(archive)


def search(
    archive: Archive,
    query: str,
    *,
    outlet: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    format: str | None = None,
    lang: str | None = None,
    entity_id: str | None = None,
    limit: int = 20,
    offset: int = 0,
    previous: SearchPage | None = None,
    budget_seconds: float | None = None,
    mode: Mode | str = "lexical",
    semantic: SemanticFn | None = None,
    expand: bool = True,
    wait_for_model: bool = True,
) -> SearchPage:
    """Find articles matching `query`, best first. Raises `QueryError` for a malformed
    query. `took_ms` covers everything here: parsing, matching, ranking and snippets.

    `mode`: "lexical" (words, their variants and a name's aliases; the library's
    default, what other components build on), "semantic" (by
    meaning: `newsarchive.vectors`, or the `semantic` function given) or "hybrid" (both,
    fused: `fusion`; `fusion.DEFAULT_MODE`, what the CLI, web app and API search by
    default). Hybrid runs as lexical, saying why in `notice`, when meaning
    cannot be searched (no model); semantic then raises `QueryError`. `expand` False:
    each word as typed only (no variants or aliases; `bench/search.py`'s peer).
    `wait_for_model` False (a server): while the embedding model loads, hybrid searches
    by words and says so.

    `previous`: an earlier page of the same query and filters. When its ranking can be
    brought up to date (`ranked.update`), only what was committed since is scored, and
    if the page still shows the same versions its snippets are reused too.

    `budget_seconds` (default `BUDGET_SECONDS`; `math.inf`: no limit): past it the
    search returns what it has found, with `complete` False."""
    t0 = time.perf_counter()
    if mode not in MODES:
        raise QueryError(f"unknown search mode {mode!r}: use {', '.join(MODES)}")
    aliases = _aliases(archive) if expand else None
    parsed = parse_query(query, expand=expand, aliases=aliases)
    # An English query's Chinese words (`search.english`): a third ranking, hybrid only.
    translated = translated_query(query, aliases) if mode == "hybrid" and expand else None
    conn = archive.session
    near, notice = _semantic(archive, query, mode, offset + limit, semantic, wait_for_model)
    if near is None:
        mode = "lexical"
    where, params = filters(outlet, since, until, format, lang, entity_id)
    limit, offset = max(0, limit), max(0, offset)
    expr = backend(conn).strict_expr(parsed)
    key = (expr, where, tuple(params))
    depth = offset + limit + ranked.SPARE_ROWS
    known = previous.state if previous is not None and previous.query == query else None
    with _snapshot(conn):
        remembered = None
        if known is None and mode != "semantic":
            remembered = rankings.get(conn, key)
        with budget(conn, _seconds(budget_seconds)) as clock:
            try:
                with clock.guard():
                    rows: list[Any] = []
                    start = known or remembered
                    state = ranked.update(conn, start, key, depth) if start is not None else None
                    updated = state is not None and known is not None
                    if mode == "semantic":  # the lexical ranking is not needed
                        state, total = None, 0
                    elif state is None:
                        state, rows, total = _rank(
                            conn, parsed, key, depth, query, clock, ahead=limit
                        )
                    else:
                        rows, total = list(state.rows), state.total
                    if state is not None and state is not remembered:
                        rankings.put(conn, key, state)
                    # A term's forms count once (`bestform`); kept states stay as the
                    # index ranked them, so an update merges like with like.
                    rows = rescored(conn, parsed, expr, rows)
                    in_words, shown = _translated_rows(
                        conn, translated, aliases, where, params, depth, clock
                    )
            except OutOfTime:
                # Ranking would take too long: the latest matches, unranked, instead.
                clock.extend(FALLBACK_SECONDS)
                state, updated = None, False
                rows = _newest(conn, expr, where, params, depth, clock)
                total = len(rows)
                in_words, shown = [], None
        meant: set[int] = set()
        if near is not None or in_words:
            near = _passing(conn, near or [], where, params)
            meant = {i for i, _ in near}
            rows, total = _fused(conn, expr, rows, total, near, mode, query, in_words)
        if shown is not None:
            # The page marks (and explains) the translations beside the typed words.
            parsed = replace(parsed, clauses=[*parsed.clauses, *shown.clauses])
        # The page's own rows are read whatever the budget (a lookup per hit); only
        # their snippets are skipped once it is spent.
        page = [(r[0], r[1]) for r in rows[offset : offset + limit]]
        if updated and near is None:
            assert previous is not None
            hits = _reused_hits(conn, parsed, previous.hits, page, clock)
        else:
            hits = _hits(conn, parsed, page, clock, meant, set(in_words))
    took = (time.perf_counter() - t0) * 1000
    complete = not clock.spent
    return SearchPage(query, hits, total, took, state, complete, parsed.ignored, mode, notice)


def _semantic(
    archive: Archive,
    query: str,
    mode: str,
    depth: int,
    semantic: SemanticFn | None,
    wait_for_model: bool,
) -> tuple[list[tuple[int, float]] | None, str]:
    """The semantic hits a `mode` search fuses (None for lexical, or when meaning cannot
    be searched in hybrid mode: then with the reason)."""
    if mode == "lexical":
        return None, ""
    try:
        limit = max(SEMANTIC_DEPTH, depth)
        return semantic_ranking(archive, query, limit, semantic, wait_for_model=wait_for_model), ""
    except SemanticUnavailable as exc:
        if mode == "semantic":
            raise QueryError(f"cannot search by meaning: {exc}") from exc
        return None, f"searched by words only: {exc}"


def _passing(
    conn: Session, near: list[tuple[int, float]], where: str, params: list[Any]
) -> list[tuple[int, float]]:
    """The semantic hits that pass the search's filters, in their order."""
    if not where or not near:
        return near
    ids = [i for i, _ in near]
    sql = (
        "SELECT a.id FROM articles a JOIN versions v ON v.id = a.latest_version_id"
        f" WHERE a.id IN ({','.join('?' * len(ids))}){where}"
    )
    passing = {r[0] for r in conn.execute(sql, [*ids, *params])}
    return [(i, c) for i, c in near if i in passing]


def _translated_rows(
    conn: Session,
    translated: str | None,
    aliases: AliasTable | None,
    where: str,
    params: list[Any],
    depth: int,
    clock: Budget,
) -> tuple[list[int], ParsedQuery | None]:
    """The ids an English query's Chinese words find, best first, and the query whose
    terms the page highlights (the typed words and the translations), or ([], None)."""
    if translated is None:
        return [], None
    try:
        words = parse_query(translated, aliases=aliases)
    except QueryError:
        return [], None
    for term in words.positive_terms():
        term.reason = "translation"
    key = (backend(conn).strict_expr(words), where, tuple(params))
    _, rows, _ = _rank(conn, words, key, depth, translated, clock)
    return [r[0] for r in rows], words


def _fused(
    conn: Session,
    expr: Any,
    rows: list[Any],
    total: int,
    near: list[tuple[int, float]],
    mode: str,
    query: str,
    in_words: Sequence[int] = (),
) -> tuple[list[tuple[int, float]], int]:
    """The rows of a semantic or hybrid search, (id, score: lower is better), and the
    total: the lexical matches plus the semantic hits (and an English query's
    translated matches) that are not among them (asked of the index when the lexical
    rows do not list every match)."""
    if mode == "semantic":
        return [(i, -c) for i, c in near], len(near)
    fused = fuse([r[0] for r in rows], near, query=query, translated=in_words)
    listed = {r[0] for r in rows}
    unlisted = [i for i, _ in fused if i not in listed]
    if unlisted and total > len(rows):
        source, params = matched_among(conn, expr, unlisted, scored=False)
        lexical = {r[0] for r in conn.execute(f"SELECT f.id {source}", params)}
        unlisted = [i for i in unlisted if i not in lexical]
    return [(i, -score) for i, score in fused], total + len(unlisted)


def _seconds(given: float | None) -> float:
    # Read at call time, so that the server (or a test) can change the default.
    return BUDGET_SECONDS if given is None else given


def _newest(
    conn: Session,
    expr: Any,
    where: str,
    params: list[Any],
    depth: int,
    clock: Budget,
) -> list[Any]:
    """Up to `depth` matches, the most recently archived first (highest article id),
    without BM25: FTS5 walks its doclists backwards and stops once the rows are found
    (no temporary sort); [] if even that runs out of time."""
    source, source_params = matched(conn, expr, scored=False)
    sql = f"SELECT f.id, 0.0 {source}{where} ORDER BY f.id DESC LIMIT ?"
    try:
        with clock.guard():
            return run(conn, sql, [*source_params, *params, depth], str(expr))
    except OutOfTime:
        return []


def _reused_hits(
    conn: Session,
    parsed: ParsedQuery,
    before: list[SearchHit],
    page: list[tuple[int, float]],
    clock: Budget,
) -> list[SearchHit]:
    """The page's hits, reusing those of `before` (with their new score) where the
    article is still at the version its snippet was made from: snippets cost ~0.4 ms a
    hit, and after an import commit most of a page is what it was."""
    known = {h.id: h for h in before}
    now = latest(conn, "v.id", [i for i, _ in page if i in known]) if known else {}
    reuse = {i: h for i, h in known.items() if now.get(i) == h.version_id}
    made = {h.id: h for h in _hits(conn, parsed, [p for p in page if p[0] not in reuse], clock)}
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
        if conn.in_transaction:
            conn.execute("COMMIT")


def _rank(
    conn: Session,
    parsed: ParsedQuery,
    key: tuple[Any, ...],
    depth: int,
    query: str,
    clock: Budget,
    ahead: int = 0,
) -> tuple[RankState | None, list[Any], int]:
    """A full ranking: (state to update later or None, the best `depth` rows (id, score,
    ...) in order, total). Fragment matches come back whole (the page is cut later).
    `ahead`: rows more to rank where that costs nothing more (`Backend.rank_counted`),
    so that the state serves the next page too."""
    expr, where, params = key[0], key[1], list(key[2])
    if where and not parsed.needs_check:
        # Nothing to decide on the whole archive's count (below): the filtered
        # ranking counts what passes (on PostgreSQL the count alone read every
        # document of a phrase query's candidates: 新冠, 38-63 ms of 130).
        rows, total = ranked.rank_filtered(conn, expr, where, params, depth, query)
        return ranked.new_state(conn, key, rows, total, depth), rows, total
    # The loose form is decided on the whole archive, filters or not: a filter then only
    # ever narrows the unfiltered results (and a rare filtered count of a common word no
    # longer sends it down the slow fragment path).
    # (PostgreSQL's one statement reads and scores every match whatever its LIMIT: the
    # rows of the next page cost nothing there, and a second page was ranked afresh.)
    counted = None if where else ranked.rank_counted(conn, expr, depth + ahead, query)
    if counted:
        everywhere = counted[1]
    elif where:
        # Only "fewer than LOOSE_BELOW?" is asked of it (the filtered ranking counts
        # its own): the first LOOSE_BELOW matches say it. On PostgreSQL counting a
        # phrase's matches read every candidate document (新冠: 1,923, 28-41 ms).
        everywhere = _count_up_to(conn, expr, LOOSE_BELOW, query)
    else:
        everywhere = count_matches(conn, expr, query)
    if parsed.needs_check and everywhere < LOOSE_BELOW:
        source, source_params = matched(conn, expr, scored=True)
        sql = f"SELECT a.id, f.score {source}{where} ORDER BY f.score, {RECENT_FIRST}"
        strict_rows = run(conn, sql, [*source_params, *params], query)
        select = "a.id, 0.0"
        found, _ = _with_fragments(conn, parsed, select, where, params, strict_rows, query, clock)
        return None, found, len(found)
    if not where and everywhere > MANY_MATCHES:
        best = counted[0] if counted else None
        depth += ahead if counted else 0
        rows, total = ranked.rank_everything(conn, expr, depth, best), everywhere
    elif not where and not everywhere:
        rows, total = [], 0
    else:
        rows, total = ranked.rank_filtered(conn, expr, where, params, depth, query)
    state = ranked.new_state(conn, key, rows, total, depth)
    return state, rows, total


def _count_up_to(conn: Session, expr: Any, bound: int, query: str) -> int:
    """The articles matching `expr` anywhere in the archive, counted up to `bound`."""
    source, params = backend(conn).matches(expr, scored=False)
    sql = f"SELECT count(*) FROM (SELECT f.id FROM {source} LIMIT ?) c"
    return int(run(conn, sql, [*params, bound], query)[0][0])


def _hits(
    conn: Session,
    parsed: ParsedQuery,
    page: list[tuple[int, float]],
    clock: Budget,
    meant: set[int] | frozenset[int] = frozenset(),
    translated: set[int] | frozenset[int] = frozenset(),
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
        # Out of time: the lead as it is, unhighlighted (a snippet can cost milliseconds).
        highlighted = clock.left()
        because = reasons(
            parsed, title, text, semantic=article_id in meant, translated=article_id in translated
        )
        hits.append(
            SearchHit(
                id=article_id,
                url=url,
                title=title,
                outlet=outlet,
                published=datetime.fromisoformat(published) if published else None,
                score=-score,
                snippet=hl.snippet(text) if highlighted else plain_lead(text),
                title_html=hl.mark(title) if highlighted else html.escape(title),
                version_id=version_id,
                why=because.why,
                matched=because.matched,
            )
        )
    return hits


def plain_lead(text: str, width: int = SNIPPET_CHARS) -> str:
    """The first `width` characters of `text` as escaped HTML."""
    return html.escape(text[:width]) + ("…" if len(text) > width else "")


@lru_cache(maxsize=1 << 16)
def _period(day: int, interval: Interval) -> str:
    """The period of a UTC day (days since 1970-01-01), formatted once per process."""
    d = datetime.fromtimestamp(day * 86400.0, UTC)
    if interval == "day":
        return d.strftime("%Y-%m-%d")
    if interval == "week":
        year, week, _ = d.isocalendar()
        return f"{year}-W{week:02d}"
    return d.strftime("%Y-%m")


def _rows_in_time(
    conn: Session, sql: str, params: list[Any], query: str, clock: Budget
) -> list[Any]:
    """The rows of `sql`, or those read before the budget ran out."""
    rows: list[Any] = []
    try:
        with clock.guard():
            cursor = conn.execute(sql, params)
            while batch := cursor.fetchmany(2000):
                rows += batch
    except OutOfTime:
        return rows
    except Exception as exc:
        if backend(conn).is_query_error(exc):  # as `backends.run` does
            raise QueryError(f"cannot search for {query!r}: {exc}") from exc
        raise
    return rows


def timeline(
    archive: Archive,
    query: str,
    *,
    interval: Interval = "day",
    by_outlet: bool = False,
    outlet: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    budget_seconds: float | None = None,
) -> list[TimelineBucket]:
    """How many matching articles were published per day / ISO week / month (UTC),
    optionally per outlet, in period order. Articles without a publication date are
    not counted (they have no place on a time axis). Past `budget_seconds` (default
    `BUDGET_SECONDS`) the counts are those of the matches read by then.

    From `DOC_VALUES_FROM` matches on, the matches' dates and outlets are read from
    the archive's doc values (`docvalues`) instead of a join per match."""
    if interval not in ("day", "week", "month"):
        raise QueryError(f"unknown interval {interval!r}: use day, week or month")
    parsed = parse_query(query, aliases=_aliases(archive))
    conn = archive.session
    expr = backend(conn).strict_expr(parsed)
    with _snapshot(conn), budget(conn, _seconds(budget_seconds)) as clock:
        try:
            with clock.guard():
                everywhere = count_matches(conn, expr, query)
        except OutOfTime:
            return []
        if everywhere >= DOC_VALUES_FROM:
            days = _days_from_values(conn, expr, query, clock, outlet, since, until)
        else:
            days = _days_joined(conn, parsed, expr, query, clock, outlet, since, until)
    counts: Counter[tuple[str, str | None]] = Counter()
    # A period is a function of the UTC day: each distinct day is formatted once.
    for (day, out), n in days.items():
        counts[_period(day, interval), out if by_outlet else None] += n
    return [
        TimelineBucket(period, out, n)
        for (period, out), n in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
    ]


# A day (days since 1970-01-01 UTC) and an outlet -> matches published that day.
Days = dict[tuple[int, str | None], int]


def _days_joined(
    conn: Session,
    parsed: ParsedQuery,
    expr: Any,
    query: str,
    clock: Budget,
    outlet: str | None,
    since: datetime | None,
    until: datetime | None,
) -> Days:
    """Few matches: each joined to its article and latest version (no doc values to
    read, and the fragment form when few match as typed, as `search` does)."""
    where, params = filters(outlet, since, until, None, None)
    where += " AND v.published_ts IS NOT NULL"
    source, source_params = matched(conn, expr, scored=False)
    select = "a.id, 0 AS score, v.published_ts, a.outlet"
    sql = f"SELECT {select} {source}{where}"
    rows = _rows_in_time(conn, sql, [*source_params, *params], query, clock)
    if parsed.needs_check and len(rows) < LOOSE_BELOW and not clock.spent:
        rows, _ = _with_fragments(conn, parsed, select, where, params, rows, query, clock)
    days: Counter[tuple[int, str | None]] = Counter()
    for _, _, ts, out in rows:
        days[int(ts // 86400), out] += 1
    return dict(days)


def _days_from_values(
    conn: Session,
    expr: Any,
    query: str,
    clock: Budget,
    outlet: str | None,
    since: datetime | None,
    until: datetime | None,
) -> Days:
    """Many matches: their ids from the index alone, dates and outlets from the doc
    values, counted by numpy (no per-match join, no per-match Python)."""
    # numpy on first use: a CLI start-up that never draws a timeline does not pay for it.
    import numpy as np

    from newsarchive.search import docvalues

    index = backend(conn)
    with clock.paused(conn):
        values = docvalues.doc_values(conn, index.database_key(conn))
    source, source_params = index.matches(expr, scored=False)
    rows = _rows_in_time(conn, f"SELECT f.id FROM {source}", source_params, query, clock)
    at = values.rows_of([r[0] for r in rows])
    published, outlets = values.published[at], values.outlet[at]
    keep = ~np.isnan(published)
    if outlet:
        keep &= outlets == values.outlet_code(outlet)
    if since:
        keep &= published >= aware(since).timestamp()
    if until:
        keep &= published < aware(until).timestamp()
    # One integer per (day, outlet): a 1-D unique is a plain sort (axis=0 sorts rows
    # as records: 12 ms for 22,000).
    width = max(1, len(values.outlets))
    day = np.floor(published[keep] / 86400).astype(np.int64)
    found, n = np.unique(day * width + outlets[keep], return_counts=True)
    days, codes = np.divmod(found, width)
    return {
        (d, values.outlets[o]): k
        for d, o, k in zip(days.tolist(), codes.tolist(), n.tolist(), strict=True)
    }
