"""PostgreSQL's trigram column (`search.schema`, PostgreSQL migration 2): the migration
fills an existing archive's trigrams from its documents exactly as the writer does
from the text, and a document whose trigrams are unknown is always a candidate."""

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


def test_the_migration_fills_the_trigrams_the_writer_writes(archive: Archive) -> None:
    written = _grams(archive)
    assert archive.session.scalar("SELECT count(*) FROM search_docs WHERE lossy") == 1
    assert all(g is not None for g in written.values())
    assert sum(1 for g in written.values() if g == "") == 1  # Brief 一二
    _remigrate(archive)
    assert _grams(archive) == written
    assert pg.trigrams_complete(archive.session)
    assert {h.title for h in search(archive, '"文亮医"').hits} == {"每日广播稿"}


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
