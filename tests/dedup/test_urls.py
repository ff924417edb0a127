"""Canonical URLs: real spellings from the corpus mirrors and recorded feeds."""

from __future__ import annotations

import pytest

from newsarchive.urls import canonical_url, edition_key
from newsarchive.urls_rules import UrlRuleError, _outlet_rules

# (variant, variant): one article spelled two ways, all seen in ../shared/corpus.
SAME = [
    # jekyll front matter `from:` (raw Unicode) vs the Markdown link (percent-encoded), and
    # the `//cn/` doubled slash RFI's feed puts in every URL
    (
        "http://www.rfi.fr//cn/中国/20200720-华为再次遇挫-台积电与之分道扬镳",
        "http://www.rfi.fr//cn/%E4%B8%AD%E5%9B%BD/20200720-%E5%8D%8E%E4%B8%BA%E5%86%8D%E6%AC%A1"
        "%E9%81%87%E6%8C%AB-%E5%8F%B0%E7%A7%AF%E7%94%B5%E4%B8%8E%E4%B9%8B%E5%88%86%E9%81%93%E6"
        "%89%AC%E9%95%B3",
    ),
    # DW rewrites the slug with the headline; the a-<id> stays (143 cases in the mirror)
    (
        "https://www.dw.com/zh/蓬佩奥：美常驻联合国代表将访台/a-56157744",
        "https://www.dw.com/zh/美常驻联合国代表下周访台/a-56157744",
    ),
    # ... and a mirror left a `?` of the headline unencoded
    (
        "https://www.dw.com/zh/初选触犯香港国安法?+前参选者:目的铲除民主派/a-56139295",
        "https://www.dw.com/zh/%E5%88%9D%E9%80%89/a-56139295",
    ),
    # 2015 DW feed: old host, no language, `maca` tracking parameter
    (
        "http://www.dw.de/原军委副主席徐才厚因病身亡/a-18317576?maca=chi-rss-chi-all-1127-rdf",
        "https://www.dw.com/zh/a-18317576",
    ),
    # CNA files one story id under several sections (61 cases)
    (
        "https://www.cna.com.tw/news/firstnews/202101150305.aspx",
        "https://www.cna.com.tw/news/acn/202101150305.aspx",
    ),
    (
        "https://www.voachinese.com/a/us-indo-pacific-strategy--declassified-20210113/5735547.html",
        "https://www.voachinese.com/a/us-indo-pacific-strategy-declassified-20210113/5735547.html",
    ),
    (
        "https://cn.reuters.com/article/india-court-alibaba-job-0728-idCNKCS24T03Y",
        "https://cn.reuters.com/article/india-alibaba-job-0728-idCNKCS24T03Y",
    ),
    (
        "https://www.zaobao.com/realtime/china/story20210121-1117907",
        "https://www.zaobao.com/realtime/world/story20210121-1117907",
    ),
    # gfw-breaker (https) vs jekyll (http) copies of one Epoch Times article
    (
        "https://www.epochtimes.com/gb/18/5/25/n10426013.htm",
        "http://www.epochtimes.com/gb/18/5/25/n10426013.htm",
    ),
    ("https://cn.ft.com/story/001088627?full=y", "https://www.ftchinese.com/story/001088627"),
    (
        "http://www.bbc.co.uk/zhongwen/simp/uk/2014/09/140925_uk_queen_cameron.shtml",
        "https://www.bbc.com/zhongwen/simp/uk/2014/09/140925_uk_queen_cameron.shtml",
    ),
    # GreatFire's CloudFront mirrors (web/rss/*.xml vs *.alt.*.xml) back to the origin
    (
        "https://dm44143bsn99b.cloudfront.net/zhongwen/simp/world/2015/03/150316_saddam_tomb_tikrit",
        "https://d2g9sdr0k888cv.cloudfront.net/zhongwen/simp/world/2015/03/150316_saddam_tomb_tikrit",
    ),
    (
        "https://dhnq96zntgnq1.cloudfront.net/chinese/2015/03/%e3%80%90%e7%9c%9f%e7%90%86/",
        "https://chinadigitaltimes.net/chinese/2015/03/%E3%80%90%E7%9C%9F%E7%90%86",
    ),
    (
        "https://d2nm3w2ltn97dw.cloudfront.net/tools/r.html?url=%2Fchina%2F20150316%2Fc16trash-lens"
        "%2F&langkey=zh-hans&from=RSS",
        "https://cn.nytimes.com/china/20150316/c16trash-lens/",
    ),
    # proxies and trailing noise
    (
        "https://web.archive.org/web/20201001000000/https://www.rfa.org/mandarin/a-1.html",
        "https://www.rfa.org/mandarin/a-1.html",
    ),
    ("https://www.ft.com/content/62fe82c5#new_tab", "https://ft.com/content/62fe82c5"),
    (
        "https://m.cna.com.tw/news/aipl/202008270314.aspx）",
        "https://www.cna.com.tw/news/firstnews/202008270314.aspx",
    ),
    (
        "https://www.solidot.org/story?sid=65318&utm_source=rss",
        "https://solidot.org/story?sid=65318",
    ),
]

