"""Page headers, related-links boxes and language tags the whole-corpus test
(`test_mirror_corpus.py`) found left, each on the smallest piece of the corpus file
that shows it."""

from __future__ import annotations

import pytest

from newsarchive.model import Draft
from newsarchive.readers import parse_file
from newsarchive.readers.errors import ReadError
from newsarchive.readers.junk import is_time_line
from newsarchive.readers.sources import RawFile
from newsarchive.text.lang import article_lang


def _read(text: str, member: str = "_posts/x.md") -> Draft:
    result = parse_file(RawFile(member, member, text.encode("utf-8")))
    assert not isinstance(result, ReadError), result
    return result[0]


def _post(title: str, outlet: str, url: str, body: str) -> str:
    return (
        f'---\nlayout: post\ntitle: "{title}"\ndate: 2021-01-12T21:05:53.000Z\n'
        f"author: {outlet}\nfrom: {url}\ntags: [ {outlet} ]\ncategories: [ {outlet} ]\n---\n"
        f"<!--1610485553000-->\n[{title}]({url})\n------\n\n<div>\n{body}\n</div>\n"
    )


# jekyll-waimei: _posts/2021-01-12-特朗普否认煽动叛乱 指责国会弹劾行为“荒谬”.md (BBC's
# 2020-21 page layout: the day as loose text beside an inner "最近更新" block).
BBC_HEADER = (
    '<div dir="ltr"><h1 id="content">特朗普否认煽动叛乱 指责国会弹劾行为“荒谬”</h1></div>'
    '<div dir="ltr"><time datetime="2021-01-11">2021年1月11日</time><div>'
    '<time datetime="2021-01-12">最近更新： 38 分钟前</time></div></div>'
    '<div dir="ltr"><p><b>美国总统特朗普表示，他在上周国会骚乱前的讲话“完全恰当”。</b></p></div>'
    '<div dir="ltr"><p>他谴责国会民主党人指责他煽动叛乱。</p></div>'
)


@pytest.mark.parametrize(
    ("headline", "times"),
    [
        # The headline as the post's title gives it.
        ("特朗普否认煽动叛乱 指责国会弹劾行为“荒谬”", None),
        # Worded otherwise than the feed's title, longer than a byline, with a "？"
        # (archived/2020-11-04/…为什么仍然没有结果？.md, …/2020-10-03-美国大选、….md).
        ("美国大选2020：为何仍无结果？这场难以终止的选举将如何结局，还有哪些变数", None),
        # Update times in other wordings (…/2020-11-22-香港“第四波疫情”….md,
        # …/2021-01-03-新年愿望时常落空？….md).
        (None, ("2020年11月20日", "最近更新： 2020年11月22日")),
        (None, ("2019年12月31日", "更新 59 分钟前")),
    ],
)
def test_a_page_header_goes(headline: str | None, times: tuple[str, str] | None) -> None:
    body = BBC_HEADER
    if headline:
        body = body.replace("特朗普否认煽动叛乱 指责国会弹劾行为“荒谬”</h1>", f"{headline}</h1>")
    if times:
        body = body.replace("2021年1月11日", times[0]).replace("最近更新： 38 分钟前", times[1])
    draft = _read(
        _post(
            "特朗普否认煽动叛乱 指责国会弹劾行为“荒谬”",
            "BBC",
            "http://www.bbc.com/zhongwen/simp/world-55626202",
            body,
        )
    )
    assert draft.text.startswith("美国总统特朗普表示"), draft.text[:80]
    assert draft.text.endswith("他谴责国会民主党人指责他煽动叛乱。")


# jekyll-waimei: archived/2020-12-26/2020-12-26-BBC | 港中大中国研究服务中心面临“重组”….md:
# 中国数字时代 reposting a BBC story with its byline header (no measured profile line).
CDT_REPOST = (
    "<ul><li>斯影</li><li>BBC中文记者</li></ul><p>2020年12月25日</p>"
    '<p><img src="https://chinadigitaltimes.net/chinese/files/2020/12/a.jpg" alt="图书馆"></p>'
    "<p>香港中文大学图书馆</p><p><strong>60年代，西方学者在这里落脚，通过访谈来自中国大陆的难民了解"
    "“红色中国”。</strong></p>"
)


def test_a_reposted_byline_header_goes_without_a_measured_profile() -> None:
    draft = _read(
        _post(
            "BBC | 港中大中国研究服务中心面临“重组”",
            "中国数字时代",
            "https://chinadigitaltimes.net/chinese/2020/12/bbc-cuhk/",
            CDT_REPOST,
        )
    )
    assert draft.text.startswith("香港中文大学图书馆\n60年代"), draft.text[:60]
    assert draft.images and draft.images[0].url.endswith("/a.jpg")


