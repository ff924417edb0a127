"""The archive model: articles, versions, captures, idempotence, refusal of foreign files."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from newsarchive.archive import Archive, ArchiveError, IngestOutcome
from newsarchive.components import open_archive
from newsarchive.model import Capture, Draft, Image, Timestamp
from tests.pgcluster import Cluster


def draft(text: str = "正文第一段。", url: str | None = "https://www.rfa.org/a/1.html") -> Draft:
    when = datetime(2022, 2, 3, 9, 0, tzinfo=UTC)
    return Draft(
        title="北大报告承认美中科技脱钩",
        text=text,
        html=f"<p>{text}</p>",
        url=url,
        outlet="自由亚洲电台",
        published=when,
        tags=["芯片"],
        images=[Image("https://example.org/a.jpg", "说明")],
        timestamps={"published": Timestamp(when, "jekyll:front-matter.date")},
    )


def cap(raw: bytes, location: str, fmt: str = "jekyll") -> Capture:
    return Capture(raw=raw, format=fmt, location=location)


def test_same_article_two_mirrors_is_one_article_two_captures(archive: Archive) -> None:
    r1 = archive.ingest(draft(), cap(b"jekyll bytes", "waimei/_posts/a.md"))
    r2 = archive.ingest(draft(), cap(b"feedx bytes", "feedx/articles/a.md", "feedx"))
    assert r1.outcome is IngestOutcome.NEW_ARTICLE
    assert r2.outcome is IngestOutcome.NEW_CAPTURE
    assert r1.article_id == r2.article_id and r1.version_id == r2.version_id
    assert archive.counts() == {"articles": 1, "versions": 1, "captures": 2, "errors": 0}


def test_changed_body_is_a_new_version_and_same_bytes_add_nothing(archive: Archive) -> None:
    archive.ingest(draft(), cap(b"v1", "a.md"))
    r = archive.ingest(draft("改过的正文。"), cap(b"v2", "a.md"))
    assert r.outcome is IngestOutcome.NEW_VERSION
    again = archive.ingest(draft("改过的正文。"), cap(b"v2", "a.md"))
    assert again.outcome is IngestOutcome.UNCHANGED
    rec = archive.article(r.article_id)
    assert rec is not None and rec.text == "改过的正文。" and rec.version_count == 2
    assert archive.counts()["captures"] == 2


def test_whitespace_only_change_is_not_a_version(archive: Archive) -> None:
    archive.ingest(draft("一 二"), cap(b"x", "a.md"))
    r = archive.ingest(draft("一  二\n"), cap(b"y", "b.md"))
    assert r.outcome is IngestOutcome.NEW_CAPTURE


def test_article_without_url_is_identified_by_content(archive: Archive) -> None:
    r = archive.ingest(draft(url=None), cap(b"x", "a.md"))
    rec = archive.article(r.article_id)
    assert rec is not None and rec.url.startswith("urn:sha256:")


def test_raw_bytes_round_trip_compressed(archive: Archive) -> None:
    raw = ("正文" * 5000).encode()
    r = archive.ingest(draft(), cap(raw, "a.md"))
    sha = archive.captures(r.article_id)[0]["raw_sha256"]
    assert archive.raw(sha) == raw
    size = archive.session.execute("SELECT length(data) FROM blobs").fetchone()[0]
    assert size < len(raw) / 10


def test_fields_round_trip(archive: Archive) -> None:
    r = archive.ingest(draft(), cap(b"x", "a.md"))
    rec = archive.find("https://rfa.org/a/1.html?utm_source=x")
    assert rec is not None and rec.id == r.article_id
    assert rec.published == datetime(2022, 2, 3, 9, 0, tzinfo=UTC)
    assert rec.images[0].caption == "说明"
    assert rec.timestamps["published"]["source"] == "jekyll:front-matter.date"


def test_naive_published_is_refused() -> None:
    with pytest.raises(ValueError):
        Draft(title="t", text="x", html="x", published=datetime(2022, 1, 1))


# SQLite only: a file that is not ours (PostgreSQL's equivalent, a database of another
# program, is refused in test_foreign_postgres_database_is_refused_and_untouched).
def test_foreign_sqlite_file_is_refused_and_untouched(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as c:
        c.execute("CREATE TABLE x(y)")
    before = other.read_bytes()
    with pytest.raises(ArchiveError, match="not a newsarchive database"):
        open_archive(other)
    assert other.read_bytes() == before


# SQLite only: a file that is no database at all.
def test_non_sqlite_file_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    with pytest.raises(ArchiveError, match="not a newsarchive database"):
        open_archive(junk)
    assert junk.read_text() == "hello"


def test_foreign_postgres_database_is_refused_and_untouched(pg_cluster: Cluster) -> None:
    url = pg_cluster.new_database()
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE x(y integer)")
        with pytest.raises(ArchiveError, match="not a newsarchive database"):
            open_archive(url)
        with psycopg.connect(url, autocommit=True) as conn:
            tables = conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        assert tables == [("x",)]
    finally:
        pg_cluster.drop_database(url)


def test_reopen_read_only(db_address: str) -> None:
    with open_archive(db_address) as a:
        a.ingest(draft(), cap(b"x", "a.md"))
        if a.dialect == "sqlite":  # readers never wait for the writer
            assert a.session.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with open_archive(db_address, readonly=True) as a:
        assert a.counts()["articles"] == 1
        with pytest.raises(ArchiveError):
            a.record_error("x.md", "cannot write")
        assert a.counts()["errors"] == 0


def test_errors_are_recorded_once(archive: Archive) -> None:
    assert archive.record_error("bad.md", "empty file", b"")
    assert not archive.record_error("bad.md", "empty file", b"")
    assert archive.errors()[0]["reason"] == "empty file"


def test_mark_gone_keeps_article(archive: Archive) -> None:
    r = archive.ingest(draft(), cap(b"x", "a.md"))
    archive.mark_gone(r.article_id, 410)
    rec = archive.article(r.article_id)
    assert rec is not None and rec.gone_status == 410 and rec.gone_at is not None


# SQLite only: POSIX locks on a file.
def test_opening_never_touches_the_file_outside_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closing any descriptor of the database drops this process's POSIX locks on it,
    SQLite's too: a reader opened beside a writer must not read the header itself."""
    import builtins
    import io

    p = tmp_path / "a.db"
    with open_archive(p) as a:
        a.ingest(draft(), cap(b"x", "a.md"))
    real_open = builtins.open

    def guarded(file: object, *args: object, **kw: object) -> object:
        assert str(file) != str(p), "the archive file was opened outside SQLite"
        return real_open(file, *args, **kw)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", guarded)
    monkeypatch.setattr(io, "open", guarded)
    with open_archive(p) as writer, open_archive(p, readonly=True) as reader:
        assert reader.counts() == writer.counts()


