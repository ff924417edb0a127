"""How PostgreSQL stores what the importer writes (archive/schema.py, PostgreSQL
migrations; search/postgres.py `settle`): choices that cost less server CPU per
article without changing a stored value."""

from __future__ import annotations

import pytest

from newsarchive.components import open_archive
from newsarchive.model import Capture, Draft
from tests.conftest import BACKENDS

pytestmark = pytest.mark.skipif("postgres" not in BACKENDS, reason="PostgreSQL's storage")


def test_versions_text_is_compressed_with_lz4_and_reads_back_the_same(pg_url: str) -> None:
    text = "美国商务部宣布新的芯片出口管制措施。" * 400  # well past TOAST's 2 KB threshold
    html = f"<article><p>{text}</p></article>"
    with open_archive(pg_url) as archive:
        methods = dict(
            archive.session.all(
                "SELECT attname, attcompression FROM pg_attribute"
                " WHERE attrelid = 'versions'::regclass AND attname IN ('html', 'text')"
            )
        )
        assert methods == {"html": "l", "text": "l"}
        stored = archive.ingest(
            Draft(title="管制", text=text, html=html, url="https://f.org/lz4"),
            Capture(raw=text.encode(), format="jekyll", location="https://f.org/lz4"),
        )
        row = archive.session.one(
            "SELECT html, text, pg_column_compression(text) FROM versions WHERE id = ?",
            (stored.version_id,),
        )
    assert (row[0], row[1], row[2]) == (html, text, "lz4")


def test_settle_gathers_no_statistics_on_the_grams_column(pg_url: str) -> None:
    """`grams` is only ever searched through its GIN index; its statistics were most
    of ANALYZE's cost after each import (search schema, PostgreSQL migration 3)."""
    with open_archive(pg_url) as archive:
        for i in range(3):
            text = f"美国商务部宣布新的芯片出口管制措施{i}。"
            archive.ingest(
                Draft(title=f"管制{i}", text=text, html="", url=f"https://f.org/s{i}"),
                Capture(raw=text.encode(), format="jekyll", location=f"https://f.org/s{i}"),
            )
        archive.settle()
        analysed = dict(
            archive.session.all(
                "SELECT attname, count(*) FROM pg_stats WHERE tablename = 'search_docs'"
                " GROUP BY attname"
            )
        )
    assert "doc" in analysed
    assert "grams" not in analysed


def _analysed(archive: object) -> dict[str, int]:
    """Each archive table's count of explicit ANALYZEs (autovacuum's are counted apart)."""
    from newsarchive.archive import Archive

    assert isinstance(archive, Archive)
    return dict(
        archive.session.all(
            "SELECT relname, analyze_count FROM pg_stat_user_tables"
            " WHERE relname IN ('articles', 'versions', 'captures', 'import_errors')"
        )
    )


def test_settle_analyses_the_tables_a_run_of_writes_filled(pg_url: str) -> None:
    """A bulk import into a new archive left its tables without planner statistics
    until autovacuum came round: filtered searches were planned on guesses
    (`PostgresSession.refresh_statistics`). Settling analyses the tables that changed
    past autovacuum's threshold (50 rows + 10%), and only those."""

    def ingest(archive: object, n: int, start: int) -> None:
        from newsarchive.archive import Archive

        assert isinstance(archive, Archive)
        for i in range(start, start + n):
            text = f"美国商务部宣布新的芯片出口管制措施{i}。"
            archive.ingest(
                Draft(title=f"管制{i}", text=text, html="", url=f"https://f.org/a{i}"),
                Capture(raw=text.encode(), format="jekyll", location=f"https://f.org/a{i}"),
            )

    with open_archive(pg_url, hooks=[]) as archive:
        ingest(archive, 60, 0)
        archive.settle()
        after_import = _analysed(archive)
        ingest(archive, 3, 60)  # a small fetch pass: far below the threshold
        archive.settle()
        after_small = _analysed(archive)
        estimated = archive.session.scalar(
            "SELECT reltuples FROM pg_class WHERE relname = 'articles'"
        )
    assert after_import == {"articles": 1, "versions": 1, "captures": 1, "import_errors": 0}
    assert after_small == after_import
    assert estimated == 60
