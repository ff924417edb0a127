"""The same real articles imported into an SQLite and a PostgreSQL archive give the same
signatures, buckets, links, groups and stories, under the same ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from newsarchive.archive import Archive, prepare_draft
from newsarchive.components import open_archive
from newsarchive.dedup import DedupHook, duplicate_groups, rebuild_stories, stories
from newsarchive.model import Capture, Draft
from newsarchive.readers import read_path
from tests.conftest import BACKENDS

FILES = 600  # the tarball's first files: 2014-2020 posts of many outlets

# Every dedup table, in an order that makes its rows comparable.
TABLES = {
    "dedup_signatures": "article_id",
    "dedup_bands": "key, article_id",
    "dedup_links": "a, b",
    "dedup_members": "article_id",
    "stories": "id",
    "story_articles": "article_id",
    "dedup_state": "key",
}


@pytest.fixture(scope="module")
def corpus_slice(shared: Path) -> list[tuple[Draft, Capture]]:
    """The first FILES articles of the Jekyll tarball, read and prepared (as the
    importer's workers prepare them) once for both archives."""
    items: list[tuple[Draft, Capture]] = []
    for item in read_path(shared / "corpus" / "mirrors" / "jekyll-waimei.tar.xz"):
        if isinstance(item, tuple):
            prepare_draft(item[0], [DedupHook()])
            items.append(item)
            if len(items) == FILES:
                break
    return items


def _state(archive: Archive) -> dict[str, Any]:
    conn = archive.session
    state: dict[str, Any] = {
        table: [tuple(r) for r in conn.all(f"SELECT * FROM {table} ORDER BY {order}")]
        for table, order in TABLES.items()
    }
    state["articles"] = [tuple(r) for r in conn.all("SELECT id, url FROM articles ORDER BY id")]
    state["groups"] = [g.to_json() for g in duplicate_groups(archive)]
    state["stories"] = [s.to_json() for s in stories(archive, refresh=False)]
    return state


@pytest.mark.skipif("postgres" not in BACKENDS, reason="PostgreSQL tests not asked for")
def test_sqlite_and_postgres_archives_of_one_import_agree(
    corpus_slice: list[tuple[Draft, Capture]], tmp_path: Path, pg_url: str
) -> None:
    states = []
    for address in (str(tmp_path / "a.db"), pg_url):
        archive = open_archive(address, hooks=[DedupHook()])
        try:
            with archive.transaction():
                for draft, capture in corpus_slice[: FILES // 2]:
                    archive.ingest(draft, capture)
            # a second transaction, and a removal, as later imports and an operator do
            with archive.transaction():
                for draft, capture in corpus_slice[FILES // 2 :]:
                    archive.ingest(draft, capture)
            # an operator removes the first group's earliest article: its group regroups
            archive.remove_article(
                archive.session.scalar("SELECT min(group_id) FROM dedup_members")
            )
            rebuild_stories(archive)
            states.append(_state(archive))
        finally:
            archive.close()
    sqlite_state, pg_state = states
    # a real test: the slice has reprints and cross-outlet stories
    # (99 stories since stories are cut into cores that hold together: 100+ before)
    assert len(sqlite_state["groups"]) >= 15 and len(sqlite_state["stories"]) >= 90
    for key in sqlite_state:
        assert pg_state[key] == sqlite_state[key], key
