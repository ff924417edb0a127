"""Spellings that script folding leaves apart (`newsarchive.text.variants`)."""

from __future__ import annotations

from importlib.resources import files

from newsarchive.text.segment import fold
from newsarchive.text.variants import MAX_SPELLINGS, TABLE, build_table, spellings


def test_shipped_table_is_what_opencc_and_jieba_give_now() -> None:
    shipped = files("newsarchive.profiles").joinpath(TABLE).read_text("utf-8").splitlines()
    pairs = [tuple(line.split("\t")) for line in shipped if not line.startswith("#")]
    assert pairs == build_table(), "regenerate: python -m newsarchive.text.variants"


def test_the_other_scripts_spelling_is_searched_too() -> None:
    # A traditional reader's 想像力 and 大相逕庭 fold to spellings a simplified article
    # does not use; the article's own spelling is added, the typed one stays first.
    assert spellings(fold("想像力")) == ["想像力", "想象力"]
    assert spellings(fold("想象力")) == ["想象力", "想像力"]
    assert set(spellings(fold("大相逕庭"))) == {"大相径庭", "大相迳庭"}
    assert set(spellings(fold("暱稱"))) == {"暱称", "昵称"}


def test_words_without_variants_are_left_alone() -> None:
    assert spellings(fold("芯片")) == ["芯片"]
    assert spellings(fold("SMIC 15.9%")) == ["smic 15.9%"]
    assert spellings("") == [""]


def test_combinations_are_bounded() -> None:
    many = "想象" * 10
    out = spellings(many)
    assert out[0] == many and len(out) == MAX_SPELLINGS == len(set(out))
