"""The one segmentation for index and query: its fast paths must equal the plain ones."""

from __future__ import annotations

import unicodedata

import pytest

from newsarchive.text.segment import fold, nfkc, segment_folded, segment_for_index, segment_joined

NFKC_CASES = [
    "",
    "plain ascii, nothing to do",
    "华为，中芯国际：２０２３年１５．９％！（ＳＭＩＣ）",
    "全角Ａ\u0301 then a combining accent after a full-width letter",
    "ideographic\u3000space and ellipsis…and no-break\u00a0space",
    "①②③ ﬁ ㎏ ㈱ — characters outside the quick table",
    "e\u0301 decomposed accent with ，full-width comma",
    "「引號」《書名》、頓號。句號",
]


@pytest.mark.parametrize("text", NFKC_CASES)
def test_nfkc_equals_unicodedata(text: str) -> None:
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_runs_never_join_across_punctuation_or_other_tokens() -> None:
    # "中" and "国" are separated: jieba must not see them as one run.
    assert segment_for_index("中，国") == ["中", "国"]
    assert segment_for_index("中1国") == ["中", "1", "国"]


def test_tokens_keep_text_order_across_kinds() -> None:
    tokens = segment_for_index("美国商务部对中芯国际SMIC的出口管制，涉及15.9%的芯片 chips")
    # jieba's standard dictionary: 美国商务部 is one word, 中芯国际 is not in it.
    assert tokens == [
        "美国商务部",
        "对",
        "中",
        "芯",
        "国际",
        "smic",
        "的",
        "出口",
        "管制",
        "涉及",
        "15.9",
        "%",
        "的",
        "芯片",
        "chip",
    ]


def test_traditional_and_full_width_fold_to_the_same_tokens() -> None:
    assert segment_for_index("中芯國際　ＳＭＩＣ") == segment_for_index("中芯国际 SMIC")


def test_joined_and_list_forms_agree() -> None:
    folded = fold("长江存储、华为与ASML：1,000亿元")
    assert segment_joined(folded) == " ".join(segment_folded(folded))
    assert segment_folded(folded)[-3:] == ["asml", "1000", "亿元"]
    assert segment_folded("") == []


def test_the_dictionary_is_loaded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Importing rjieba builds its default Jieba (the dictionary, ~0.13 s); a second
    # Jieba() of our own loaded it again at every start of a search (issue #20).
    import rjieba

    from newsarchive.text import segment

    built: list[int] = []
    original = rjieba.Jieba

    def counting() -> object:
        built.append(1)
        return original()

    monkeypatch.setattr(rjieba, "Jieba", counting)
    segment._segmenter.cache_clear()
    try:
        assert segment._segmenter().cut("中芯国际的芯片", False) == [
            "中",
            "芯",
            "国际",
            "的",
            "芯片",
        ]
        assert built == []
    finally:
        segment._segmenter.cache_clear()


def test_the_segmenter_cuts_like_a_fresh_jieba() -> None:
    # The shared instance is the standard dictionary, unchanged: index compatibility.
    import json
    from pathlib import Path

    import rjieba

    from newsarchive.text.segment import _segmenter

    data = Path(__file__).resolve().parents[1] / "data"
    articles = [
        *json.loads((data / "vectors_articles.json").read_text("utf-8"))["articles"],
        *json.loads((data / "dedup" / "articles.json").read_text("utf-8")),
    ]
    fresh = rjieba.Jieba()
    texts = [fold(a["title"] + "\n" + a["text"]) for a in articles]
    assert sum(map(len, texts)) > 10_000
    for text in texts:
        assert _segmenter().cut(text, False) == fresh.cut(text, False)


@pytest.mark.parametrize("lib", ["rjieba", "PyStemmer", "opencc", "typer", "numpy"])
def test_installed_version_reads_what_importlib_metadata_reads(lib: str) -> None:
    # The segmenter's identity (stored with the index) must not change with how it is
    # read: a different string would make every index look outdated.
    from importlib.metadata import version

    from newsarchive.text.segment import installed_version

    assert installed_version(lib) == version(lib)
