"""The source link keeps the scheme the source used (issue #20): the canonical URL (the
archive's key) always says https://, which linked http-only sites nowhere."""

from __future__ import annotations

from newsarchive.components import open_archive
from newsarchive.model import Capture, Draft
from newsarchive.web import create_app
from newsarchive.web.render import source_link
from tests.web.conftest import TestClient
from tests.web.fakes import Calls


def _draft(url: str) -> Draft:
    return Draft(
        title="只有 http 的网站", text="正文。", html="<p>正文。</p>", url=url, outlet="某台"
    )


def test_an_http_only_source_is_linked_with_http(db_address: str, fakes: Calls) -> None:
    with open_archive(db_address) as archive:
        plain = archive.ingest(
            _draft("http://plain.example.org/a.html?utm_source=x"),
            Capture(b"page", "http", "http://plain.example.org/a.html?utm_source=x"),
        ).article_id
        secure = archive.ingest(
            _draft("https://secure.example.org/b.html"),
            Capture(b"page2", "http", "https://secure.example.org/b.html"),
        ).article_id
        mirrored = archive.ingest(
            _draft("http://mirror.example.org/c.html"),
            Capture(b"md", "jekyll", "_posts/2023-02-01-c.md"),
        ).article_id
        stored = archive.article(plain)
        assert stored is not None and stored.url == "https://plain.example.org/a.html"
    with TestClient(create_app(db_address)) as client:
        page = client.get(f"/articles/{plain}").text
        assert 'href="http://plain.example.org/a.html?utm_source=x"' in page
        api = client.get(f"/api/articles/{plain}").json()
        assert api["url"] == "https://plain.example.org/a.html"  # the key is unchanged
        assert api["source_url"] == "http://plain.example.org/a.html?utm_source=x"
        assert client.get(f"/api/articles/{secure}").json()["source_url"] == (
            "https://secure.example.org/b.html"
        )
        # A mirror file records no fetched address: the canonical URL is all there is.
        assert client.get(f"/api/articles/{mirrored}").json()["source_url"].startswith("https")


def test_source_link_prefers_the_newest_fetch_of_the_same_article() -> None:
    canonical = "https://news.example.org/1.html"
    assert source_link(canonical, []) == canonical
    assert (
        source_link(
            canonical,
            [
                ("http", "http://news.example.org/1.html"),
                ("http", "https://news.example.org/1.html"),
            ],
        )
        == "http://news.example.org/1.html"
    )
    # A feed capture: "<feed>#<item URL>".
    assert (
        source_link(
            canonical, [("feed", "http://news.example.org/rss#http://news.example.org/1.html")]
        )
        == "http://news.example.org/1.html"
    )
    # Another article's address, or a non-web scheme, is never used.
    assert source_link(canonical, [("http", "http://other.example.org/2.html")]) == canonical
    assert source_link(canonical, [("http", "javascript:alert(1)")]) == canonical
