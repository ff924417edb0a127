"""Issue #17 on single files: language tags, authors, measured boilerplate, and the
mirror exports giving back every field."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from newsarchive.archive import Archive
from newsarchive.export.mirrors import MIRROR_WRITERS
from newsarchive.model import Draft, Image, Timestamp
from newsarchive.readers import junk, parse_file
from newsarchive.readers.authors import clean_author
from newsarchive.readers.errors import ReadError
from newsarchive.readers.sources import RawFile
from newsarchive.search import search
from newsarchive.text.lang import article_lang
from tests.readers.test_mirror_corpus import as_record, differences

CNA_POST = """---
layout: post
title: "美國封殺華為／華為禁令將生效 供應鏈調整客戶比重補缺口"
date: 2020-09-14T02:56:00.000Z
author: 中央社
from: https://www.cna.com.tw/news/afe/202009140015.aspx
tags: [ 中央社 ]
categories: [ 中央社 ]
---
<!--1600052160000-->
[美國封殺華為／華為禁令將生效 供應鏈調整客戶比重補缺口](https://www.cna.com.tw/news/afe/202009140015.aspx)
------

<div><p>美國對華為禁令將在美國時間15日生效，華為在禁令前積極拉貨，帶動台積電、聯發科等8月營收衝上歷史新高。</p><p>面對未來訂單缺口，台廠供應鏈以其他客戶填補，包括IC設計、晶圓代工、IC載板等供應影響有限。</p></div>
"""


def _read(text: str, member: str = "_posts/x.md") -> Draft:
    result = parse_file(RawFile(member, member, text.encode("utf-8")))
    assert not isinstance(result, ReadError), result
    return result[0]


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        ("美國封殺華為", "華為禁令將在美國時間15日生效，供應鏈調整客戶比重。", "zh-Hant"),
        ("美国封杀华为", "华为禁令将在美国时间15日生效，供应链调整客户比重。", "zh-Hans"),
        ("Chips", "The export controls take effect on Tuesday, officials said.", "en"),
        ("", "", None),
    ],
)
def test_article_lang(title: str, text: str, expected: str | None) -> None:
    assert article_lang(title, text) == expected


def test_imported_traditional_article_is_zh_hant() -> None:
    assert _read(CNA_POST).lang == "zh-Hant"


def test_search_lang_filter_finds_imported_traditional_articles(archive: Archive) -> None:
    draft, capture = parse_file(RawFile("a.md", "_posts/a.md", CNA_POST.encode()))  # type: ignore[misc]
    archive.ingest(draft, capture)
    assert [h.id for h in search(archive, "華為", lang="zh-Hant").hits]
    # A bare language still finds both scripts; the other script finds nothing.
    assert [h.id for h in search(archive, "華為", lang="zh").hits]
    assert not search(archive, "華為", lang="zh-Hans").hits


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("null 张筠青（综合报道）", "张筠青"),
        ("KONEY BAI,KONEY BAI", "KONEY BAI"),
        ("李鱼 综合报导", "李鱼"),
        ("null 采访记者: 邹宗翰", "邹宗翰"),
        ("安东尼 7 分钟", "安东尼"),
        ("德国之声中文网", None),
        ("徐简、戴芙若、李言", "徐简、戴芙若、李言"),
        ("null", None),
    ],
)
def test_clean_author(given: str, expected: str | None) -> None:
    assert clean_author(given) == expected


def test_jekyll_author_in_quotes_is_the_outlet_not_a_person() -> None:
    draft = _read(CNA_POST.replace("author: 中央社", 'author: "中央社"'))
    assert draft.author is None and draft.outlet == "中央社"


def test_a_title_the_mirror_html_escaped_is_read_as_text() -> None:
    # 法广's and 经济学人's Jekyll posts write titles escaped (&quot;, &#x27;, &amp;).
    escaped = '"特朗普呼吁&quot;保持冷静&quot; AT&amp;T China&#x27;s 1900 & 2020"'
    draft = _read(
        CNA_POST.replace('"美國封殺華為／華為禁令將生效 供應鏈調整客戶比重補缺口"', escaped, 1)
    )
    assert draft.title == '特朗普呼吁"保持冷静" AT&T China\'s 1900 & 2020'
    # Escaped twice by 法广's mirror: 大&amp;#22338;直美 is 大坂直美.
    twice = _read(CNA_POST.replace("美國封殺華為", "大&amp;#22338;直美", 1))
    assert twice.title.startswith("大坂直美")


@pytest.fixture
def profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        junk,
        "OVERRIDE",
        {
            "中央社": junk.OutletJunk(
                title_suffixes=(" | 中央社 CNA",),
                lines=frozenset({"本網站之文字、圖片及影音，非經授權，不得轉載。"}),
                prefixes=("Post tags:",),
                suffixes=("|Permalink |No comment",),
            )
        },
    )


def test_measured_boilerplate_is_removed(profile: None) -> None:
    post = CNA_POST.replace(
        '華為禁令將生效 供應鏈調整客戶比重補缺口"', '華為禁令將生效 | 中央社 CNA"'
    ).replace(
        "供應影響有限。</p></div>",
        "供應影響有限。</p><hr><p><small>© 某人 for 中央社, 2020. |Permalink |No comment"
        "<br>Post tags: 華為, 台積電</small></p>"
        "<p>本網站之文字、圖片及影音，非經授權，不得轉載。</p></div>",
    )
    draft = _read(post)
    assert draft.title == "美國封殺華為／華為禁令將生效"
    assert draft.text.endswith("供應影響有限。")
    assert "<hr" not in draft.html and "Permalink" not in draft.html


def test_a_page_header_goes_and_names_the_author(profile: None) -> None:
    junk.OVERRIDE = {"中央社": junk.OutletJunk(lines=frozenset({"0 小时前"}))}
    post = CNA_POST.replace(
        "<div><p>美國對華為",
        "<div><h1>美國封殺華為／華為禁令將生效 供應鏈調整客戶比重補缺口</h1><p>張三</p>"
        "<p>中央社記者 發自台北</p><p>2 小时前</p><p>美國對華為",
    )
    draft = _read(post)
    assert draft.text.startswith("美國對華為禁令")
    assert draft.author == "張三"


def test_without_a_profile_nothing_is_removed() -> None:
    junk.OVERRIDE = {}
    try:
        post = CNA_POST.replace(
            "供應影響有限。</p>", "供應影響有限。</p><p>我们的标准：信任原则</p>"
        )
        assert _read(post).text.endswith("我们的标准：信任原则")
    finally:
        junk.OVERRIDE = None


DRAFT = Draft(
    title="美國封殺華為",
    text="華為禁令將生效。\n供應鏈調整。",
    html="<p>華為禁令將生效。</p><p>供應鏈調整。</p>",
    url="https://www.cna.com.tw/news/afe/1.aspx",
    outlet="中央社",
    published=datetime(2020, 9, 14, 10, 56, tzinfo=timezone(timedelta(hours=8))),
    author="張三、李四",
    tags=["華為", "台積電"],
    images=[Image("https://img.example.org/a.jpg", "圖說：工廠")],
    lang="zh-Hant",
    timestamps={"page": Timestamp(datetime(2020, 9, 14, 2, 56, tzinfo=UTC), "body:div-i")},
)


@pytest.mark.parametrize("fmt", list(MIRROR_WRITERS))
@pytest.mark.parametrize(
    "draft",
    [
        DRAFT,
        replace(DRAFT, published=None, author=None, timestamps={}),
    ],
    ids=["every field", "no date, no author"],
)
def test_export_gives_back_every_field(fmt: str, draft: Draft) -> None:
    path_of, render = MIRROR_WRITERS[fmt]
    record = as_record(draft, 7)
    text = render(record)
    back = _read(text, path_of(record))
    assert differences(draft, back) == []
    assert back.timestamps == draft.timestamps
    assert '"张三' not in text and "\n\n<p" not in text


def test_export_files_are_still_the_formats(tmp_path: Path) -> None:
    record = as_record(DRAFT, 7)
    post = MIRROR_WRITERS["jekyll"][1](record)
    assert "\ndate: 2020-09-14T10:56:00.000+08:00\n" in post
    assert '\nauthor: "張三、李四"\n' in post
    item = MIRROR_WRITERS["feedx"][1](record)
    assert item.startswith("<!--1600052160000-->\n[美國封殺華為](")
    assert "<div><i>張三、李四<br>2020-09-14T10:56:00.000+08:00</i></div>" in item


def test_a_headed_box_with_one_related_link_goes() -> None:
    post = CNA_POST.replace(
        "供應影響有限。</p></div>",
        "供應影響有限。</p><div class='moreArticle'><div class='moreArticle-title'>延伸閱讀</div>"
        "<a href='https://www.cna.com.tw/news/afe/1.aspx'><span>比特幣飆9個月高點</span></a></div>"
        "</div>",
    )
    draft = _read(post)
    assert "延伸閱讀" not in draft.text and "比特幣" not in draft.html
    # A sentence ending in its one link is text.
    kept = CNA_POST.replace(
        "供應影響有限。</p></div>",
        "供應影響有限。</p><div>詳見<a href='https://www.cna.com.tw/x.aspx'>報告</a></div></div>",
    )
    assert _read(kept).text.endswith("詳見報告")


BBC_ITEM = """<!--1593369998000-->
[中印冲突：国际媒体关注](http://www.bbc.com/zhongwen/simp/chinese-news-53211569)
------

<div><i>2020年 6月 28日</i></div><div><img src="https://ichef.bbci.co.uk/a.jpg"><span class="off-screen">图片版权</span><span>CCTV</span><figcaption><span class="off-screen">Image caption</span><span>中国中央电视台报道了民兵的消息。</span></figcaption><p>中国在西藏部署了5支专业民兵队伍。</p></div>
"""


def test_bbc_date_header_and_screen_reader_labels() -> None:
    draft = _read(BBC_ITEM, "articles/BBC/1.md")
    assert draft.text.startswith("CCTV\n中国中央电视台报道")
    assert "Image caption" not in draft.text and "图片版权" not in draft.text
    assert draft.timestamps["page"].value == datetime(2020, 6, 28, tzinfo=UTC)
    # The day alone is less precise than the feed's time: that one is `published`.
    assert draft.published == datetime(2020, 6, 28, 18, 46, 38, tzinfo=UTC)
