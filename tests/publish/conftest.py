"""A small archive with simplified and traditional articles, several versions, and
outlets, published once per test session where tests only read the site."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from newsarchive.archive import Archive
from newsarchive.components import open_archive
from newsarchive.model import Capture, Draft, Image

BASE = datetime(2020, 6, 1, 8, 0, tzinfo=UTC)

ARTICLES = [
    # (url, outlet, title, paragraphs)
    (
        "https://www.rfa.org/mandarin/a1.html",
        "自由亚洲电台",
        "华为芯片断供 中国半导体产业受挫",
        ["美国商务部宣布新规，限制华为获取芯片。", "分析人士认为中国半导体产业短期内难以自给。"],
    ),
    (
        "https://www.voachinese.com/a/a2.html",
        "美国之音",
        "美中科技脱钩 芯片出口管制升级",
        ["美国政府进一步收紧对华芯片出口管制。", "北京表示坚决反对，称美方并不了解中国。"],
    ),
    (
        "https://www.epochtimes.com/b5/a3.htm",
        "大纪元",
        "華為晶片斷供 台積電停止接單",
        ["台積電表示九月後不再向華為供貨。", "華為手機業務面臨嚴重衝擊。"],
    ),
    (
        "https://www.dw.com/zh/a4",
        "德国之声",
        "香港国安法通过 各国表示关注",
        ["全国人大常委会通过香港国安法。", "欧盟和英国表示严重关切。"],
    ),
    (
        "https://www.bbc.com/zhongwen/trad/a5",
        "BBC",
        "香港國安法實施 首宗案件開審",
        ["香港國安法實施後首宗案件今日開審。", "被告被控煽動分裂國家罪。"],
    ),
    (
        "https://www.rfa.org/mandarin/a6.html",
        "自由亚洲电台",
        "SMIC 5G 手机芯片 iPhone",
        ["中芯国际（SMIC）宣布 5G 芯片量产。", "苹果 iPhone 供应链受影响。"],
    ),
]


def make_draft(i: int, url: str, outlet: str, title: str, paras: list[str], **kw: object) -> Draft:
    html = "".join(f"<p>{p}</p>" for p in paras)
    return Draft(
        title=title,
        text="\n".join(paras),
        html=str(kw.get("html", html)),
        url=url,
        outlet=outlet,
        published=BASE + timedelta(days=i, hours=i),
        author=outlet,
        tags=[outlet],
        images=list(kw.get("images", [])),  # type: ignore[call-overload]
    )


def fill(archive: Archive) -> None:
    with archive.transaction():
        for i, (url, outlet, title, paras) in enumerate(ARTICLES):
            d = make_draft(
                i,
                url,
                outlet,
                title,
                paras,
                images=[Image("https://img.example.org/p.jpg", "图片说明")],
            )
            archive.ingest(
                d, Capture(raw=f"raw {i}".encode(), format="jekyll", location=f"f{i}.md")
            )
        # A second version of the first article: the page must show what changed.
        url, outlet, title, paras = ARTICLES[0]
        d2 = make_draft(0, url, outlet, title + "（更新）", [*paras, "华为回应称将继续研发。"])
        archive.ingest(d2, Capture(raw=b"raw 0 v2", format="jekyll", location="f0b.md"))


@pytest.fixture
def filled(db_address: str) -> Iterator[Archive]:
    a = open_archive(db_address)
    try:
        fill(a)
        yield a
    finally:
        a.close()
