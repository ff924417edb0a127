"""`names.mine.pair_matches` finds `PAIR`'s matches from the brackets instead of trying
`PAIR` at every CJK character; the matches must be `PAIR.finditer`'s, always."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable

import pytest

from newsarchive.names.mine import PAIR, pair_matches

# Pieces that make and break pairs: runs longer and shorter than twelve, middle dots,
# both kinds of brackets, Latin names with the characters PAIR allows, line breaks.
PIECES = ["中", "国", "华为", "特朗普", "·", "・", "（", "）", "(", ")", " ", "\n", "，"]
PIECES += ["A", "b", "Huawei", "Mike Pompeo", "1", ".", "-", "’", "&", "中文" * 7]


def _spans(matches: Iterable[re.Match[str]]) -> list[tuple[int, int, tuple[str | None, ...]]]:
    return [(m.start(), m.end(), m.groups()) for m in matches]


def _random_texts(n: int) -> list[str]:
    rng = random.Random(3)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randrange(1, 30))) for _ in range(n)]


@pytest.mark.parametrize(
    "text",
    [
        "华为（Huawei）与中兴(ZTE)",
        "美国国务卿蓬佩奥（Mike Pompeo）",
        "一二三四五六七八九十一二三四（Long Run）",  # a run of 14: its last 12 are the side
        "（Huawei）开头",
        "华（Huawei）",  # one character: no pair
        "华为（Huawei）（Hua Wei）",
    ],
)
def test_examples(text: str) -> None:
    assert _spans(pair_matches(text)) == _spans(PAIR.finditer(text))


def test_random_texts() -> None:
    found = 0
    for text in _random_texts(20_000):
        expected = _spans(PAIR.finditer(text))
        assert _spans(pair_matches(text)) == expected, text
        found += len(expected)
    assert found > 100  # the texts do hold pairs
