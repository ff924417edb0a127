"""A phrase that cuts words in half (issue #15 item 6): its loose candidates are
narrowed by the trigram index (SQLite's search_tri, PostgreSQL's grams column) before
their text is read and checked, and the answers are the same as checking every
candidate."""

from __future__ import annotations

import dataclasses

import pytest

from newsarchive.archive import Archive
from newsarchive.model import Capture
from newsarchive.search import reindex, search, timeline, trigrams
from newsarchive.search.backends import backend
from newsarchive.search.query import parse_query
from tests.search.test_search import (
    VOA_CHIPS,
    _ingest,
    ingest_samples,
)

# Fragments that start or end inside a word (as typed and quoted, both scripts), some
# held by an article, some whose characters are all there but not in this order.
FRAGMENTS = [
    '"导体产业投资热钱涌"',
    "導體產業投資熱錢湧",
    '"货，带动台积电、联发"',
    '"体产业投资涌"',  # 体, 产业投资, 涌 all there; not contiguous
    "国政府发言人也",
    '"产业导体"',
    '"导体产业投资" OR "券发挥功"',
    '"导体产业投资" -"热钱涌"',
    '芯片 "导体产业投"',
]


@pytest.fixture
def ids(archive: Archive) -> dict[str, int]:
    return ingest_samples(archive)


def answers(archive: Archive) -> list[tuple[list[int], int, object]]:
    out: list[tuple[list[int], int, object]] = []
    for query in FRAGMENTS:
        page = search(archive, query)
        out.append(([h.id for h in page.hits], page.total, timeline(archive, query)))
    return out


def test_narrowed_fragments_answer_what_checking_every_candidate_does(
    archive: Archive, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    narrowed = answers(archive)
    assert narrowed[0][1] == 1 and narrowed[3][1] == 0  # not trivially empty
    index = backend(archive.session)
    assert index.fragment_candidates(archive.session, parse_query(FRAGMENTS[0])) == {ids["chips"]}
    monkeypatch.setattr(index, "fragment_candidates", lambda conn, parsed: None)
    assert answers(archive) == narrowed


def test_narrowing_that_dropped_a_true_match_would_be_seen(
    archive: Archive, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comparison above can fail: candidates without the article that holds the
    fragment change the answer."""
    narrowed = answers(archive)
    index = backend(archive.session)
    monkeypatch.setattr(index, "fragment_candidates", lambda conn, parsed: set())
    assert answers(archive) != narrowed


def test_a_fragment_no_article_holds_reads_no_article_text(
    archive: Archive, ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsarchive.search import engine

    read: list[int] = []
    real = engine.latest

    def latest(conn: object, columns: str, ids: list[int]) -> object:
        if "v.text" in columns:
            read.extend(ids)
        return real(conn, columns, ids)

    monkeypatch.setattr(engine, "latest", latest)
    assert search(archive, '"体产业投资涌"').total == 0
    assert not read
    assert search(archive, '"导体产业投资热钱涌"').total == 1
    assert read == [ids["chips"]]  # (the spy sees the texts the check reads)


def test_the_trigram_index_follows_versions_and_removals(
    archive: Archive, ids: dict[str, int]
) -> None:
    revised = dataclasses.replace(VOA_CHIPS, text=VOA_CHIPS.text + "晶圆代工厂扩产计划搁浅。")
    archive.ingest(revised, Capture(raw=b"v2", format="feedx", location="v2"))
    assert {h.id for h in search(archive, '"圆代工厂扩产计"').hits} == {ids["chips"]}
    archive.remove_article(ids["chips"])
    assert search(archive, '"圆代工厂扩产计"').total == 0
    assert search(archive, '"导体产业投资热钱涌"').total == 0
    again = _ingest(archive, dataclasses.replace(VOA_CHIPS, url="https://x.test/again"))
    assert {h.id for h in search(archive, '"导体产业投资热钱涌"').hits} == {again}


def test_an_index_filled_before_the_trigrams_checks_every_candidate_until_reindex(
    archive: Archive, ids: dict[str, int]
) -> None:
    parsed = parse_query('"体产业投资涌"')
    index = backend(archive.session)
    assert index.fragment_candidates(archive.session, parsed) == set()
    if archive.dialect != "sqlite":
        return  # PostgreSQL's migration fills the trigrams: test_postgres_trigrams.py
    # An archive indexed before the trigram table existed (the migration left it empty).
    with archive.transaction() as tx:
        tx.execute("DELETE FROM search_meta WHERE key = 'trigrams'")
        tx.execute("INSERT INTO search_tri(search_tri) VALUES('delete-all')")
    assert index.fragment_candidates(archive.session, parsed) is None
    assert search(archive, '"导体产业投资热钱涌"').total == 1  # checked as before
    reindex(archive)
    assert index.fragment_candidates(archive.session, parsed) == set()
    assert index.fragment_candidates(archive.session, parse_query('"导体产业投资热钱涌"')) == {
        ids["chips"]
    }


def test_trigrams_of_a_needle_are_those_of_its_cjk_characters() -> None:
    assert trigrams.trigrams("英国政府") == ["国政府", "英国政"]
    assert (
        trigrams.cjk_text(("美国 ai 芯片", "15.9 % 预计 2025 年", "美 国 芯 片 预 计 年"))
        == "美国芯片预计年"
    )


def test_whitespace_is_dropped_as_the_pattern_dropped_it() -> None:
    import re
    import sys

    from newsarchive.search.engine import _unspaced

    text = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace() or c < 0x3100)
    assert _unspaced(text) == re.sub(r"\s+", "", text)
    assert _unspaced(" 英国\u3000政府\n发言人\t也 ") == "英国政府发言人也"