def test_content_that_starts_with_a_caption_then_a_date_heading_stays() -> None:
    # gfw-breaker pages/p6/940263.md: a date is the article's first section heading.
    body = (
        "<p>先知先觉，法轮功发起的行动在全球掀起大潮。（摄影：柳笛/看中国）</p>"
        "<p><strong>1999年7月20日</strong></p><p>1999年7月20日以前，在中国大陆各城市处处可见炼功点。</p>"
    )
    draft = _read(_post("标题", "看中国", "https://www.secretchina.com/news/gb/1.html", body))
    assert draft.text.split("\n")[:2] == [
        "先知先觉，法轮功发起的行动在全球掀起大潮。（摄影：柳笛/看中国）",
        "1999年7月20日",
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2020年11月4日", True),
        ("最近更新： 38 分钟前", True),
        ("更新 59 分钟前", True),
        ("6 小时前", True),
        ("29/06/2020 - 05:50", True),
        ("1999年7月20日以前，在中国大陆", False),
        ("BBC中文记者", False),
        ("第3集", False),
    ],
)
def test_time_lines(line: str, expected: bool) -> None:
    assert is_time_line(line) is expected


# gfw-breaker pages/prog424/a102901031.md (新唐人): a related-links box written as a
# paragraph, its heading loose text and a link a line (links disabled as <ok href>).
NTD_RELATED = """### 澳洲ABC不实报导法轮功 台湾法轮功学员抗议
------------------------

#### [首页](https://github.com/gfw-breaker/banned-news3/blob/master/README.md)
<div class="article_right">
<p>
 澳洲广播公司ABC日前播出诋毁法轮功的报导，台湾法轮功学员22日到澳洲办事处抗议，要求ABC下架不实报导。
</p>
<p>
 (新唐人亚太电视记者张东旭 台北综合报导)
</p>
<p>
 延伸阅读
 <br/>
 <ok href="https://www.ntdtv.com/gb/2020/07/24/a102901055.html">
  针对ABC不实报导 《大纪元时报》发表声明
 </ok>
 <br/>
 <ok href="https://www.ntdtv.com/gb/2020/07/24/a102901062.html">
  澳洲ABC节目歪曲报导法轮功 遭抗议
 </ok>
</p>
</div>
<hr/>
手机上长按并复制下列链接或二维码分享本文章：<br/>
原文地址（需翻墙访问）：https://www.ntdtv.com/gb/2020/07/24/a102901031.html
"""


def test_a_related_links_paragraph_goes() -> None:
    draft = _read(NTD_RELATED, "pages/prog424/a102901031.md")
    assert draft.text.endswith("(新唐人亚太电视记者张东旭 台北综合报导)"), draft.text
    assert "延伸阅读" not in draft.text and "a102901055" not in draft.html
    # A sentence with two links, not a link a line, is text.
    kept = NTD_RELATED.replace(" 延伸阅读\n", " 详见\n").replace("<br/>\n <ok", " <ok")
    assert "详见" in _read(kept, "pages/prog424/a102901031.md").text


# jekyll-waimei: archived/2020-09-27/2020-09-27-竹內結子傳死訊親友錯愕 封面人物雜誌才上市.md
# (a CNA story quoting the actress's Instagram post in Japanese).
CNA_QUOTING_JAPANESE = (
    "登上雜誌新刊封面人物的竹內結子驚傳自宅身亡，死訊讓親友震驚錯愕。\n"
    "（中央社記者楊明珠東京27日專電）日本女星竹內結子在自宅自縊身亡，她今年一月生子，"
    "月初出席廣告活動還笑談14歲長子的成長，剛上市的雜誌也以她為封面人物，死訊讓親友震驚錯愕。\n"
    "在 Instagram 查看這則貼文\n"
    "・ 皆んな〜夏休み中も元気で過ごしてましたか❓新学期に向けて前髪作りました。 それでは早速、"
    "頭の体操、 算数の時間だよ〜！ 問題です：これはサッポロ一番、一年分です。一袋が五個パック入なので、"
    "この山は何袋あるでしょうか⁉️ 問題に正解してもしなくても 偏愛レシピを投稿してくれれば\n"
    "日本媒體ABEMA TIMES報導，警方透露，今天凌晨2時左右，與竹內同住的丈夫在寢室發現竹內自縊。"
)


def test_a_chinese_article_quoting_japanese_is_chinese() -> None:
    assert (
        article_lang("竹內結子傳死訊親友錯愕 封面人物雜誌才上市", CNA_QUOTING_JAPANESE) == "zh-Hant"
    )
    japanese = "皆んな〜夏休み中も元気で過ごしてましたか。新学期に向けて前髪作りました。" * 4
    assert article_lang("竹内結子さん", japanese) == "ja"
