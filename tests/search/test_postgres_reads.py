"""PostgreSQL's search reads each candidate's document (out of TOAST) at most once, and
none that the filters leave out, while ranking exactly as the plain statement does.

The plain statement is the obvious one: ``ts_rank`` of every document that the phrase
tsquery matches. The engine's statements answer the same rows and scores with fewer
document reads (`search.postgres.matches`, `rank_counted`, `filtered_first`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from newsarchive.archive import Archive
from newsarchive.components import open_archive
from newsarchive.model import Capture, Draft
from newsarchive.search import engine, ranked, search
from newsarchive.search import postgres as pg
from newsarchive.search.query import parse_query
from newsarchive.search.sql import RECENT_FIRST, filters
from tests.conftest import BACKENDS
from tests.search.test_rankings import count_full_rankings

pytestmark = pytest.mark.skipif("postgres" not in BACKENDS, reason="PostgreSQL's statements")

OUTLETS = ["美国之音", "德国之声", "法广"]
FILLER = ["经济", "记者", "台湾", "选举", "疫苗", "出口", "管制", "政府", "官员", "表示"]
N = 60


@pytest.fixture(scope="module")
def archive(pg_cluster: Any) -> Iterator[Archive]:
    """N articles long enough that their documents are stored out of line: 新冠 as a
    phrase in some, 新 and 冠 apart in others (candidates of the phrase that fail it)."""
    url = pg_cluster.new_database(pg_cluster.template)
    rng = random.Random(3)
    a = open_archive(url)
    with a.transaction():
        for n in range(N):
            # (many distinct words: a document of a few kilobytes)
            words = [
                w if rng.random() < 0.3 else f"w{rng.randrange(5000)}"
                for w in rng.choices(FILLER, k=600)
            ]
            if n % 3 == 0:
                words[rng.randrange(600)] = "新冠"
            elif n % 3 == 1:
                words[rng.randrange(300)], words[300 + rng.randrange(300)] = "新", "冠"
            for _ in range(n % 5):  # differing scores
                words[rng.randrange(600)] = "新冠" if n % 3 == 0 else "新"
            a.ingest(
                Draft(
                    title=f"第{n}篇",
                    text=" ".join(words) + "。",
                    html="",
                    url=f"https://example.org/{n}",
                    outlet=OUTLETS[(n // 3) % len(OUTLETS)],
                    published=datetime(2020, 1, 1, tzinfo=UTC) + timedelta(days=n % 7),
                ),
                Capture(f"{n}".encode(), "jekyll", f"{n}.md"),
            )
    try:
        yield a
    finally:
        a.close()
        pg_cluster.drop_database(url)


def _expr(query: str) -> pg.Compiled:
    return pg.strict_expr(parse_query(query, expand=False))


def _plain(archive: Archive, expr: pg.Compiled, where: str = "", params: Any = ()) -> list[Any]:
    """(id, score, published_ts) of every match, best first: ts_rank of each document
    the full tsquery matches, filtered, ordered as `ranked.rank_filtered` orders."""
    return [
        tuple(r)
        for r in archive.session.execute(
            f"SELECT d.article_id, -{pg.RANK.replace('q.r', 'CAST(? AS tsquery)')},"
            " v.published_ts FROM search_docs d JOIN articles a ON a.id = d.article_id"
            " JOIN versions v ON v.id = a.latest_version_id"
            f" WHERE d.doc @@ CAST(? AS tsquery){where}"
            f" ORDER BY 2, {RECENT_FIRST}, d.article_id DESC",
            [expr.rank, expr.tsquery, *params],
        )
    ]


def _blocks(archive: Archive, sql: str, params: list[Any]) -> int:
    """Shared buffers the statement touched (the documents' TOAST chunks are most),
    planned as the engine plans it (`begin_snapshot`: from the GIN index)."""
    pg.begin_snapshot(archive.session)
    try:
        row = archive.session.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
        plan = row.fetchone()[0]
    finally:
        archive.session.execute("COMMIT")
    plan = json.loads(plan) if isinstance(plan, str) else plan
    top = plan[0]["Plan"]
    return int(top["Shared Hit Blocks"]) + int(top["Shared Read Blocks"])


def test_the_corpus_has_phrase_candidates_that_fail(archive: Archive) -> None:
    expr = _expr("新冠")
    assert expr.necessary is not None  # 新冠 is two tokens: a phrase
    candidates = archive.session.scalar(
        "SELECT count(*) FROM search_docs WHERE doc @@ CAST(? AS tsquery)", [expr.necessary]
    )
    assert candidates > pg.count_matches(archive.session, expr) > 0
    assert archive.session.scalar(
        "SELECT count(*) FROM search_docs WHERE pg_column_size(doc) > 2000"
    ) == archive.session.scalar("SELECT count(*) FROM search_docs")


def test_rank_counted_is_count_and_ranking_in_one(archive: Archive) -> None:
    for query in ("新冠", "经济", "新冠 OR 疫苗"):
        expr = _expr(query)
        plain = _plain(archive, expr)
        rows, total = pg.rank_counted(archive.session, expr, 10) or ([], -1)
        assert total == len(plain) == pg.count_matches(archive.session, expr)
        assert [s for _, s in rows] == pytest.approx([r[1] for r in plain[:10]])
        assert sorted(rows) == sorted(pg.rank_everything(archive.session, expr, 10))


def test_filters_apply_before_a_phrase_reads_documents(archive: Archive) -> None:
    expr = _expr("新冠")
    for outlet, since in ((OUTLETS[0], None), ("无此媒体", None), (None, 5)):
        when = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(days=since) if since else None
        where, params = filters(outlet, when, None, None, None)
        plain = _plain(archive, expr, where, params)
        rows, total = ranked.rank_filtered(archive.session, expr, where, params, 100, "新冠")
        assert total == len(plain)
        assert [r[0] for r in rows] == [r[0] for r in plain]
        assert [r[1] for r in rows] == pytest.approx([r[1] for r in plain])
    where, params = filters("无此媒体", None, None, None, None)
    first = pg.filtered_first(expr, where)
    assert first is not None
    source, source_params = pg.matches(expr, scored=True, restrict=first, restrict_params=params)
    none_pass = _blocks(archive, f"SELECT f.id FROM {source}", source_params)
    unscored, unscored_params = pg.matches(expr, scored=False)
    every = _blocks(archive, f"SELECT count(*) FROM {unscored}", unscored_params)
    assert none_pass * 3 < every  # index lookups only: no document was read


def test_search_pages_equal_the_plain_ranking(archive: Archive) -> None:
    expr = _expr("新冠")
    plain = _plain(archive, expr)
    ids = [r[0] for r in plain]
    for offset in (0, 5):
        page = search(archive, "新冠", limit=5, offset=offset, expand=False)
        assert page.total == len(plain)
        assert [h.id for h in page.hits] == ids[offset : offset + 5]
    where, params = filters(OUTLETS[1], None, None, None, None)
    passing = [r[0] for r in _plain(archive, expr, where, params)]
    page = search(archive, "新冠", outlet=OUTLETS[1], limit=50, expand=False)
    assert [h.id for h in page.hits] == passing and page.total == len(passing)


def test_a_filtered_search_counts_only_what_decides_the_fragment_form(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With filters, the whole archive's matches are counted only up to LOOSE_BELOW
    (and not at all when no fragment form could be needed)."""
    asked: list[str] = []
    real = archive.session.execute

    def execute(sql: str, params: Any = ()) -> Any:
        asked.append(sql)
        return real(sql, params)

    monkeypatch.setattr(archive.session, "execute", execute)
    monkeypatch.setattr(engine, "count_matches", lambda *a: pytest.fail("counted everything"))
    for query, counted in (("新冠", 1), ("经济", 0)):  # a phrase; a word (no fragments)
        asked.clear()
        page = search(archive, query, outlet=OUTLETS[2], expand=False)
        where, params = filters(OUTLETS[2], None, None, None, None)
        assert page.total == len(_plain(archive, _expr(query), where, params)) > 0
        bounded = [s for s in asked if s.startswith("SELECT count(*) FROM (SELECT f.id FROM")]
        assert len(bounded) == counted and all(s.endswith("LIMIT ?) c") for s in bounded)


def test_rankings_of_fewer_matches_are_kept_on_postgres(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ts_rank has no collection statistics (an updated ranking is exact) and a full
    one reads every match's document: PostgreSQL keeps rankings from
    POSTGRES_UPDATE_FROM matches on, below SQLite's UPDATE_FROM."""
    from newsarchive.search import rankings

    rankings.clear()
    monkeypatch.setattr(ranked, "POSTGRES_UPDATE_FROM", 10)
    full = count_full_rankings(monkeypatch)
    first = search(archive, "经济", expand=False)
    assert 10 <= first.total < ranked.UPDATE_FROM
    again = search(archive, "经济", expand=False)
    assert len(full) == 1
    assert [h.id for h in again.hits] == [h.id for h in first.hits]
    rankings.clear()


def test_the_next_page_comes_from_the_kept_ranking(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ranking on PostgreSQL scores every match whatever the LIMIT: the first page's
    ranking keeps the next page's rows too, and the second page is not ranked again."""
    from newsarchive.search import rankings

    monkeypatch.setattr(ranked, "POSTGRES_UPDATE_FROM", 10)
    monkeypatch.setattr(engine, "MANY_MATCHES", 10)
    rankings.clear()
    fresh = search(archive, "经济", limit=5, offset=5, expand=False)
    rankings.clear()
    full = count_full_rankings(monkeypatch)
    search(archive, "经济", limit=5, expand=False)
    second = search(archive, "经济", limit=5, offset=5, expand=False)
    assert len(full) == 1
    assert [h.id for h in second.hits] == [h.id for h in fresh.hits]
    assert second.total == fresh.total > 10
    rankings.clear()
