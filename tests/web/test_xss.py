"""Hostile articles: whatever an archive holds, no served page may carry anything a
browser would execute.

The drafts go into the archive RAW (not sanitized), as a buggy reader or an old archive
could store them, so this pins the web layer's own render-time sanitizing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import lxml.html
import pytest

from newsarchive.components import open_archive
from newsarchive.model import Capture, Draft, Image
from newsarchive.web import create_app
from tests.web.conftest import ENGLISH, TestClient
from tests.web.fakes import Calls, install, make_components

PAYLOAD_HTML = """
<p>芯片正文<script>alert('xss-script')</script></p>
<p onclick="alert('xss-onclick')" onmouseover=alert(1)>事件处理</p>
<img src=x onerror="alert('xss-onerror')">
<a href="javascript:alert('xss-href')">链接</a>
<a href="  JaVaScRiPt:alert(2)">大小写</a>
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">数据</a>
<iframe src="https://evil.example/xss-iframe"></iframe>
<object data="x.swf"></object><embed src="x.swf">
<svg><script>alert('xss-svg')</script><a xlink:href="javascript:alert(3)">s</a></svg>
<math><mtext><script>alert(4)</script></mtext></math>
<style>body{background:url(javascript:alert(5))}</style>
<form action="https://evil.example"><button formaction="javascript:alert(6)">b</button></form>
<base href="https://evil.example/">
<meta http-equiv="refresh" content="0;url=javascript:alert(7)">
<div style="background:url(javascript:alert(8))">样式</div>
<!-- <script>alert('comment')</script> -->
"""
EVIL_TITLE = "芯片<script>alert('xss-title')</script><img src=x onerror=alert(9)>"
EVIL_SNIPPET = "<script>alert('xss-snippet')</script><img src=x onerror=alert(10)>"


def evil_drafts() -> Iterator[Draft]:
    when = datetime(2022, 5, 1, tzinfo=UTC)
    yield Draft(
        title=EVIL_TITLE,
        text="芯片正文\n<script>alert('xss-text')</script>",
        html=PAYLOAD_HTML,
        url="javascript:alert('xss-url')",
        outlet="<script>alert('xss-outlet')</script>",
        author='"><script>alert(11)</script>',
        published=when,
        tags=["<img src=x onerror=alert(12)>"],
        images=[
            Image("javascript:alert('xss-img')", "<script>alert(13)</script>说明"),
            Image('https://evil.example/a.jpg" onerror="alert(14)', None),
        ],
    )
    # A second version, so the diff view renders hostile text too.
    yield Draft(
        title=EVIL_TITLE,
        text="芯片正文\n<iframe src=javascript:alert(15)></iframe>",
        html=PAYLOAD_HTML + "<p>改</p>",
        url="javascript:alert('xss-url')",
        published=when,
        images=[
            Image("javascript:alert('xss-img')", "<script>alert(13)</script>说明"),
            Image('https://evil.example/a.jpg" onerror="alert(14)', None),
        ],
    )


@pytest.fixture
def hostile(db_address: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    table = make_components(Calls(), evil_snippet=EVIL_SNIPPET)
    install(monkeypatch, table)
    db = db_address
    with open_archive(db) as a:
        for i, d in enumerate(evil_drafts()):
            a.ingest(d, Capture(f"raw {i}".encode(), "import", f"<script>alert({i})</script>.md"))
    with TestClient(create_app(db), headers=ENGLISH) as c:
        yield c


PAGES = [
    "/",
    "/articles/1",
    "/articles/1?from=1&to=2",
    "/articles/1?script=traditional",
    "/search?q=芯片",
    "/search?q=芯片&by_outlet=true",
    "/outlets/",
    "/outlets/<script>alert('xss-outlet')</script>",
    "/stories/",
    "/search?q=<script>alert(1)</script>",
    "/articles/999?x=<script>alert(1)</script>",
]
EXECUTABLE_TAGS = {
    "script",
    "iframe",
    "object",
    "embed",
    "base",
    "frame",
    "frameset",
    "applet",
    "meta",
    "style",
    "form",
    "svg",
    "math",
}
BAD_URL = re.compile(r"^\s*(javascript|vbscript|data):", re.IGNORECASE)


def assert_inert(html: str) -> None:
    doc = lxml.html.document_fromstring(html)
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.split("}")[-1].lower()
        if tag == "script":
            assert el.get("src", "").startswith("/static/") and not (el.text or "").strip(), (
                lxml.html.tostring(el)
            )
        elif tag in ("meta", "form", "svg"):
            # The page's own: charset/viewport/referrer metas, GET search forms, the chart.
            assert tag != "meta" or el.get("http-equiv") is None
            assert tag != "form" or (el.get("action") or "").startswith("/")
            assert tag != "svg" or "timeline" in el.get("class", "")
        else:
            assert tag not in EXECUTABLE_TAGS, lxml.html.tostring(el)
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), (tag, name, value)
            assert name.lower() != "style", (tag, name, value)
            if name.lower() in ("href", "src", "action", "formaction", "xlink:href", "data"):
                assert not BAD_URL.match(value), (tag, name, value)
    # And no raw script tag hides where the parser would not look (e.g. in a comment).
    assert "<script>alert" not in html


@pytest.mark.parametrize("path", PAGES)
def test_no_page_serves_an_executable_trace(hostile: TestClient, path: str) -> None:
    r = hostile.get(path)
    assert r.status_code in (200, 404), r.text
    assert_inert(r.text)


def test_hostile_content_is_still_readable(hostile: TestClient) -> None:
    """Sanitizing keeps the journalism: the text and the escaped title are shown."""
    doc = lxml.html.fromstring(hostile.get("/articles/1").text)
    assert doc.xpath("//h1[@id='title']/text()") == [EVIL_TITLE]
    assert "芯片正文" in doc.xpath("//div[@id='body']")[0].text_content()
    # The `javascript:` source URL is shown as text, not as a link.
    assert not doc.xpath("//a[@class='source-link']")
    stored = hostile.get("/api/articles/1").json()["url"]  # as canonical_url left it
    assert stored.startswith("javascript:")
    assert doc.xpath("//p[@class='source']/code/text()") == [stored]


def test_api_html_fields_are_sanitized_and_json_is_not_sniffable(hostile: TestClient) -> None:
    for path in ("/api/articles/1", "/api/articles/1/diff?from=1&to=2", "/api/search?q=芯片"):
        r = hostile.get(path)
        assert r.headers["content-type"] == "application/json"
        assert r.headers["x-content-type-options"] == "nosniff"
        data = r.json()
        fragments = [data.get("html", "")] + [
            h[k] or "" for h in data.get("hits", []) for k in ("snippet", "title_html")
        ]
        for fragment in fragments:
            assert_fragment_inert(fragment)
    # The data itself is kept, as data (JSON strings, never markup).
    data = json.loads(hostile.get("/api/articles/1").text)
    assert data["title"] == EVIL_TITLE and len(data["images"]) == 2


def assert_fragment_inert(fragment: str) -> None:
    if fragment.strip():
        assert_inert(f"<html><body>{fragment}</body></html>")
