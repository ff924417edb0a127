"""The same articles in an SQLite and a PostgreSQL archive: every query finds the same
articles on both, counts them alike and draws the same timeline (issue #14: search
behaves the same for users whichever database holds the archive).

The articles are real: the whole feed-item tarball (474 articles, simplified script)
and the first 200 Jekyll posts (some in traditional script). Rankings may differ (BM25
against ts_rank, see search.postgres); the sets of matches may not.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import pytest

from newsarchive.archive import Archive
from newsarchive.components import open_archive
from newsarchive.model import Capture, Draft
from newsarchive.readers import read_path
from newsarchive.search import search, timeline
from newsarchive.search.index import SearchIndexHook
from newsarchive.text.segment import fold
from tests.conftest import BACKENDS
from tests.pgcluster import Cluster

pytestmark = [
    pytest.mark.slow,  # reads 674 corpus articles into two archives
    pytest.mark.skipif(
        not {"sqlite", "postgres"} <= set(BACKENDS), reason="compares both backends"
    ),
]

QUERIES = [
    # Words and script folding: a traditional query finds simplified articles.
    "世界卫生组织",
    "世界衛生組織",
    "病毒",
    "香港 国安法",
    "COVID-19",
    "covid",
    "WHO",
    "5G",
    "15%",
    # OR, NOT, phrases.
    "新冠 OR 疫苗",
    "华为 OR 中兴",
    "台湾 OR 台灣",
    "美国 -中国",
    "习近平 -香港",
    "美国 中国 -香港 -台湾",
    '"香港国安法"',
    '"世界卫生组织" -美国',
    '"发言人说"',
    '"卫生组织等组织合作"',
    # Single characters (inside words too), simplified and traditional.
    "疫",
    "衛",
    "的",
    # Phrases that start or end inside a word (the fragment form), and one that is
    # not in any article ("英国政府发言人说" is; "也" never follows it).
    "英国政府发言人说",
    "国政府发言人",
    "言人说",
    '"国政府发言人说，英"',
    "英国政府发言人也",
    "生组织等组织合",
]


def _corpus(shared: Path) -> list[tuple[Draft, Capture]]:
    mirrors = shared / "corpus" / "mirrors"
    items = list(read_path(mirrors / "feedx-articles.tar.xz"))
    items += islice(read_path(mirrors / "jekyll-waimei.tar.xz"), 200)
    return [item for item in items if isinstance(item, tuple)]


def _fill(address: str, corpus: list[tuple[Draft, Capture]]) -> Archive:
    # Only the search hook: this compares search (and is faster without dedup).
    archive = open_archive(address, hooks=[SearchIndexHook()])
    with archive.transaction():
        for draft, capture in corpus:
            archive.ingest(draft, capture)
    return archive


@pytest.fixture(scope="module")
def both(
    shared: Path, pg_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Archive, Archive]]:
    corpus = _corpus(shared)
    url = pg_cluster.new_database(pg_cluster.template)
    lite = _fill(str(tmp_path_factory.mktemp("backends") / "corpus.db"), corpus)
    pg = _fill(url, corpus)
    try:
        yield lite, pg
    finally:
        lite.close()
        pg.close()
        pg_cluster.drop_database(url)


def test_the_corpus_holds_what_the_queries_look_for(both: tuple[Archive, Archive]) -> None:
    lite, pg = both
    assert lite.counts()["articles"] == pg.counts()["articles"] > 600
    # Past PostgreSQL's tsvector limits, so its "lossy" path is taken too.
    assert pg.session.scalar("SELECT count(*) FROM search_docs WHERE lossy") > 0
    assert {h.url for h in search(lite, "英国政府发言人说").hits}


@pytest.mark.parametrize("query", QUERIES)
def test_both_backends_find_the_same_articles(both: tuple[Archive, Archive], query: str) -> None:
    lite, pg = both
    a, b = search(lite, query, limit=1000), search(pg, query, limit=1000)
    assert a.total == b.total
    assert {h.url for h in a.hits} == {h.url for h in b.hits}
    # Same ids too: the two archives were filled in the same order.
    assert sorted(h.id for h in a.hits) == sorted(h.id for h in b.hits)
    months = [timeline(x, query, interval="month", by_outlet=True) for x in (lite, pg)]
    assert months[0] == months[1]


def test_filters_and_paging_agree(both: tuple[Archive, Archive]) -> None:
    lite, pg = both
    lang = lite.session.scalar(
        "SELECT lang FROM versions WHERE lang IS NOT NULL GROUP BY lang ORDER BY count(*) DESC"
    )
    for kw in ({"outlet": "法广"}, {"lang": lang}, {"format": "feedx"}):
        a, b = (search(x, "中国 OR 美国", limit=1000, **kw) for x in (lite, pg))
        assert a.total == b.total > 0
        assert {h.id for h in a.hits} == {h.id for h in b.hits}
    pages = [
        [h.id for off in range(0, 60, 20) for h in search(x, "疫情", limit=20, offset=off).hits]
        for x in (lite, pg)
    ]
    assert len(pages[0]) == len(set(pages[0])) == len(pages[1]) == len(set(pages[1]))


def test_a_title_match_comes_first_on_both(both: tuple[Archive, Archive]) -> None:
    """Scores differ between BM25 and ts_rank, but both weight the title 4x the body:
    where an article has the word in its title, such an article comes first on both."""
    lite, pg = both
    checked = 0
    for word in ("病毒", "疫苗", "香港", "华为", "世界卫生组织", "选举", "口罩"):
        tops = [search(x, word, limit=1).hits for x in (lite, pg)]
        in_title = [bool(hits) and word in fold(hits[0].title) for hits in tops]
        assert in_title[0] == in_title[1], word
        checked += in_title[0]
    assert checked >= 3


def test_the_trigram_migration_fills_the_corpus_as_the_writer_did(
    both: tuple[Archive, Archive],
) -> None:
    """PostgreSQL's search migration 2 derives each article's trigrams from its stored
    document (lossy ones from their token text); the writer stores the bigrams of the
    trigrams of the text (`search.postgres.grams`). On the corpus (lossy documents
    included) they agree, so an upgraded archive narrows fragments to the same
    candidates as a freshly imported one."""
    from newsarchive.search.schema import POSTGRES_TRIGRAMS

    def lexemes(grams: str) -> set[str]:
        return {g.strip("'") for g in grams.split()}

    _, pg = both
    conn = pg.session
    read = "SELECT article_id, grams::text FROM search_docs"
    written = {r[0]: lexemes(r[1]) for r in conn.execute(read).fetchall() if r[1] is not None}
    assert len(written) == conn.scalar("SELECT count(*) FROM search_docs")
    conn.begin(exclusive=False)
    try:
        conn.execute("ALTER TABLE search_docs DROP COLUMN grams")
        conn.execute("DELETE FROM search_meta WHERE key = 'trigrams'")
        conn.execute(POSTGRES_TRIGRAMS)
        migrated = {r[0]: lexemes(r[1]) for r in conn.execute(read).fetchall()}
        assert {
            article: {g[:2] for g in trigrams} | {g[1:] for g in trigrams}
            for article, trigrams in migrated.items()
        } == written
    finally:
        conn.rollback()
