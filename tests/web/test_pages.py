"""The HTML pages: content, filters, diffs, the script switch, admin forms, headers."""

from __future__ import annotations

import re

import lxml.html
import pytest

from tests.web.conftest import TOKEN, TestClient
from tests.web.fakes import Calls

PAGES = [
    "/",
    "/search?q=芯片",
    "/articles/1",
    "/outlets/",
    "/outlets/中央社",
    "/stories/",
    "/stories/7",
    "/admin",
    "/articles/999",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_strict_headers_and_only_local_resources(
    client: TestClient, path: str
) -> None:
    r = client.get(path)
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "object-src 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    doc = lxml.html.fromstring(r.text)
    loaded = doc.xpath("//script/@src | //link/@href | //img/@src | //iframe/@src")
    assert loaded and all(u.startswith("/static/") for u in loaded), loaded
    assert not doc.xpath("//script[not(@src)]"), "inline script"


def test_static_files_are_served(client: TestClient) -> None:
    css, js = client.get("/static/app.css"), client.get("/static/app.js")
    assert css.status_code == js.status_code == 200
    assert "javascript" in js.headers["content-type"]
    assert "http" not in re.sub(r"https?://www\.w3\.org", "", css.text + js.text)


def test_front_page_lists_recent_articles(client: TestClient) -> None:
    doc = lxml.html.fromstring(client.get("/").text)
    titles = doc.xpath("//ol[@class='articles']/li/a[starts-with(@href, '/articles/')]/text()")
    assert titles[0] == "台積電擴大在美國的晶片投資"  # newest first
    assert len(titles) == 5
    assert doc.xpath("//form[@action='/search']//input[@name='q']")


def test_search_page_results_chart_and_filters(client: TestClient, fakes: Calls) -> None:
    r = client.get("/search", params={"q": "芯片", "outlet": "美国之音", "since": "2022-01-01"})
    doc = lxml.html.fromstring(r.text)
    assert doc.xpath("//li[@class='hit']/a/@href") == ["/articles/2"]
    assert doc.xpath("//p[@class='snippet']/mark/text()") == ["芯片"]
    assert fakes.search[-1]["outlet"] == "美国之音"
    svg = doc.xpath("//figure[@class='chart']/*[local-name()='svg']")
    assert svg and svg[0].xpath(".//*[local-name()='rect']"), "a chart with bars"
    assert doc.xpath("//select[@name='outlet']/option[@selected]/@value") == ["美国之音"]


def test_search_page_paginates(client: TestClient) -> None:
    import newsarchive.web.pages as pages

    old = pages.PAGE_SIZE
    pages.PAGE_SIZE = 2
    try:
        first = lxml.html.fromstring(client.get("/search?q=芯片").text)
        nxt = first.xpath("//a[@rel='next']/@href")
        assert nxt and "page=2" in nxt[0]
        second = lxml.html.fromstring(client.get(nxt[0]).text)
        assert len(second.xpath("//li[@class='hit']")) == 1
        assert second.xpath("//a[@rel='prev']")
    finally:
        pages.PAGE_SIZE = old


def test_search_page_shows_errors_inline(client: TestClient) -> None:
    r = client.get("/search", params={"q": "芯片", "since": "明天"})
    assert r.status_code == 422 and "is not a date" in r.text
    r = client.get("/search", params={"q": '"芯片'})
    assert r.status_code == 400 and "unbalanced quote" in r.text
    assert client.get("/search").status_code == 200  # the empty form


def test_article_page_text_images_source_captures_and_diff(client: TestClient) -> None:
    doc = lxml.html.fromstring(client.get("/articles/1").text)
    assert doc.xpath("//h1[@id='title']/text()") == ["北大报告承认美中科技脱钩中国损失更大"]
    body = doc.xpath("//div[@id='body']")[0].text_content()
    assert "编者按：本文已更新。" in body
    assert doc.xpath("//a[@class='source-link']/@href") == [
        "https://rfa.org/mandarin/yataibaodao/chip-01.html"
    ]
    assert doc.xpath("//figure[@class='image']/figcaption/text()") == ["中芯国际的晶圆厂"]
    assert len(doc.xpath("//section[@class='captures']//tbody/tr")) == 3
    assert len(doc.xpath("//section[@id='versions']/ol/li")) == 3
    assert doc.xpath("//div[@id='diff']//ins/text()") == ["编者按：本文已更新。"]
    assert doc.xpath("//p[@class='story']/a/@href") == ["/stories/7"]


def test_article_page_compares_any_two_versions(client: TestClient) -> None:
    doc = lxml.html.fromstring(client.get("/articles/1?from=1&to=2").text)
    assert doc.xpath("//select[@name='from']/option[@selected]/@value") == ["1"]
    assert "目前" in doc.xpath("//div[@id='diff']//ins/text()")
    assert client.get("/articles/1?from=9").status_code == 404
    assert client.get("/articles/999").status_code == 404


def test_script_switch_converts_and_is_remembered(client: TestClient) -> None:
    r = client.get("/articles/3?script=simplified")
    doc = lxml.html.fromstring(r.text)
    assert doc.xpath("//h1[@id='title']/text()") == ["台积电扩大在美国的晶片投资"]
    assert r.cookies.get("script") == "simplified"
    again = lxml.html.fromstring(client.get("/articles/3").text)  # cookie applies
    assert again.xpath("//h1[@id='title']/text()") == ["台积电扩大在美国的晶片投资"]
    trad = lxml.html.fromstring(client.get("/articles/1?script=traditional").text)
    assert trad.xpath("//h1[@id='title']/text()") == ["北大報告承認美中科技脫鉤中國損失更大"]
    orig = lxml.html.fromstring(client.get("/articles/3?script=original").text)
    assert orig.xpath("//h1[@id='title']/text()") == ["台積電擴大在美國的晶片投資"]
    assert orig.xpath("//span[@class='switch']/strong/@data-script") == ["original"]
    # An unknown value is ignored, not an error.
    assert client.get("/articles/3?script=klingon").status_code == 200


def test_outlet_and_story_pages(client: TestClient) -> None:
    doc = lxml.html.fromstring(client.get("/outlets/").text)
    assert len(doc.xpath("//table[@class='outlets']/tbody/tr")) == 5
    one = lxml.html.fromstring(client.get("/outlets/BBC中文").text)
    assert one.xpath("//ol[@class='articles']/li/a[1]/text()") == ["香港国安法实施一周年"]
    assert client.get("/outlets/新华社").status_code == 404
    story = lxml.html.fromstring(client.get("/stories/7").text)
    assert story.xpath("//h1/text()") == ["美中芯片战"]
    assert len(story.xpath("//ol[@class='articles']/li")) == 2
    # the timeline chart (one bar per day with reports), the first report, outlets when
    assert (
        len(story.xpath("//section[@id='timeline']//*[local-name()='svg']//*[local-name()='rect']"))
        >= 2
    )
    first = story.xpath("string(//section[@id='first-report'])")
    assert "自由亚洲电台" in first and "2022-02-03" in first
    assert story.xpath("//section[@id='first-report']//a/@href") == ["/articles/1"]
    rows = story.xpath("//table[@class='outlets-when']/tbody/tr/td[1]/text()")
    assert rows == ["自由亚洲电台", "美国之音"]
    assert client.get("/stories/99").status_code == 404


def test_admin_forms_need_the_token(writable: TestClient, fakes: Calls) -> None:
    form = {"action": "add-source", "name": "DW", "url": "https://rss.dw.com/rdf/rss-chi-all"}
    assert writable.post("/admin", data=form).status_code == 401
    assert writable.post("/admin", data={**form, "token": "bad"}).status_code == 401
    ok = writable.post("/admin", data={**form, "token": TOKEN})
    assert ok.status_code == 200 and "Added source" in ok.text
    assert fakes.sources == [("DW", "https://rss.dw.com/rdf/rss-chi-all", "feed")]
    fetch = writable.post("/admin", data={"action": "fetch", "token": TOKEN})
    assert fetch.status_code == 200 and "Fetch started" in fetch.text
    jobs = writable.post("/admin", data={"action": "jobs", "token": TOKEN})
    assert "fetch" in jobs.text


def test_admin_without_configured_token_says_writes_are_disabled(client: TestClient) -> None:
    assert "Writing is disabled" in client.get("/admin").text
    r = client.post("/admin", data={"action": "fetch", "token": "x"})
    assert r.status_code == 403