DIFFERENT = [
    ("https://www.dw.com/zh/a-56157744", "https://www.dw.com/zh/a-56157745"),
    ("https://www.solidot.org/story?sid=65318", "https://www.solidot.org/story?sid=65319"),
    (
        "https://www.voachinese.com/a/x/5735547.html",
        "https://www.voacantonese.com/a/x/5735547.html",
    ),
    # DW English pages are other articles than the Chinese ones with the same number
    ("https://www.dw.com/en/some-story/a-56157744", "https://www.dw.com/zh/a-56157744"),
    # simplified and traditional editions stay two articles (docs/dedup.md)
    (
        "https://www.epochtimes.com/gb/20/9/29/n12439829.htm",
        "https://www.epochtimes.com/b5/20/9/29/n12439829.htm",
    ),
    # images on a BBC CDN are not BBC pages
    ("https://ichef.bbci.co.uk/news/a.jpg", "https://bbc.com/news/a.jpg"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_variants_share_one_canonical_url(a: str, b: str) -> None:
    assert canonical_url(a) == canonical_url(b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_articles_stay_apart(a: str, b: str) -> None:
    assert canonical_url(a) != canonical_url(b)


@pytest.mark.parametrize("url", [u for pair in SAME + DIFFERENT for u in pair])
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert once.startswith("https://")


def test_exact_canonical_forms() -> None:
    assert canonical_url("https://www.dw.com/zh/标题/a-54235011") == "https://dw.com/zh/a-54235011"
    assert (
        canonical_url("https://www.voachinese.com/a/slug-20200731/5525973.html")
        == "https://voachinese.com/a/5525973.html"
    )
    assert canonical_url("HTTP://WWW.RFA.ORG:80/mandarin/") == "https://rfa.org/mandarin"
    assert canonical_url("mailto:someone@example.com") == "mailto:someone@example.com"
    assert canonical_url("not a url") == "not a url"


def test_edition_keys_pair_simplified_and_traditional_editions() -> None:
    gb = "https://www.epochtimes.com/gb/20/9/29/n12439829.htm"
    b5 = "https://www.epochtimes.com/b5/20/9/29/n12439829.htm"
    assert edition_key(gb) == edition_key(b5) is not None
    # RFI writes each edition's slug in its own script
    assert edition_key("http://www.rfi.fr/cn/中国/20200720-三峡大坝") == edition_key(
        "http://www.rfi.fr/tw/中國/20200720-三峽大壩"
    )
    assert edition_key("https://www.bbc.com/zhongwen/simp/world-53655930") == edition_key(
        "https://www.bbc.com/zhongwen/trad/world-53655930"
    )
    assert edition_key("https://www.epochtimes.com/gb/20/9/29/n1.htm") != edition_key(gb)
    assert edition_key("https://www.solidot.org/story?sid=1") is None


def test_malformed_rule_is_reported_with_its_outlet() -> None:
    with pytest.raises(UrlRuleError, match=r"outlets\.demo"):
        _outlet_rules("demo", {"url_rules": [{"match": "([", "replace": ""}]})
    with pytest.raises(UrlRuleError, match="match"):
        _outlet_rules("demo", {"url_rules": [{"replace": ""}]})
