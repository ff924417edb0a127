"""A timeline of many matches reads dates and outlets from the doc values (issue #19:
the chart of a common word joined each of its 22,000 matches to its version), and
counts exactly what the per-match join counts, on both backends, as the archive
changes under it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from newsarchive.archive import Archive
from newsarchive.model import Capture
from newsarchive.search import engine, timeline
from tests.search.test_search import (
    CNA_RETAIL,
    ETT_SMIC,
    VOA_CHIPS,
    _ingest,
    ingest_samples,
)

QUERIES = ["美国", "中芯国际 OR 华为", "疫情 OR 华为", "芯片 -华为", '"美国技术"']
SHAPES: list[dict[str, Any]] = [
    {"interval": "month"},
    {"interval": "week", "by_outlet": True},
    {"interval": "day", "by_outlet": True, "outlet": "中央社"},
    {"interval": "month", "since": datetime(2020, 12, 1, tzinfo=UTC)},
    {"interval": "day", "until": datetime(2020, 12, 19)},
    {"interval": "month", "outlet": "no such outlet"},
]


@pytest.fixture
def ids(archive: Archive) -> dict[str, int]:
    return ingest_samples(archive)


def both_ways(archive: Archive, query: str, **shape: Any) -> tuple[list[Any], list[Any]]:
    """(timeline joined per match, timeline from the doc values)."""
    saved = engine.DOC_VALUES_FROM
    try:
        engine.DOC_VALUES_FROM = 1 << 60
        joined = timeline(archive, query, **shape)
        engine.DOC_VALUES_FROM = 0
        return joined, timeline(archive, query, **shape)
    finally:
        engine.DOC_VALUES_FROM = saved


def test_doc_values_count_what_the_join_counts(archive: Archive, ids: dict[str, int]) -> None:
    for query in QUERIES:
        for shape in SHAPES:
            joined, valued = both_ways(archive, query, **shape)
            assert valued == joined, (query, shape)
    assert both_ways(archive, "美国", interval="month")[1]  # not trivially empty


def test_doc_values_follow_new_articles_versions_outlets_and_removals(
    archive: Archive, ids: dict[str, int]
) -> None:
    both_ways(archive, "美国", interval="month")  # the values are read and kept now
    # A new article, a new version of an old one (another date), an outlet given by a
    # later capture of an article that had none, and a removal.
    _ingest(archive, dataclasses.replace(VOA_CHIPS, url="https://x.test/new", published=datetime(2022, 3, 1, tzinfo=UTC)))  # fmt: skip
    moved = dataclasses.replace(ETT_SMIC, text=ETT_SMIC.text + "美国。", published=datetime(2023, 5, 2, tzinfo=UTC))  # fmt: skip
    archive.ingest(moved, Capture(raw=b"v2", format="jekyll", location="v2.md"))
    nameless = dataclasses.replace(CNA_RETAIL, url="https://x.test/anon", outlet=None, text="美国零售")  # fmt: skip
    anon = _ingest(archive, nameless)
    for shape in SHAPES:
        joined, valued = both_ways(archive, "美国", **shape)
        assert valued == joined, shape
    named = dataclasses.replace(nameless, outlet="路透")
    archive.ingest(named, Capture(raw=b"again", format="jekyll", location="again.md"))
    archive.remove_article(ids["huawei"])
    for shape in [*SHAPES, {"interval": "month", "by_outlet": True, "outlet": "路透"}]:
        joined, valued = both_ways(archive, "美国", **shape)
        assert valued == joined, shape
    assert any(b.outlet == "路透" for b in timeline(archive, "美国", by_outlet=True)), anon


def test_a_common_word_is_not_joined_per_match(
    archive: Archive, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past DOC_VALUES_FROM matches no statement joins the matches to their versions."""
    if archive.dialect != "sqlite":
        pytest.skip("statement tracing is SQLite's")
    from newsarchive.archive.sqlite import driver

    monkeypatch.setattr(engine, "DOC_VALUES_FROM", 2)
    timeline(archive, "美国")  # reads the doc values once
    seen: list[str] = []
    driver(archive.session).set_trace_callback(seen.append)
    try:
        assert sum(b.count for b in timeline(archive, "美国", interval="month")) == 3
    finally:
        driver(archive.session).set_trace_callback(None)
    assert seen and not [s for s in seen if "search_fts" in s and "versions" in s], seen
