"""Search modes and rank fusion (issue #15 item 4), with a small injected semantic
ranking so the lexical side is what is tested."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsarchive.archive import Archive
from newsarchive.model import Capture, Draft
from newsarchive.search import QueryError, search
from newsarchive.search.fusion import MIN_COSINE, fuse
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
    assert 8 not in order  # below MIN_COSINE: noise
    assert set(order) == {1, 2, 3, 9}
    assert fuse([], [(5, MIN_COSINE)]) == [(5, pytest.approx(0.5 / 61))]


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
    assert all(h.why == ("meaning",) for h in hybrid.hits) and hybrid.total == 2
    semantic = search(archive, "export controls", mode="semantic", semantic=meaning)
    assert [h.id for h in semantic.hits] == [chips, taiwan, retail]


def test_hybrid_fuses_words_and_meaning(archive: Archive, ids: list[int]) -> None:
    chips, taiwan, wuhan, _retail = ids

    def meaning(_: Archive, query: str, limit: int) -> list[tuple[int, float]]:
        return [(wuhan, 0.9), (chips, 0.5)]

    page = search(archive, "芯片", mode="hybrid", semantic=meaning)
    why = {h.id: h.why for h in page.hits}
    assert set(why) == {chips, taiwan, wuhan}
    assert page.hits[0].id == chips  # found by both
    assert why[chips] == ("word", "meaning")
    assert why[taiwan] == ("variant",)  # 晶片
    assert why[wuhan] == ("meaning",)
    assert page.total == 3
    # Filters apply to the semantic hits too.
    assert search(archive, "芯片", mode="hybrid", semantic=meaning, until=datetime(2021, 1, 2, tzinfo=UTC)).total == 1  # fmt: skip


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
