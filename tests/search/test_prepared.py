"""The index row's backend literals are made where a draft is prepared (the importer's
parse workers), for the dialect of the archive the hook was opened with, and store
exactly what the writer makes of an unprepared draft."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

from newsarchive.archive import prepare_draft
from newsarchive.components import open_archive
from newsarchive.model import Capture, Draft
from newsarchive.search import search
from newsarchive.search.index import SearchIndexHook

TEXT = "北京时间周二，美国国务院发言人表示，双方将在下月举行会谈。Reuters reported the talks."


def _draft(url: str) -> Draft:
    return Draft(
        title="美中官员下月会谈",
        text=TEXT,
        html=f"<p>{TEXT}</p>",
        url=url,
        outlet="自由亚洲电台",
        published=datetime(2022, 2, 3, 9, 0, tzinfo=UTC),
    )


def test_a_worker_prepares_the_literals_of_the_archive_it_was_opened_with(
    db_address: str,
) -> None:
    hook = SearchIndexHook()
    with open_archive(db_address, hooks=[hook]) as archive:
        worker_hook = pickle.loads(pickle.dumps(hook))  # as sent to a parse worker
        prepared = prepare_draft(_draft("https://www.rfa.org/a/1.html"), [worker_hook])
        dialect, literals = prepared.derived["search.prepared"]
        assert dialect == archive.dialect
        assert (literals is not None) == (archive.dialect == "postgres")

        plain = _draft("https://www.rfa.org/a/2.html")
        with archive.transaction():
            archive.ingest(prepared, Capture(raw=b"1", format="jekyll", location="a/1.md"))
            archive.ingest(plain, Capture(raw=b"2", format="jekyll", location="a/2.md"))
        assert len(search(archive, "会谈").hits) == 2
        if archive.dialect == "postgres":
            rows = archive.session.all(
                "SELECT doc::text, lossy, tokens, grams::text FROM search_docs ORDER BY article_id"
            )
            assert len(rows) == 2 and tuple(rows[0]) == tuple(rows[1])
            assert rows[0][3]  # the CJK bigrams are there


def test_literals_prepared_for_another_dialect_are_not_used(db_address: str) -> None:
    hook = SearchIndexHook()
    with open_archive(db_address, hooks=[hook]) as archive:
        other = "sqlite" if archive.dialect == "postgres" else "postgres"
        hook._dialect = other  # opened with an archive of the other dialect since
        prepared = prepare_draft(_draft("https://www.rfa.org/a/1.html"), [hook])
        assert prepared.derived["search.prepared"][0] == other
        with archive.transaction():
            archive.ingest(prepared, Capture(raw=b"1", format="jekyll", location="a/1.md"))
        assert len(search(archive, "会谈").hits) == 1
