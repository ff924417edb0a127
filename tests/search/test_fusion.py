"""Search modes and rank fusion (issue #15 item 4), with a small injected semantic
ranking so the lexical side is what is tested."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsarchive.archive import Archive
from newsarchive.model import Capture, Draft
from newsarchive.search import QueryError, search
from newsarchive.search.fusion import (
    HAN_MIN_COSINE,
    LATIN_MIN_COSINE,
    LATIN_WEIGHT,
    fuse,
    fusion_params,
)
from newsarchive.vectors import ModelMissingError

ARTICLES = [
    ("美国对华芯片出口管制升级", "美国商务部宣布新的芯片出口管制措施，限制先进半导体对华出口。"),
    ("中央社：晶片禁令衝擊台廠", "美國晶片出口管制擴大，台灣供應鏈評估影響。"),
    ("武汉封城一周年", "一年前武汉宣布封城，市民回忆疫情初期的日子。"),
    ("零售业营业额创新高", "百货公司周年庆带动买气，零售业营业额创下新高。"),
]


@pytest.fixture
def ids(archive: Archive) -> list[int]:
    out = []
    for n, (title, text) in enumerate(ARTICLES):
        draft = Draft(title=title, text=text, html="", url=f"https://example.org/{n}",
                      outlet="测试", published=datetime(2021, 1, n + 1, tzinfo=UTC))  # fmt: skip
        out.append(archive.ingest(draft, Capture(raw=text.encode(), format="jekyll",
                                                 location=draft.url or "")).article_id)  # fmt: skip
    return out


def test_rrf_keeps_lexical_order_and_adds_meaning() -> None:
    fused = fuse([1, 2, 3], [(9, 0.8), (3, 0.7), (1, 0.6), (8, 0.1)], weight=0.5)
    order = [i for i, _ in fused]
    assert order[0] == 1  # lexical first place, confirmed by meaning
    assert 8 not in order  # below the cosine floor: noise
    assert set(order) == {1, 2, 3, 9}
    latin = fuse([], [(5, LATIN_MIN_COSINE)], query="export controls")
    assert latin == [(5, pytest.approx(LATIN_WEIGHT / 61))]


def test_a_chinese_query_keeps_the_words_order_and_meaning_fills_after() -> None:
    # Meaning's first place (3) must not overtake the words' first (1): known items
    # found as typed stay on top (bench/search_vocab.py's MRR@10).
    semantic = [(3, 0.9), (9, 0.8), (1, 0.6), (7, HAN_MIN_COSINE - 0.01)]
    fused = fuse([1, 2, 3], semantic, query="美国芯片出口管制")
    assert [i for i, _ in fused] == [1, 2, 3, 9]
    assert fusion_params("華為 Huawei") == fusion_params("芯片")


def test_a_latin_query_leans_on_meaning_with_a_lower_floor() -> None:
    # English words match only aliases and stray English text in a Chinese archive;
    # meaning crosses the language, at cosines that are lower across languages.
    semantic = [(9, 0.31), (3, 0.3), (8, 0.27)]
    fused = [i for i, _ in fuse([1, 2, 3], semantic, query="chip export controls")]
    assert fused[0] == 3  # found by words and confirmed by meaning
    assert set(fused) == {1, 2, 3, 8, 9}
    assert [i for i, _ in fuse([1, 2, 3], semantic, query="芯片出口管制")] == [1, 2, 3]


def test_modes(archive: Archive, ids: list[int]) -> None:
    chips, taiwan, _wuhan, retail = ids

    def meaning(_: Archive, query: str, limit: int) -> list[tuple[int, float]]:
        # English "export controls" means the two chip articles, nothing else.
        assert query == "export controls"
        return [(chips, 0.74), (taiwan, 0.7), (retail, -0.06)][:limit]

    lexical = search(archive, "export controls", mode="lexical", semantic=meaning)
    assert lexical.hits == [] and lexical.mode == "lexical"
    hybrid = search(archive, "export controls", mode="hybrid", semantic=meaning)
    assert [h.id for h in hybrid.hits] == [chips, taiwan]
    # Found by meaning; the translation's words (出口, search.english) are marked where
    # the text holds them, though not all of them: meaning found these, not the words.
    assert all(h.why[-1] == "meaning" and "word" not in h.why for h in hybrid.hits)
    assert hybrid.total == 2
    semantic = search(archive, "export controls", mode="semantic", semantic=meaning)
    assert [h.id for h in semantic.hits] == [chips, taiwan, retail]


def test_hybrid_fuses_words_and_meaning(archive: Archive, ids: list[int]) -> None:
    chips, taiwan, wuhan, _retail = ids

    def meaning(_: Archive, query: str, limit: int) -> list[tuple[int, float]]:
        return [(wuhan, 0.9), (chips, 0.5)]

    page = search(archive, "芯片", mode="hybrid", semantic=meaning)
    why = {h.id: h.why for h in page.hits}
    assert set(why) == {chips, taiwan, wuhan}
    # A Chinese query: the words' order, then what only meaning found.
    words = [h.id for h in search(archive, "芯片", mode="lexical").hits]
    assert [h.id for h in page.hits] == [*words, wuhan]
    assert why[chips] == ("word", "meaning")
    assert why[taiwan] == ("variant",)  # 晶片
    assert why[wuhan] == ("meaning",)
    assert page.total == 3
    # Filters apply to the semantic hits too.
    assert search(archive, "芯片", mode="hybrid", semantic=meaning, until=datetime(2021, 1, 2, tzinfo=UTC)).total == 1  # fmt: skip


def test_hybrid_keeps_the_lexical_order_of_a_chinese_query(
    archive: Archive, ids: list[int]
) -> None:
    _chips, _taiwan, wuhan, _retail = ids
    words = [h.id for h in search(archive, "芯片", mode="lexical").hits]
    assert len(words) == 2

    def meaning(_: Archive, query: str, limit: int) -> list[tuple[int, float]]:
        return [(words[1], 0.95), (wuhan, 0.9)]  # meaning prefers the words' second

    page = search(archive, "芯片", mode="hybrid", semantic=meaning)
    assert [h.id for h in page.hits] == [*words, wuhan]


def test_without_a_model_hybrid_says_so_and_semantic_refuses(
    archive: Archive, ids: list[int]
) -> None:
    def missing(_: Archive, query: str, limit: int) -> list[tuple[int, float]]:
        raise ModelMissingError("the embedding model is not installed")

    page = search(archive, "芯片", mode="hybrid", semantic=missing)
    assert page.mode == "lexical" and "not installed" in page.notice
    assert {h.id for h in page.hits} == set(ids[:2])
    with pytest.raises(QueryError, match="by meaning"):
        search(archive, "芯片", mode="semantic", semantic=missing)
    with pytest.raises(QueryError, match="unknown search mode"):
        search(archive, "芯片", mode="fuzzy")
