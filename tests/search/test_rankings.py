"""Rankings of costly queries are remembered by their compiled query and brought up to
date (issue #19 F1: a word typed N times, for every N, was ranked afresh each time,
dodging the web app's cache of pages keyed by the query as typed)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from newsarchive.archive import Archive
from newsarchive.search import engine, ranked, rankings, search
from tests.search.test_search import (
    ETT_SMIC,
    _ingest,
    ingest_samples,
)


@pytest.fixture
def ids(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    # Every ranking counts as costly on this small archive.
    monkeypatch.setattr(ranked, "UPDATE_FROM", 1)
    monkeypatch.setattr(rankings, "KEEP_FROM", 1)
    rankings.clear()
    return ingest_samples(archive)


def count_full_rankings(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """From now on, the full rankings the engine runs (each scores every match)."""
    calls: list[Any] = []
    real = engine._rank

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "_rank", counted)
    return calls


@pytest.fixture
def full_rankings(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The full rankings the engine runs (each costs BM25 over every match)."""
    return count_full_rankings(monkeypatch)


def shown(page: engine.SearchPage) -> list[tuple[int, float]]:
    return [(h.id, round(h.score, 6)) for h in page.hits]


def fresh(archive: Archive, query: str, **kwargs: Any) -> engine.SearchPage:
    rankings.clear()
    return search(archive, query, **kwargs)


def test_a_word_repeated_any_number_of_times_is_ranked_once(
    archive: Archive, ids: dict[str, int], full_rankings: list[Any]
) -> None:
    first = search(archive, "美国")
    for n in (2, 10, 37, 300):
        page = search(archive, " ".join(["美国"] * n))
        assert shown(page) == shown(first) and page.total == first.total == 3
    assert len(full_rankings) == 1


def test_a_remembered_ranking_follows_commits_exactly(
    archive: Archive, ids: dict[str, int], full_rankings: list[Any]
) -> None:
    search(archive, "美国", limit=2)
    newer = _ingest(
        archive, dataclasses.replace(ETT_SMIC, url="https://x.test/n", title="美国美国")
    )
    page = search(archive, "美国", limit=2)
    assert len(full_rankings) == 1  # brought up to date, not ranked again
    assert newer in {h.id for h in page.hits} and page.total == 4
    assert shown(page) == shown(fresh(archive, "美国", limit=2))
    archive.remove_article(newer)  # a removal: ranked afresh, and right
    page = search(archive, "美国", limit=2)
    assert page.total == 3 and shown(page) == shown(fresh(archive, "美国", limit=2))


def test_a_deeper_page_than_the_remembered_one_is_ranked_afresh(
    archive: Archive, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ranked, "SPARE_ROWS", 0)  # a ranking keeps its page's rows only
    assert len(search(archive, "美国 OR 芯片", limit=1).hits) == 1
    deep = search(archive, "美国 OR 芯片", limit=30)
    assert len(deep.hits) == deep.total == 3
    assert shown(deep) == shown(fresh(archive, "美国 OR 芯片", limit=30))
    assert len(search(archive, "美国 OR 芯片", limit=2, offset=1).hits) == 2


def test_filters_and_archives_are_kept_apart(archive: Archive, ids: dict[str, int]) -> None:
    everywhere = search(archive, "美国")
    one_outlet = search(archive, "美国", outlet="大纪元")
    assert {h.id for h in one_outlet.hits} == {ids["smic"]} and everywhere.total == 3
    assert search(archive, "美国").total == 3
