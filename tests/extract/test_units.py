"""Unit tests: charset, dates, boilerplate, images and captions, titles, language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import lxml.html
import pytest

from newsarchive.extract import ExtractionError, extract_page
from newsarchive.extract.boilerplate import is_edge_junk, prune_tree, trim_paragraphs
from newsarchive.extract.charset import declared_charset, decode_html, normalize_charset
from newsarchive.extract.dates import parse_chinese, parse_iso, published_from_content
from newsarchive.extract.images import find_images
from newsarchive.extract.metadata import detect_lang, find_title, strip_site_suffix

CST = timezone(timedelta(hours=8))
PARAS = "".join(
    f"<p>这是第{i}段正文，记者在现场看到，居民们正在排队领取物资，场面秩序井然。</p>"
    for i in range(6)
)


def page(body: str, head: str = "", charset: str = "utf-8") -> str:
    return f'<html><head><meta charset="{charset}">{head}</head><body>{body}</body></html>'


# ------------------------------------------------------------------ charset


def test_gb2312_label_decodes_gb18030_only_characters() -> None:
    text = "朱镕基与陶喆"  # 镕 and 喆 are outside GB2312
    raw = page(f"<p>{text}</p>", charset="gb2312").encode("gb18030")
    assert text in decode_html(raw)


def test_big5_label_decodes_hkscs_characters() -> None:
    text = "香港嘅新聞"  # 嘅 is an HKSCS character
    raw = page(f"<p>{text}</p>", charset="big5").encode("big5hkscs")
    assert text in decode_html(raw)


def test_utf8_bytes_win_over_a_lying_gb2312_label() -> None:
    raw = page("<p>中文内容</p>", charset="gb2312").encode("utf-8")
    assert "中文内容" in decode_html(raw)


def test_undeclared_gbk_is_sniffed() -> None:
    body = "<p>" + "中华人民共和国国务院新闻办公室今天举行发布会，介绍经济运行情况。" * 5 + "</p>"
    raw = f"<html><body>{body}</body></html>".encode("gbk")
    assert "国务院新闻办公室" in decode_html(raw)


def test_charset_labels() -> None:
    assert normalize_charset("GB2312") == "gb18030"
    assert normalize_charset("big5") == "big5hkscs"
    assert normalize_charset("no-such-codec") is None
    assert declared_charset(b"", "text/html; charset=GBK") == "gb18030"
    assert declared_charset(b'<?xml version="1.0" encoding="big5"?><rss/>') == "big5hkscs"


def test_shared_encoding_fixtures(shared) -> None:  # type: ignore[no-untyped-def]
    folder = shared / "corpus/web/encoding/html"
    for name in ("gbk_163com_2004_article", "gb2312_sina_2005_article"):
        truth = (folder / f"{name}.cleaned.txt").read_text("utf-8")
        decoded = decode_html((folder / f"{name}.html").read_bytes())
        assert truth.split("\n")[0].strip()[:10] in decoded
    lying = decode_html((folder / "declared_gb2312_but_utf8_yesky_blog.html").read_bytes())
    assert "\ufffd" not in lying
    undeclared = decode_html((folder / "undeclared_gb_myrice_2001.html").read_bytes())
    assert undeclared.count("\ufffd") < 5 and "的" in undeclared


# ------------------------------------------------------------------ dates


def test_chinese_dates_get_beijing_time() -> None:
    assert parse_chinese("2023年2月2日") == datetime(2023, 2, 2, tzinfo=CST)
    assert parse_chinese("2023年2月2日 下午3:05") == datetime(2023, 2, 2, 15, 5, tzinfo=CST)
    assert parse_chinese("2024/05/20 16:25:01") == datetime(2024, 5, 20, 16, 25, 1, tzinfo=CST)


def test_iso_dates_keep_their_zone() -> None:
    assert parse_iso("2024-05-21T10:00:00Z") == datetime(2024, 5, 21, 10, tzinfo=UTC)
    assert parse_iso("2024-05-21T10:00:00+02:00") == datetime(
        2024, 5, 21, 10, tzinfo=timezone(timedelta(hours=2))
    )
    assert parse_iso("2024-05-21 10:00", "zh-Hans") == datetime(2024, 5, 21, 10, tzinfo=CST)


def test_dateline_of_a_kanzhongguo_article() -> None:
    found = published_from_content("【看中国2023年2月2日讯】北京今天宣布……", None, "", "zh-Hans")
    assert found == (datetime(2023, 2, 2, tzinfo=CST), "body:dateline")


def test_impossible_dates_are_rejected() -> None:
    assert parse_chinese("2023年13月40日") is None


def test_meta_date_wins(tmp_path) -> None:  # type: ignore[no-untyped-def]
    head = '<meta property="article:published_time" content="2022-03-04T05:06:07+08:00">'
    draft = extract_page(page("<h1>标题</h1>" + PARAS, head).encode(), "https://example.com/a")
    assert draft.published == datetime(2022, 3, 4, 5, 6, 7, tzinfo=CST)
    assert draft.timestamps["published"].source == "html:metadata"


# ------------------------------------------------------------------ boilerplate


def test_edge_junk_lines_are_trimmed_but_middle_ones_stay() -> None:
    paras = [
        "相关新闻",
        "正文第一段。",
        "他说：版权所有的问题很重要。",
        "责任编辑：张三",
        "本文短网址：http://x",
    ]
    assert trim_paragraphs(paras) == ["正文第一段。", "他说：版权所有的问题很重要。"]
    assert is_edge_junk("（编辑：文静）")
    assert not is_edge_junk("编辑部今天发表声明称，" + "内容" * 80)


def test_share_bars_and_related_lists_are_pruned() -> None:
    root = lxml.html.document_fromstring(
        page(
            PARAS
            + '<div class="share-bar">分享到微博</div><ul class="related-news"><li>别的新闻</li></ul>'
        )
    )
    prune_tree(root)
    text = root.text_content()
    assert "分享到" not in text and "别的新闻" not in text and "第5段" in text


def test_article_survives_a_junk_wrapper_from_unclosed_tags() -> None:
    root = lxml.html.document_fromstring(page(f'<div class="breadcrumb">首页 &gt; {PARAS}</div>'))
    prune_tree(root)
    assert "第5段" in root.text_content()


def test_extract_page_drops_editor_line_and_recommendations() -> None:
    body = (
        '<div class="nav"><a href="/">首页</a><a href="/n">新闻</a></div>'
        f"<h1>地震后的第一夜</h1><div class='article'>{PARAS}<p>责任编辑：李四</p></div>"
        + "<ul>"
        + "".join(f"<li><a href='/x{i}'>推荐文章标题{i}</a></li>" for i in range(8))
        + "</ul>"
    )
    draft = extract_page(page(body, "<title>地震后的第一夜 - 某某网</title>").encode(), None)
    assert draft.title == "地震后的第一夜"
    assert "第5段" in draft.text and "第0段" in draft.text
    assert (
        "责任编辑" not in draft.text and "推荐文章" not in draft.text and "首页" not in draft.text
    )
    assert draft.lang == "zh-Hans"


# ------------------------------------------------------------------ images


def test_figcaption_and_following_caption_paragraph() -> None:
    root = lxml.html.fragment_fromstring(
        '<div><figure><img src="/a.jpg"><figcaption>图为救援现场</figcaption></figure>'
        '<p><img data-src="b.jpg" src="data:image/gif;base64,R0"></p><p class="pic-note">新华社记者 王五 摄</p>'
        '<p><img src="c.jpg" alt="替代文字"></p><p>这是一段很长的正文，不是图片说明，因为它没有任何说明的标志。</p>'
        '<img src="icon.png" width="16" height="16"></div>'
    )
    imgs = find_images(root, "https://example.com/news/1.html")
    assert [(i.url, i.caption) for i in imgs] == [
        ("https://example.com/a.jpg", "图为救援现场"),
        ("https://example.com/news/b.jpg", "新华社记者 王五 摄"),
        ("https://example.com/news/c.jpg", "替代文字"),
    ]


# ------------------------------------------------------------------ metadata


def test_titles() -> None:
    assert strip_site_suffix("中国芯片出口受限 - BBC News 中文") == "中国芯片出口受限"
    assert strip_site_suffix("Title only") == "Title only"
    root = lxml.html.document_fromstring(
        page("<h1>真正的标题</h1>", '<meta property="og:title" content="真正的标题">')
    )
    assert find_title(root) == "真正的标题"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("这是一个简体中文的句子，用来测试语言检测是否正确工作。" * 2, "zh-Hans"),
        ("這是一個繁體中文的句子，用來測試語言檢測是否正確工作。" * 2, "zh-Hant"),
        ("This is an English sentence used to test language detection.", "en"),
        ("これは日本語の文章です。言語検出のテストに使います。ひらがなとカタカナ。" * 2, "ja"),
    ],
)
def test_detect_lang(text: str, lang: str) -> None:
    assert detect_lang(text) == lang


def test_empty_and_textless_pages_raise() -> None:
    with pytest.raises(ExtractionError, match="empty"):
        extract_page(b"  ")
    with pytest.raises(ExtractionError):
        extract_page(b"<html><body><div></div></body></html>")


# ------------------------------------------------------------------ outlet profiles


def test_outlet_profiles_drop_credits_and_date_strips(shared) -> None:  # type: ignore[no-untyped-def]
    html = shared / "corpus/web/html"
    bbc = extract_page(
        (html / "bbc/nsa_bbc_trad_001.html").read_bytes(), "https://www.bbc.com/zhongwen/trad/x"
    )
    assert bbc.title == "華為新款5G手機橫空出世 中國半導體突破美國封鎖？"
    assert "圖像來源" not in bbc.text and "Mate 60 Pro" in bbc.text
    assert bbc.outlet == "BBC中文" and bbc.lang == "zh-Hant"
    rfi = extract_page(
        (html / "rfi/radarflow_rfi_detail.html").read_bytes(), "https://www.rfi.fr/cn/x"
    )
    # The headline is the title field, not repeated as the text's first line.
    assert "发表时间" not in rfi.text and rfi.text.startswith("法新社消息称，台湾政府")
    assert rfi.published == datetime(2025, 11, 30, 9, 13, 47, tzinfo=UTC)
    assert rfi.images and rfi.images[0].caption and "赖清德" in rfi.images[0].caption
