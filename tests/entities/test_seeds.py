"""Done-when of issue #16 on the five seed articles: the entities and figures a careful
reader lists, recognised and normalised."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsarchive.entities.figures import extract_figures
from newsarchive.entities.lexicon import lexicon
from newsarchive.entities.recognize import recognize
from newsarchive.model import Draft
from newsarchive.readers import ReadError, read_path

SEEDS = Path(__file__).resolve().parent.parent / "data" / "readers" / "seeds"


def seed(prefix: str) -> Draft:
    path = next(SEEDS.glob(f"{prefix}_*"))
    result = next(iter(read_path(path)))
    assert not isinstance(result, ReadError)
    return result[0]


def names(draft: Draft) -> set[str]:
    return {f.entity.name for f in recognize(draft.title, draft.text) if not f.weak}


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("000", {"习近平", "IC Insights", "工信部", "拜登", "田玉龙", "肖亚庆", "华尔街日报"}),
        ("001", {"华为", "习近平", "中国商务部", "ASML", "英特尔", "AMD", "马丁·拉塞尔"}),
        ("002", {"台积电", "习近平", "北京大学", "刘佩真", "刘孟俊", "紫光集团", "ASML"}),
        ("003", {"华为", "习近平", "美国商务部", "长江存储", "大基金", "李彦宏", "百度"}),
        ("004", {"华为", "中芯国际", "美国商务部", "习近平", "雷蒙多", "王毅", "长江存储"}),
    ],
)
def test_seed_entities(prefix: str, expected: set[str]) -> None:
    assert expected <= names(seed(prefix))


def test_bare_commerce_ministry_follows_the_article() -> None:
    # 004 is about the US: its 商务部长雷蒙多 is the US ministry; 001 names China's.
    assert "中国商务部" not in names(seed("004"))
    assert "美国商务部" not in names(seed("001"))
    us = recognize("", "美国政府收紧出口管制。美国官员说，商务部将发布新规则。美国企业不满。")
    assert "美国商务部" in {f.entity.name for f in us}
    cn = recognize("", "中国政府回应。中国官员称，商务部将研究对策，中国企业。")
    assert "中国商务部" in {f.entity.name for f in cn}


def test_long_and_latin_names_stay_whole() -> None:
    found = recognize("", "最大的芯片制造商长江存储科技股份有限公司（YMTC）计划裁员。")
    assert [(f.entity.name, f.weak) for f in found] == [("长江存储", False)]
    merged = recognize("", "此前北京清微智能科技有限公司开发的芯片亮相。")
    assert "北京清微智能科技有限公司" in {f.entity.name for f in merged}
    # A bracketed Latin name is the alias of the name before it, not a second entity.
    alias = recognize("", "研究员马丁·拉塞尔(Martijn Rasser)说，拉塞尔认为如此。")
    assert [(f.entity.name, f.mentions) for f in alias] == [("马丁·拉塞尔", 2)]


def test_one_entity_in_every_script() -> None:
    lex = lexicon()
    ids = {lex.resolve(form).id for form in ("Huawei", "華為", "华为", "HUAWEI")}  # type: ignore[union-attr]
    assert ids == {"huawei"}
    trad = recognize("", "美國商務部把華為列入實體清單，台積電停止供貨。")
    assert {"华为", "美国商务部", "台积电"} <= {f.entity.name for f in trad}


def figures_of(prefix: str) -> dict[str, tuple[float, str]]:
    d = seed(prefix)
    return {f.text: (f.value, f.unit) for f in extract_figures(f"{d.title}\n{d.text}")}


def test_seed_figures() -> None:
    f000 = figures_of("000")
    assert f000["15.9%"] == pytest.approx((0.159, "ratio"))
    assert f000["227亿美元"] == pytest.approx((2.27e10, "USD"))
    assert f000["1,434亿美元"] == pytest.approx((1.434e11, "USD"))
    assert f000["8成"] == pytest.approx((0.8, "ratio"))
    f004 = figures_of("004")
    assert f004["1387亿元"] == pytest.approx((1.387e11, "CNY"))
    assert f004["7纳米"] == pytest.approx((7.0, "nm"))
    f002 = figures_of("002")
    assert f002["三成"] == pytest.approx((0.3, "ratio"))
    assert f002["二十八奈米"] == pytest.approx((28.0, "nm"))
    # Years, dates and counts without a unit are not figures.
    assert not any(t.endswith("年") for t in f000)


def test_figure_keeps_its_sentence_and_what() -> None:
    (f,) = extract_figures("前言。中国国内生产部分仅占１５.９％，约两成。")[:1]
    assert (f.text, f.what, f.sentence) == (
        "１５.９％",
        "中国国内生产部分",
        "中国国内生产部分仅占１５.９％，约两成。",
    )
    assert [x.text for x in extract_figures("这一成果一成不变，组成三个小组。")] == []


def test_bare_yuan_is_the_currency_the_article_names() -> None:
    found = extract_figures(
        "每人1万元（澳门币，下同），非永久居民6000元。外资5356.5亿元人民币（1071.9亿新元）。"
    )
    assert [(f.text, f.value, f.unit) for f in found] == [
        ("1万元", 1e4, "MOP"),
        ("6000元", 6000.0, "MOP"),
        ("5356.5亿元", 5.3565e11, "CNY"),
        ("1071.9亿新元", 1.0719e11, "SGD"),
    ]


def test_an_amount_with_its_remainder_is_one_figure() -> None:
    # Found on the held-out sample: 2514亿5500万元 was read as 5500万元.
    found = extract_figures("贵州省城投债券余额达2514亿5500万元。")
    assert [(f.text, f.value, f.unit) for f in found] == [("2514亿5500万元", 2.51455e11, "CNY")]
