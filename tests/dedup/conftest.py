"""Real articles (tests/data/dedup/articles.json: eight jekyll-mirror posts, Jul-Aug
2020), a helper to ingest them under chosen URLs and texts, and archives on both
backends that run the dedup hook alone (what these tests check is its work)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from newsarchive.archive import Archive, IngestResult
from newsarchive.components import open_archive
from newsarchive.dedup import DedupHook
from newsarchive.model import Capture, Draft

DATA = Path(__file__).resolve().parent.parent / "data" / "dedup" / "articles.json"


@pytest.fixture(scope="session")
def articles() -> list[dict[str, Any]]:
    return list(json.loads(DATA.read_text("utf-8")))


@pytest.fixture
def archive(db_address: str) -> Iterator[Archive]:
    a = open_archive(db_address, hooks=[DedupHook()])
    try:
        yield a
    finally:
        a.close()


NewAddress = Callable[[str], str]


@pytest.fixture
def new_address(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> NewAddress:
    """Addresses of more fresh archives on the test's backend, for tests that compare
    archives: `new_address(name)` is a file in tmp_path or a new migrated database."""

    def make(name: str) -> str:
        if backend == "sqlite":
            return str(tmp_path / f"{name}.db")
        cluster = request.getfixturevalue("pg_cluster")
        url = str(cluster.new_database(cluster.template))
        request.addfinalizer(lambda: cluster.drop_database(url))
        return url

    return make


def by_title(articles: list[dict[str, Any]], words: str) -> dict[str, Any]:
    return next(a for a in articles if words in a["title"])


Ingest = Callable[..., IngestResult]


@pytest.fixture
def ingest(archive: Archive) -> Ingest:
    def _ingest(
        article: dict[str, Any],
        *,
        url: str | None = None,
        title: str | None = None,
        text: str | None = None,
        published: str | None = None,
        outlet: str | None = None,
    ) -> IngestResult:
        body = article["text"] if text is None else text
        draft = Draft(
            title=article["title"] if title is None else title,
            text=body,
            html=f"<p>{body}</p>",
            url=url or article["url"],
            outlet=outlet or article["outlet"],
            published=datetime.fromisoformat(published or article["published"]),
        )
        raw = json.dumps([draft.url, draft.title, body], ensure_ascii=False).encode()
        return archive.ingest(draft, Capture(raw=raw, format="jekyll", location=draft.url or ""))

    return _ingest
