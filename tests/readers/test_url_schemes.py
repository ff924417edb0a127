"""Only http(s) URLs become an article's URL (issue #19, F11): a mirror file may give
any string as its source, and the address is shown to users as a link. (Feed items:
tests/collect/test_feed_links.py.)"""

from __future__ import annotations

import pytest

from newsarchive.readers import RawFile, ReadError, parse_file
from newsarchive.urls import http_url

from .helpers import SEEDS

BAD_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "  javascript:alert(1)",
    "java\tscript:alert(1)",
    "\x01javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://example.com/a.html",
    "https:alert(1)",  # an http scheme, but no host
    "www.rfa.org/mandarin/a.html",  # no scheme at all
]


@pytest.mark.parametrize("bad", BAD_URLS)
def test_http_url_refuses_other_schemes(bad: str) -> None:
    assert http_url(bad) is None


def test_http_url_keeps_http_and_https() -> None:
    assert http_url(" https://www.rfa.org/a.html ") == "https://www.rfa.org/a.html"
    assert http_url("HTTP://www.bbc.co.uk/zhongwen") == "HTTP://www.bbc.co.uk/zhongwen"
    assert http_url("//www.dw.com/zh/a-1") == "https://www.dw.com/zh/a-1"


def _seed(prefix: str) -> str:
    (path,) = (p for p in SEEDS.iterdir() if p.name.startswith(prefix))
    return path.read_text("utf-8")


JEKYLL = _seed("000")  # from: and the link line both give the epochtimes URL
GFW = _seed("003")
SOURCE = "https://www.epochtimes.com/gb/21/3/1/n12782341.htm"
ORIGINAL = "https://www.secretchina.com/news/gb/2023/02/02/1028027.html"


@pytest.mark.parametrize("bad", BAD_URLS)
def test_jekyll_from_with_another_scheme_falls_back_to_the_link_line(bad: str) -> None:
    text = JEKYLL.replace(f"from: {SOURCE}", f"from: {bad}", 1)
    assert f"from: {bad}" in text
    result = parse_file(RawFile("a.md", "_posts/a.md", text.encode()))
    assert not isinstance(result, ReadError), result.reason
    assert result[0].url == SOURCE


def test_jekyll_with_no_http_url_at_all_has_no_url() -> None:
    link_line = f"]({SOURCE})"
    text = JEKYLL.replace(f"from: {SOURCE}", "from: javascript:alert(1)", 1)
    text = text.replace(link_line, "](javascript:alert(1))", 1)
    result = parse_file(RawFile("a.md", "_posts/a.md", text.encode()))
    assert not isinstance(result, ReadError), result.reason
    assert result[0].url is None


@pytest.mark.parametrize("bad", ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd"])
def test_gfw_breaker_original_url_with_another_scheme_is_an_error(bad: str) -> None:
    text = GFW.replace(ORIGINAL, bad)
    assert bad in text and ORIGINAL not in text
    result = parse_file(RawFile("p.md", "pages/p.md", text.encode()))
    assert isinstance(result, ReadError)
    assert "not an http(s) URL" in result.reason and "原文地址" in result.reason
