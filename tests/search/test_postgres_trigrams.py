"""PostgreSQL's ``grams`` column (`search.schema`, PostgreSQL migration 2): the writer
stores the bigrams of an article's CJK trigrams, the migration filled an existing
archive's trigrams from its documents (the trigrams the writer's bigrams come from),
both kinds of document narrow fragments alike, and a document whose grams are unknown
is always a candidate."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsarchive.archive import Archive
from newsarchive.components import open_archive
from newsarchive.model import Capture, Draft
from newsarchive.search import postgres as pg
from newsarchive.search import search
from newsarchive.search.query import parse_query
from newsarchive.search.schema import POSTGRES_TRIGRAMS
from tests.conftest import BACKENDS
from tests.search.test_search import ingest_samples

pytestmark = pytest.mark.skipif("postgres" not in BACKENDS, reason="PostgreSQL's migration")


def _ingest(archive: Archive, title: str, text: str, url: str) -> int:
    draft = Draft(title=title, text=text, html="", url=url)
    return archive.ingest(
        draft, Capture(raw=text.encode(), format="jekyll", location=url)
    ).article_id


@pytest.fixture
def archive(pg_url: str) -> Iterator[Archive]:
    with open_archive(pg_url) as archive:
        ingest_samples(archive)
        # Past the tsvector's limits: the migration reads its token text ("lossy").
        _ingest(archive, "每日广播稿", "今天天气很好。" * 3000 + "李文亮医生。", "https://f.org/a")
        # Latin, digits and CJK interleaved, title and body: only CJK makes trigrams.
        _ingest(archive, "AI芯片2025年", "美国 Huawei 禁令，3.5%的芯片。", "https://f.org/b")
        _ingest(archive, "Brief", "一二", "https://f.org/c")  # fewer than three CJK characters
        yield archive


def _grams(archive: Archive) -> dict[int, str | None]:
    rows = archive.session.execute("SELECT article_id, grams::text FROM search_docs").fetchall()
    return {r[0]: r[1] for r in rows}


def _remigrate(archive: Archive) -> None:
    """The archive as it was before migration 2, migrated again."""
    conn = archive.session
    conn.execute("ALTER TABLE search_docs DROP COLUMN grams")
    conn.execute("DELETE FROM search_meta WHERE key = 'trigrams'")
    conn.execute(POSTGRES_TRIGRAMS)


NEEDLES = ['"文亮医"', '"亮医生"', '"片禁令"', '"体产业投资涌"', '"天天气很好"', '"今天 芯片"']


def _lexemes(grams: str | None) -> set[str]:
    return {g.strip("'") for g in (grams or "").split()}


def _candidates(archive: Archive) -> list[set[int] | None]:
    return [pg.fragment_candidates(archive.session, parse_query(q)) for q in NEEDLES]


def test_the_writer_stores_bigrams_of_the_trigrams_the_migration_fills(
    archive: Archive,
) -> None:
    written = _grams(archive)
    assert archive.session.scalar("SELECT count(*) FROM search_docs WHERE lossy") == 1
    assert all(g is not None for g in written.values())
    assert sum(1 for g in written.values() if g == "") == 1  # Brief 一二
    assert all(len(g) == 2 for text in written.values() for g in _lexemes(text))
    narrowed = _candidates(archive)
    _remigrate(archive)
    migrated = _grams(archive)
    assert all(len(g) == 3 for text in migrated.values() for g in _lexemes(text))
    for article, trigrams in migrated.items():
        found = _lexemes(trigrams)
        assert _lexemes(written[article]) == {g[:2] for g in found} | {g[1:] for g in found}
    assert pg.trigrams_complete(archive.session)
    # Trigram documents (migrated, not reindexed) narrow as the bigram ones did.
    assert _candidates(archive) == narrowed
    assert {h.title for h in search(archive, '"文亮医"').hits} == {"每日广播稿"}


def test_bigram_and_trigram_documents_are_narrowed_together(archive: Archive) -> None:
    """An upgraded archive holds the migration's trigrams until it is reindexed, and
    bigrams for what it stores since: a fragment finds its articles among both."""
    _remigrate(archive)  # every document holds trigrams now
    broadcast = int(archive.session.scalar("SELECT id FROM articles WHERE url LIKE '%f.org/a'"))
    newer = _ingest(archive, "悼念", "人们悼念李文亮医生。", "https://f.org/e")  # bigrams
    assert len(next(iter(_lexemes(_grams(archive)[newer])))) == 2
    found = pg.fragment_candidates(archive.session, parse_query('"文亮医"'))
    assert found == {broadcast, newer}
    assert {h.title for h in search(archive, '"文亮医"').hits} == {"每日广播稿", "悼念"}


def test_a_token_kept_as_a_digest_leaves_its_trigrams_unknown(archive: Archive) -> None:
    # (A run of CJK characters that long is never one token in practice: jieba cuts it.)
    article = _ingest(archive, "长", "x" * 2100, "https://f.org/d")
    conn = archive.session
    conn.execute(
        "UPDATE search_docs SET doc = CAST(? AS tsvector) WHERE article_id = ?",
        [pg.lexeme("李" * 700) + ":1", article],
    )
    _remigrate(archive)
    assert _grams(archive)[article] is None
    # Unknown: a candidate of every fragment, so the text check decides.
    found = pg.fragment_candidates(conn, parse_query('"体产业投资涌"'))
    assert found == {article}


def test_a_needle_without_three_cjk_characters_is_not_narrowed(archive: Archive) -> None:
    conn = archive.session
    assert pg.fragment_candidates(conn, parse_query('"ei 禁"')) is None
    assert pg.fragment_candidates(conn, parse_query("美国")) is None  # no check needed
    assert pg.fragment_candidates(conn, parse_query('"芯片禁令"')) is not None


def test_an_archive_opened_read_only_before_the_migration_is_not_narrowed(
    archive: Archive, pg_url: str
) -> None:
    conn = archive.session
    conn.execute("ALTER TABLE search_docs DROP COLUMN grams")
    conn.execute("DELETE FROM search_meta WHERE key = 'trigrams'")
    with open_archive(pg_url, readonly=True) as old:
        assert pg.fragment_candidates(old.session, parse_query('"体产业投资涌"')) is None
        assert search(old, '"导体产业投资热钱涌"').total == 1


def test_an_import_leaves_the_index_analysed(pg_url: str, tmp_path: Path) -> None:
    """`Archive.settle` after an import merges the GIN indexes' pending entries and
    gives the planner statistics (search p99 93.5 -> ~20 ms right after a 10,000-file
    import), instead of waiting for autovacuum."""
    from newsarchive.ingest import import_paths

    (tmp_path / "a.md").write_text(
        "---\ntitle: 芯片出口管制\n---\n美国商务部宣布新的芯片出口管制措施。\n"
    )
    with open_archive(pg_url) as archive:
        import_paths(archive, [tmp_path], workers=1)
        analysed = archive.session.scalar(
            "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'search_docs'"
        )
    assert analysed
