"""Regional vocabulary (`newsarchive.text.regional`, issue #15 item 1)."""

from __future__ import annotations

from newsarchive.text.regional import candidates, regional_spellings, select, table_pairs
from newsarchive.text.segment import fold

ISSUE_PAIRS = [
    ("芯片", "晶片"),
    ("软件", "軟體"),
    ("网络", "網路"),
    ("信息", "資訊"),
    ("服务器", "伺服器"),
    ("激光", "雷射"),
    ("打印机", "印表機"),
    ("新西兰", "紐西蘭"),
    ("意大利", "義大利"),
]


def test_every_shipped_pair_is_still_an_opencc_candidate() -> None:
    """The table is OpenCC's phrase tables over jieba's dictionary, filtered by an
    archive's counts: an OpenCC or jieba upgrade that drops a pair fails here
    (regenerate: python -m newsarchive.text.regional --db ARCHIVE)."""
    shipped = table_pairs()
    assert len(shipped) > 100
    assert shipped <= set(candidates())


def test_the_issue_pairs_meet_in_both_directions_and_scripts() -> None:
    for mainland, other in ISSUE_PAIRS:
        a, b = fold(mainland), fold(other)
        assert regional_spellings(a) == [a, b]
        assert regional_spellings(b) == [b, a]


def test_inside_a_longer_term_too() -> None:
    assert regional_spellings(fold("芯片出口管制")) == ["芯片出口管制", "晶片出口管制"]


def test_words_with_another_sense_are_not_paired() -> None:
    # OpenCC pairs these, but each region's press also writes the other's word in its
    # own sense (程序 a procedure in Taiwan, 进程 a process): not shipped. (软件 → 软体 inside
    # 软体动物 spells a word no article writes; tests/search/test_vocab.py checks that
    # the 软体动物 article is not found.)
    for word in ("程序", "程式", "进程", "消息", "薯片"):
        assert regional_spellings(word) == [word], word


def test_select_keeps_complementary_pairs_only() -> None:
    counts = {
        # (Taiwan's outlets, the mainland's outlets) holding each word.
        "芯片": (3, 400),
        "晶片": (169, 38),
        "程序": (509, 900),
        "程式": (24, 10),
        "打印机": (0, 2),
        "印表机": (0, 0),
        "冷僻": (0, 0),
        "生词": (0, 0),
    }
    pairs = [("晶片", "芯片"), ("程序", "程式"), ("印表机", "打印机"), ("冷僻", "生词")]
    kept = select(pairs, lambda w: counts[w])
    # 程序: Taiwan writes it 509 times beside 24 程式; 冷僻/生词: no article to judge by.
    assert kept == [("晶片", "芯片"), ("印表机", "打印机")]