def test_pipelined_batch_reads_answers_and_counts_as_usual(archive: Archive) -> None:
    # An import batch runs pipelined (PostgreSQL's pipeline mode): statements whose
    # answers are not read go out without waiting. What is read must still be right:
    # an ingest's ids, a row count (psycopg's cursor would say -1 before the answer).
    with archive.transaction() as tx, tx.pipelined():
        first = archive.ingest(draft(), cap(b"v1", "a.md"))
        assert archive.record_error("bad.md", "unreadable", b"?") is True
        assert archive.record_error("bad.md", "unreadable", b"?") is False
        again = archive.ingest(draft("改过的正文。"), cap(b"v2", "a.md"))
        gone = tx.execute("DELETE FROM import_errors WHERE location = ?", ("bad.md",))
        assert gone.rowcount == 1
        assert tx.scalar("SELECT count(*) FROM versions") == 2
    assert again.outcome is IngestOutcome.NEW_VERSION
    assert again.article_id == first.article_id and again.version_id != first.version_id
    assert archive.counts() == {"articles": 1, "versions": 2, "captures": 2, "errors": 0}


def test_a_failed_statement_in_a_pipelined_batch_rolls_the_batch_back(archive: Archive) -> None:
    # (The driver's own error: sqlite3's or psycopg's.)
    with (
        pytest.raises(Exception, match="no_such_table"),
        archive.transaction() as tx,
        tx.pipelined(),
    ):
        archive.ingest(draft(), cap(b"v1", "a.md"))
        tx.execute("DELETE FROM no_such_table")
        archive.ingest(draft("其他正文。", "https://www.rfa.org/a/2.html"), cap(b"2", "b.md"))
    assert archive.counts() == {"articles": 0, "versions": 0, "captures": 0, "errors": 0}
    archive.ingest(draft(), cap(b"v1", "a.md"))  # the connection is usable again
    assert archive.counts()["articles"] == 1


def test_text_with_nul_is_stored_with_every_hook(archive: Archive) -> None:
    # PostgreSQL text cannot hold NUL (SQLite's can): it is stored as U+FFFD, in the
    # archive's columns and in the hooks' rows alike (entity figures' sentences, sent
    # as arrays; the search index, written in one executemany).
    text = "华为的营收\x00下滑了30%。"
    r = archive.ingest(draft(text), cap(b"nul", "a.md"))
    sentence = archive.session.scalar("SELECT sentence FROM entity_figures")
    expected = "\ufffd" if archive.dialect == "postgres" else "\x00"
    assert sentence is not None and expected in sentence
    assert (
        archive.session.scalar("SELECT count(*) FROM entity_mentions WHERE entity_id = 'huawei'")
        == 1
    )
    assert archive.session.scalar("SELECT count(*) FROM search_docs") == 1
    rec = archive.article(r.article_id)
    assert rec is not None and expected in rec.text
