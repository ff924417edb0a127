"""Spellings the static site's character-level folding leaves apart
(`newsarchive.publish.spellings`), and the offline search that reaches them."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from newsarchive.archive import Archive
from newsarchive.publish import PublishOptions, publish
from newsarchive.publish.indexreader import StaticIndex
from newsarchive.publish.spellings import (
    STATIC_TABLE,
    build_table,
    groups,
    static_spellings,
    variant_chars,
)
from newsarchive.publish.tokens import fold
from newsarchive.text.variants import MAX_SPELLINGS
from tests.publish.conftest import ARTICLES


def test_shipped_table_is_what_opencc_and_jieba_give_now() -> None:
    shipped = files("newsarchive.profiles").joinpath(STATIC_TABLE).read_text("utf-8")
    pairs = [tuple(line.split("\t")) for line in shipped.splitlines() if line[:1] != "#"]
    assert pairs == build_table(), "regenerate: python -m newsarchive.publish.spellings"


def test_words_character_folding_leaves_apart_get_both_spellings() -> None:
    # 瞭 is a simplified character too (瞭望): folding 瞭解 by character keeps it.
    assert fold("瞭解") == "瞭解"
    assert static_spellings(fold("瞭解")) == ["瞭解", "了解"]
    assert static_spellings(fold("了解")) == ["了解", "瞭解"]
    assert set(static_spellings(fold("想像力"))) == {"想像力", "想象力"}
    assert static_spellings(fold("芯片")) == ["芯片"]
    many = fold("了解") * 10
    assert len(static_spellings(many)) == MAX_SPELLINGS


def test_every_spelling_is_indexable_and_its_characters_are_announced() -> None:
    chars = set(variant_chars())
    for group in groups():
        assert len(group) >= 2
        for spelling in group:
            assert all("\u3400" <= ch <= "\u9fff" for ch in spelling), spelling
            # Every spelling holds a character that announces it (meta.vchars) ...
            assert set(spelling) & chars, spelling
    # ... and characters all spellings share do not: 解 of 瞭解/了解 loads nothing.
    assert "瞭" in chars and "了" in chars and "解" not in chars


def test_offline_search_finds_the_other_spelling(filled: Archive, tmp_path: Path) -> None:
    site = tmp_path / "site"
    publish(filled, site, PublishOptions())
    idx = StaticIndex(site)
    want = [ARTICLES[1][2]]
    for query in ("了解", "瞭解", "不瞭解中國"):
        trace = idx.search(query)
        assert [r[1] for r in trace.results] == want, query
        # The table is downloaded only by queries that need it.
        assert "static/variants.js" in trace.files
    plain = idx.search("芯片")
    assert "static/variants.js" not in plain.files and plain.docs
