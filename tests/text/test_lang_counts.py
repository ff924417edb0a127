"""`text.lang` counts Han, Latin and kana characters over code points in numpy; the
counts must be the regular expressions' (`_HAN`, `_LATIN`, `_KANA`) on any text."""

from __future__ import annotations

import random

import pytest

from newsarchive.text.lang import _HAN, _KANA, _LATIN, _counts, article_lang

# Each range's first and last character and its neighbours on both sides.
EDGES = [0x33FF, 0x3400, 0x4DBF, 0x4DC0, 0x9FFF, 0xA000, 0xF8FF, 0xF900, 0xFAFF, 0xFB00]
EDGES += [0x40, 0x41, 0x5A, 0x5B, 0x60, 0x61, 0x7A, 0x7B, 0xC1, 0xE1, 0x3F, 0x1F600, 0x20000]
EDGES += [0x303F, 0x3040, 0x30FF, 0x3100, 0xD800, 0xDFFF]


def _regex_counts(text: str) -> tuple[int, int, int]:
    return len(_HAN.findall(text)), len(_LATIN.findall(text)), len(_KANA.findall(text))


def _random_texts(n: int) -> list[str]:
    rng = random.Random(7)
    return [
        "".join(chr(rng.choice(EDGES) + rng.randrange(-3, 4)) for _ in range(60)) for _ in range(n)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "".join(map(chr, EDGES)),
        "中芯國際（SMIC）の発表",
        "lone \ud800 surrogate 中",
        *_random_texts(50),
    ],
)
def test_counts_are_the_patterns_counts(text: str) -> None:
    assert _counts(text) == _regex_counts(text)


def test_tags_unchanged() -> None:
    assert article_lang("美国芯片出口管制", "美国商务部周五宣布新的出口管制措施。") == "zh-Hans"
    assert article_lang("美國晶片出口管制", "美國商務部週五宣布新的出口管制措施。") == "zh-Hant"
    assert article_lang("US export controls", "The Commerce Department said on Friday.") == "en"
