"""Search results are cached; new articles appear within the refresh interval, and a
cached hit never shows text that is no longer the article's current version."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from newsarchive.archive import Archive
from newsarchive.components import open_archive
from newsarchive.model import Capture, Draft
from newsarchive.search import search
from newsarchive.web import create_app
from newsarchive.web.cache import ResultCache, shown_of
from tests.web.conftest import ENGLISH, TestClient, build_sample
from tests.web.fakes import Calls


def test_repeated_search_is_served_from_cache_until_a_commit(db_address: str, fakes: Calls) -> None:
    db = build_sample(db_address)
    with TestClient(create_app(db), headers=ENGLISH) as client:
        # The startup story refresh commits; a commit between the two requests below
        # would rightly make the second one a miss.
        client.app.state.writer.drain(timeout=60)  # type: ignore[attr-defined]
        first = client.get("/api/search", params={"q": "芯片"}).json()
        again = client.get("/api/search", params={"q": "芯片"}).json()
        assert first == again and len(fakes.search) == 1
        client.get("/api/search", params={"q": "芯片", "offset": 1})  # another key
        assert len(fakes.search) == 2

        # Another process/connection commits: the next request sees the new article.
        with open_archive(db) as writer:
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
    db_address: str, fakes: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSARCHIVE_WEB_CACHE", "0")
    with TestClient(create_app(build_sample(db_address)), headers=ENGLISH) as client:
        for _ in range(2):
            client.get("/api/search", params={"q": "芯片"})
    assert len(fakes.search) == 2


# -- near-real-time refresh with the real search engine ---------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _add(writer: Archive, n: int, text: str = "芯片") -> int:
    result = writer.ingest(
        Draft(
            title=f"芯片报道{n}",
            text=text,
            html=f"<p>{text}</p>",
            url=f"https://www.dw.com/zh/chips-{n}",
            outlet="德国之声",
            published=datetime(2023, 1, n, tzinfo=UTC),
        ),
        Capture(f"new {n} {text}".encode(), "feedx", f"articles/dw/{n}.md"),
    )
    return result.article_id


def _cached_search(cache: ResultCache, reader: Archive) -> tuple[Any, bool]:
    """(page, whether it came from the cache) for the query 芯片."""
    found = cache.lookup(reader, "k")
    if found is not None and not found.refresh:
        return found.value, True
    generation = cache.generation(reader)
    page = search(reader, "芯片")
    cache.store("k", page, shown_of(page.hits), generation)
    return page, False


@pytest.fixture
def two_connections(db_address: str) -> Iterator[tuple[Archive, Archive]]:
    db = build_sample(db_address)
    with open_archive(db) as writer, open_archive(db, readonly=True, hooks=[]) as reader:
        yield writer, reader


def test_new_articles_appear_after_the_refresh_interval(
    two_connections: tuple[Archive, Archive],
) -> None:
    writer, reader = two_connections
    clock = Clock()
    cache = ResultCache(16, refresh=1.0, max_stale=10.0, clock=clock)
    first, cached = _cached_search(cache, reader)
    assert not cached
    new_id = _add(writer, 1)
    assert cache.lookup(reader, "k").lag == 0.0  # type: ignore[union-attr]  # seen now
    clock.now += 0.5  # within the refresh interval: the checked old result is served
    page, cached = _cached_search(cache, reader)
    assert cached and page.total == first.total and new_id not in [h.id for h in page.hits]
    # ... and says how long ago the commit it misses was first seen
    assert cache.lookup(reader, "k").lag == pytest.approx(0.5)  # type: ignore[union-attr]
    clock.now += 0.6  # past it: due for refresh, and the new article is found
    found = cache.lookup(reader, "k")
    assert found is not None and found.refresh
    page, cached = _cached_search(cache, reader)
    assert not cached and new_id in [h.id for h in page.hits]
    page, cached = _cached_search(cache, reader)  # current again: served as it is
    assert cached and new_id in [h.id for h in page.hits]


def test_a_cached_hit_that_changed_or_went_is_never_served(
    two_connections: tuple[Archive, Archive],
) -> None:
    writer, reader = two_connections
    clock = Clock()
    cache = ResultCache(16, refresh=1.0, max_stale=10.0, clock=clock)
    target = _add(writer, 2, "芯片旧文")
    page, _ = _cached_search(cache, reader)
    assert target in [h.id for h in page.hits]

    _add(writer, 2, "芯片新文")  # same URL: a new version of the same article
    assert cache.lookup(reader, "k") is None  # at once, not after the refresh interval
    page, cached = _cached_search(cache, reader)
    hit = next(h for h in page.hits if h.id == target)
    assert not cached and "新文" in hit.snippet

    writer.remove_article(target)
    assert cache.lookup(reader, "k") is None
    page, _ = _cached_search(cache, reader)
    assert target not in [h.id for h in page.hits]


def test_unverifiable_values_go_at_the_first_commit_and_old_ones_expire(
    two_connections: tuple[Archive, Archive],
) -> None:
    writer, reader = two_connections
    clock = Clock()
    cache = ResultCache(16, refresh=1.0, max_stale=5.0, clock=clock)
    cache.store("opaque", "value", None, cache.generation(reader))
    _cached_search(cache, reader)
    assert cache.lookup(reader, "opaque") is not None
    _add(writer, 3)
    assert cache.lookup(reader, "opaque") is None
    clock.now += 5.5  # past max_stale: the request must wait for a fresh result
    assert cache.lookup(reader, "k") is None


def test_the_api_serves_a_due_result_and_refreshes_it_in_the_background(
    db_address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = build_sample(db_address)
    with TestClient(create_app(db), headers=ENGLISH) as client:
        client.app.state.writer.drain(timeout=60)  # type: ignore[attr-defined]
        cache: ResultCache = client.app.state.cache  # type: ignore[attr-defined]
        cache.refresh = 0.0  # every result from an older generation is due at once
        first = client.get("/api/search", params={"q": "芯片"}).json()
        with open_archive(db) as writer:
            new_id = _add(writer, 4)
        # The previous (checked) result answers; a background refresh picks up the new one.
        response = client.get("/api/search", params={"q": "芯片"})
        again = response.json()
        assert again["total"] == first["total"]
        assert float(response.headers["X-Result-Lag"]) >= 0.0
        for _ in range(100):
            latest = client.get("/api/search", params={"q": "芯片"}).json()
            if latest["total"] == first["total"] + 1:
                break
            time.sleep(0.02)
        assert new_id in [h["id"] for h in latest["hits"]]


def test_a_due_search_is_updated_from_its_previous_ranking(
    db_address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsarchive.search.ranked as ranked

    updated: list[bool] = []
    real = ranked.update

    def spy(*args: Any, **kw: Any) -> Any:
        result = real(*args, **kw)
        updated.append(result is not None)
        return result

    monkeypatch.setattr(ranked, "update", spy)
    monkeypatch.setattr(ranked, "UPDATE_FROM", 0)  # the sample is small
    db = build_sample(db_address)
    with TestClient(create_app(db), headers=ENGLISH) as client:
        client.app.state.writer.drain(timeout=60)  # type: ignore[attr-defined]
        cache: ResultCache = client.app.state.cache  # type: ignore[attr-defined]
        cache.refresh = cache.max_stale = 0.0  # every older result is recomputed at once
        first = client.get("/api/search", params={"q": "芯片"}).json()
        with open_archive(db) as writer:
            new_id = _add(writer, 4)
        fresh = client.get("/api/search", params={"q": "芯片"}).json()
    assert fresh["total"] == first["total"] + 1 and new_id in [h["id"] for h in fresh["hits"]]
    assert updated == [True]  # the new article was scored alone, not the whole archive
