"""Search results are cached until the archive changes, never longer."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsarchive.archive import Archive
from newsarchive.model import Capture, Draft
from newsarchive.web import create_app
from tests.web.conftest import TestClient, build_sample
from tests.web.fakes import Calls


def test_repeated_search_is_served_from_cache_until_a_commit(tmp_path: Path, fakes: Calls) -> None:
    db = build_sample(tmp_path / "cache.db")
    with TestClient(create_app(db)) as client:
        first = client.get("/api/search", params={"q": "芯片"}).json()
        again = client.get("/api/search", params={"q": "芯片"}).json()
        assert first == again and len(fakes.search) == 1
        client.get("/api/search", params={"q": "芯片", "offset": 1})  # another key
        assert len(fakes.search) == 2

        # Another process/connection commits: the next request sees the new article.
        with Archive.open(db) as writer:
            writer.ingest(
                Draft(
                    title="新的芯片报道",
                    text="芯片",
                    html="<p>芯片</p>",
                    url="https://www.dw.com/zh/new",
                    outlet="德国之声",
                    published=datetime(2023, 1, 1, tzinfo=UTC),
                ),
                Capture(b"new", "feedx", "articles/dw/new.md"),
            )
        fresh = client.get("/api/search", params={"q": "芯片"}).json()
        assert fresh["total"] == first["total"] + 1 and len(fakes.search) == 3


def test_cache_can_be_turned_off(
    tmp_path: Path, fakes: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSARCHIVE_WEB_CACHE", "0")
    with TestClient(create_app(build_sample(tmp_path / "nocache.db"))) as client:
        for _ in range(2):
            client.get("/api/search", params={"q": "芯片"})
    assert len(fakes.search) == 2
