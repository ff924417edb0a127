"""Figures written in Taiwan's 兆 and as ranges or pairs sharing one unit (round 3 of #16:
misses of the second held-out sample's rule, not of its texts)."""

from __future__ import annotations

import pytest

from newsarchive.entities.figures import extract_figures


def values(text: str) -> list[tuple[float, str]]:
    return [(f.value, f.unit) for f in extract_figures(text)]


def test_zhao_before_money_is_ten_to_the_twelfth() -> None:
    assert values("總市值為新台幣47.5兆元") == [(4.75e13, "TWD")]


def test_zhao_scales_no_share() -> None:
    assert values("功率为5兆瓦") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("红利的2 至2.5倍", [(2.0, "times"), (2.5, "times")]),
        ("打造14和12纳米晶圆制程", [(14.0, "nm"), (12.0, "nm")]),
        ("投资3至5亿美元", [(3e8, "USD"), (5e8, "USD")]),
        ("门诊量掉了1到2成", [(0.1, "ratio"), (0.2, "ratio")]),
    ],
)
def test_a_range_shares_its_unit(text: str, expected: list[tuple[float, str]]) -> None:
    assert values(text) == expected


@pytest.mark.parametrize("text", ["增长5%和10%", "2019至2020年"])
def test_no_range_without_a_shared_unit(text: str) -> None:
    assert len(values(text)) == text.count("%")
