"""Archives on either backend for copy tests, filled with every kind of stored data."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from newsarchive.archive import Archive, Session
from newsarchive.collect.sources import (
    add_source,
    record_fetch_error,
    save_feed_response,
    save_url_state,
)
from newsarchive.components import SCHEMAS, open_archive
from newsarchive.dedup.story_pass import rebuild_stories
from newsarchive.ingest import import_paths
from newsarchive.model import Capture, Draft
from newsarchive.transfer import BACKEND_SPECIFIC
from newsarchive.transfer.tables import backend, component_tables
from tests.conftest import BACKENDS, DATA
from tests.pgcluster import Cluster

READERS = DATA / "readers"

Address = Callable[[str, str], str]


@pytest.fixture
def address(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Address]:
    """`address(backend, name)`: where a fresh archive on `backend` would live (a file
    path that does not exist yet, or the URL of an empty migrated database)."""
    made: list[tuple[Cluster, str]] = []

    def make(which: str, name: str) -> str:
        if which not in BACKENDS:
            pytest.skip(f"{which} not in NEWSARCHIVE_TEST_BACKENDS")
        if which == "sqlite":
            return str(tmp_path / f"{name}.db")
        cluster: Cluster = request.getfixturevalue("pg_cluster")
        url = cluster.new_database(cluster.template)
        made.append((cluster, url))
        return url

    yield make
    for cluster, url in made:
        cluster.drop_database(url)


def draft(n: int, text: str | None = None) -> Draft:
    body = text if text is not None else f"第{n}篇报道：美国扩大对华芯片出口管制。" * 20
    return Draft(
        title=f"芯片出口管制 {n}",
        text=body,
        html=f"<p>{body}</p>",
        url=f"https://www.voachinese.com/a/{n}.html",
        outlet="美国之音",
        published=datetime(2022, 10, 7, 14, tzinfo=UTC),
        tags=["芯片"],
    )


def fill(where: str) -> None:
    """Every table a user's archive has rows in: imported mirror files (with unreadable
    ones), a second version, a removed article (ids with a gap), stories, collection
    state and a feed body."""
    with open_archive(where) as a:
        import_paths(a, [READERS], workers=1)
        first = a.article(1)
        assert first is not None
        edited = draft(0, first.text + "\n编者按：本文已更新。")
        edited.url = first.url
        a.ingest(edited, Capture(b"edited", "jekyll", "_posts/edited.md"))
        a.remove_article(2)
        a.put_blob(b"\x00\x01 raw bytes of no article")
        rebuild_stories(a)
        add_source(a, "voa", "https://www.voachinese.com/api/feed")
        record_fetch_error(a, "voa", "https://www.voachinese.com/a/x.html", "HTTP 500")
        save_url_state(
            a,
            "https://www.voachinese.com/a/1.html",
            status=200,
            etag='"abc"',
            last_modified=None,
            fingerprint="f1",
        )
        save_feed_response(
            a,
            "voa",
            "https://www.voachinese.com/api/feed",
            datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
            200,
            {"content-type": "application/rss+xml"},
            b"<rss><channel/></rss>",
        )


def add_articles(where: str, numbers: range, *, hooks: bool = True) -> None:
    with open_archive(where, hooks=None if hooks else []) as a:
        for n in numbers:
            a.ingest(draft(n), Capture(f"raw {n}".encode(), "feedx", f"articles/voa/{n}.md"))


def _plain(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview) else value


def dump(where: str) -> dict[str, set[tuple[Any, ...]]]:
    """Every row of every table a copy keeps as it is (all but the backend-specific
    ones), as sets so that the backends' orders do not matter."""
    with open_archive(where, readonly=True) as a:
        return _dump(a.session)


def _dump(session: Session) -> dict[str, set[tuple[Any, ...]]]:
    out: dict[str, set[tuple[Any, ...]]] = {}
    for schema in SCHEMAS:
        if schema.component in BACKEND_SPECIFIC:
            continue
        for name in component_tables(session, schema):
            columns = backend(session).columns(session, name).all
            rows = session.all(f'SELECT {", ".join(columns)} FROM "{name}"')
            out[name] = {tuple(_plain(v) for v in r) for r in rows}
    return out


def counts(a: Archive) -> dict[str, int]:
    return a.counts()
