"""Every format variant found in the corpus (files copied byte for byte from the
tarballs into tests/data/readers/)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from newsarchive.extract import html_to_text
from newsarchive.readers import ReadError, read_path

from .helpers import DATA, assert_no_junk, read_error, read_one

PARIS_SUMMER = timezone(timedelta(hours=2))
BEIJING = timezone(timedelta(hours=8))


def test_jekyll_title_over_two_lines_and_byline_in_date_header() -> None:
    draft, _ = read_one(DATA / "jekyll-newline-title-byline.md")
    assert draft.title == "美四大科技巨头国会听证 提及中国"
    assert draft.outlet == "德国之声"
    # <div><i>  苗子(综合报道)<br>2020-07-30T11:36:25.472Z</i></div>
    assert draft.author == "苗子"  # the kind of report is not part of the name
    assert draft.published == datetime(2020, 7, 30, 11, 36, 25, 472000, tzinfo=UTC)
    assert "苗子" not in draft.text
    assert_no_junk(draft)


def test_jekyll_title_with_only_the_first_quote_escaped() -> None:
    draft, _ = read_one(DATA / "jekyll-escaped-quote.md")
    assert draft.title == '中国自研大型水陆两栖飞机"鲲龙"AG600海上首飞成功'
    assert draft.outlet == "联合早报"
    # Front matter date (crawl time) and epoch comment (feed time) differ: both kept.
    assert draft.timestamps["post"].value != draft.timestamps["feed"].value


def test_jekyll_carriage_returns() -> None:
    draft, _ = read_one(DATA / "jekyll-cr-line-endings.md")
    assert draft.title == "肖建华明天系9家金融机构被接管 公司发声明公然反对中央决定"
    assert "\r" not in draft.text and "\r" not in draft.html
    assert draft.outlet == "自由亚洲电台"


def test_jekyll_feedx_footer_and_rfi_date_header() -> None:
    draft, _ = read_one(DATA / "jekyll-feedx-footer.md")
    assert draft.outlet == "法广"
    assert draft.timestamps["page"].source == "body:div-i"
    assert draft.published == datetime(2021, 1, 8, 8, 50, tzinfo=timezone(timedelta(hours=1)))
    assert_no_junk(draft)


def test_jekyll_date_line_and_dateline() -> None:
    draft, _ = read_one(DATA / "jekyll-date-line.md")
    assert draft.outlet == "大纪元"
    assert draft.timestamps["dateline"].value == datetime(2021, 1, 15, tzinfo=BEIJING)
    assert_no_junk(draft)


def test_jekyll_scripts_removed() -> None:
    draft, _ = read_one(DATA / "jekyll-script.md")
    assert "<script" not in draft.html
    assert draft.images[0].caption == "1月7日，任全牛提交公开听证会申请。（网路图片）"
    assert_no_junk(draft)


def test_jekyll_nei_st_generation_without_feed_item() -> None:
    draft, capture = read_one(DATA / "jekyll-neist-article.md")
    assert capture.format == "jekyll"
    assert draft.title == "挑战「阿波罗」：苏联的月球征程"
    assert draft.url == "https://nei.st/medium/lifeweek/soviets-journey-to-the-moon"
    assert draft.published == datetime(2019, 7, 26, 12, 17, 47, tzinfo=UTC)
    assert draft.published.utcoffset() == timedelta(hours=1)
    # The <header> repeats the title; pretty-printing left no spaces inside Chinese.
    assert not draft.text.startswith("挑战「阿波罗」")
    assert "时隔 15 年，阿德里扬·尼古拉耶夫 (Andriyan Nikolayev) 依然能回忆起" in draft.text
    assert "woff" not in draft.html


def test_jekyll_nei_st_listing_is_not_an_article() -> None:
    err = read_error(DATA / "jekyll-neist-posts.md")
    assert "no article content" in err.reason


def test_feedx_date_line_without_epoch_comment() -> None:
    draft, capture = read_one(DATA / "feedx-date-line-no-epoch.md")
    assert capture.format == "feedx"
    assert draft.outlet == "中国数字时代"
    assert draft.title == "方可成 | “白左”污名化与社会达尔文主义"
    assert draft.published == datetime(2020, 6, 28, 15, 42, 36, tzinfo=UTC)
    assert draft.timestamps["page"].source == "body:日期"
    assert "feed" not in draft.timestamps
    assert "日期：" not in draft.text
    assert "srcset" not in draft.html


def test_feedx_rfi_bare_date_div_in_paris_time() -> None:
    draft, _ = read_one(DATA / "feedx-rfi-date-footer.md")
    assert draft.outlet == "法广"
    assert draft.published == datetime(2020, 6, 29, 5, 50, tzinfo=PARIS_SUMMER)
    assert draft.text.startswith("（法新社里约热内卢28日电）")
    assert_no_junk(draft)


def test_feedx_gallery_without_lead_date() -> None:
    draft, _ = read_one(DATA / "feedx-dw-gallery.md")
    assert len(draft.images) == 7
    assert all(i.url.startswith("https://api.dw.com/image/") for i in draft.images)
    assert draft.images[0].caption is not None
    assert draft.images[0].caption.startswith("欧中视频峰会触及香港议题")


def test_feedx_bbc_proxied_images_and_footer() -> None:
    draft, _ = read_one(DATA / "feedx-bbc-proxy-footer.md")
    assert draft.outlet == "BBC中文"
    assert draft.images and all(i.url.startswith("https://ichef.bbci.co.uk/") for i in draft.images)
    assert_no_junk(draft)


def test_gfw_epochtimes_ok_links_and_lead_image() -> None:
    draft, capture = read_one(DATA / "gfw-epochtimes-ok-href.md")
    assert capture.format == "gfw-breaker"
    assert draft.outlet == "大纪元"
    assert draft.url == "https://www.epochtimes.com/gb/20/8/31/n12370577.htm"
    assert "<ok" not in draft.html
    assert '<a href="https://www.epochtimes.com/gb/tag/' in draft.html
    assert (
        draft.images[0].caption
        == "英文大纪元《美国思想领袖》节目专访阿肯色州联邦参议员汤姆·柯顿。（大纪元制图）"
    )
    assert "伪火" not in draft.text and "💥" not in draft.html
    assert draft.published == datetime(2020, 8, 31, tzinfo=BEIJING)
    assert_no_junk(draft)


def test_gfw_epochtimes_h4_back_to_h2() -> None:
    draft, _ = read_one(DATA / "gfw-epochtimes-h4.md")
    assert "<h4>" not in draft.html
    assert "<h2>" in draft.html and "<h3>" in draft.html
    assert "1. 向亚洲" in draft.text


def test_gfw_rfa_banned_news3_generation() -> None:
    draft, _ = read_one(DATA / "gfw-rfa-banned-news3.md")
    assert draft.outlet == "自由亚洲电台"
    assert draft.title == "专栏 | 不同的声音：宁做沉默公鸡 不做得意走狗：王怡 许志永 朱乙夫"
    assert draft.images[0].caption == "王怡牧师（图源：对华援助协会）"
    # No dateline: the RFA article id spells the day (MMDDYYYY…).
    assert draft.published == datetime(2020, 1, 3, tzinfo=BEIJING)
    assert draft.timestamps["published"].source == "url:path-date"
    assert_no_junk(draft)


def test_gfw_ntdtv_dateline_with_beijing_time_word() -> None:
    draft, _ = read_one(DATA / "gfw-ntdtv.md")
    assert draft.outlet == "新唐人"
    assert draft.published == datetime(2019, 10, 2, tzinfo=BEIJING)
    assert draft.timestamps["published"].source == "body:dateline"


def test_gfw_stray_bom_and_crlf() -> None:
    bom, _ = read_one(DATA / "gfw-bom.md")
    assert "\ufeff" not in bom.title and "\ufeff" not in bom.text
    assert bom.title == "欺侮地主兄妹 “红五类”得到这样的报应(图)"
    crlf, _ = read_one(DATA / "gfw-crlf.md")
    assert "\r" not in crlf.text
    assert crlf.outlet == "自由亚洲电台"
    assert_no_junk(crlf)


@pytest.mark.parametrize("name", ["gfw-link-menu.md", "gfw-link4-menu.md"])
def test_gfw_menu_pages_are_not_articles(name: str) -> None:
    err = read_error(DATA / name)
    assert err.reason == "not an article: a mirror menu page (navigation links only)"
    assert err.location == name


def test_gfw_page_with_only_an_interactive_embed() -> None:
    err = read_error(DATA / "gfw-infogram-only.md")
    assert "no article content" in err.reason


def test_text_is_what_html_to_text_gives_for_the_stored_html() -> None:
    checked = 0
    for result in read_path(DATA):
        if isinstance(result, ReadError):
            continue
        draft = result[0]
        assert draft.text == html_to_text(draft.html), result[1].location
        checked += 1
    assert checked == 23


def test_gfw_secretchina_appeal_as_loose_text_after_a_rule() -> None:
    # <p><hr/><br/>【诚征荣誉会员】…<span href=/kzgd/subscribe.html>: the parser closes the
    # <p> at the <hr>, so the appeal is loose text in the article container.
    draft, _ = read_one(DATA / "gfw-secretchina-video-appeal.md")
    assert "诚征荣誉会员" not in draft.text
    assert "荣誉会员招募" not in draft.text
    assert draft.images == []  # the shop-cart banner went with its link
    assert_no_junk(draft)


def test_jekyll_author_is_a_person_only_when_it_is_not_the_feed(tmp_path: Path) -> None:
    seed = (DATA / "seeds" / "000_0e76638f8906f1b6.txt").read_text("utf-8")
    person = tmp_path / "person.md"
    person.write_text(seed.replace("author: 大纪元", "author: 张北"), "utf-8")
    draft, _ = read_one(person)
    assert (draft.author, draft.outlet) == ("张北", "大纪元")
    assert "大纪元" not in draft.tags

    feed_name = tmp_path / "feed.md"
    feed_name.write_text(
        seed.replace("author: 大纪元", "author: (臺)大紀元EPOCH")
        .replace("tags: [ 大纪元 ]", "tags: [ (臺)大紀元EPOCH ]")
        .replace("categories: [ 大纪元 ]", "categories: [ (臺)大紀元EPOCH ]"),
        "utf-8",
    )
    draft, _ = read_one(feed_name)
    # Not the feed's name: the reporter named in the text's opening credit.
    assert (draft.author, draft.outlet) == ("张北", "大纪元")
    assert draft.tags == ["芯片", "十四五", "科技战"]
