from __future__ import annotations

import re
from pathlib import Path

from newsarchive.archive import Archive
from newsarchive.model import Capture
from newsarchive.publish import PublishOptions, Selection, publish
from newsarchive.publish.indexreader import StaticIndex
from tests.publish.conftest import ARTICLES, make_draft

_REF = re.compile(r'(?:href|src)="([^"]*)"')


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_site_has_every_kind_of_page(filled: Archive, tmp_path: Path) -> None:
    site = tmp_path / "site"
    summary = publish(filled, site)
    assert summary.articles == len(ARTICLES)
    for name in (
        "index.html",
        "about.html",
        "dates.html",
        "outlets.html",
        "stories.html",
        "search.html",
        "static/site.css",
        "static/search.js",
        "static/t2s.js",
        "feeds/all.xml",
        "feeds/all.atom",
        "feeds/all.json",
    ):
        assert (site / name).is_file(), name
    first = filled.find(ARTICLES[0][0])
    assert first is not None
    page = (site / f"a/{first.id // 1000}/{first.id}.html").read_text("utf-8")
    assert "版本历史（2）" in page and "<ins>" in page  # the diff between the versions
    assert f'href="{first.url}"' in page  # source link
    assert f'data-qr="{first.url}"' in page  # QR code of the share link, drawn by qr.js
    assert (site / "d/2020-06-01.html").is_file()
    assert '<html lang="zh-Hans">' in page
    trad = filled.find(ARTICLES[2][0])
    assert trad is not None
    assert '<html lang="zh-Hant">' in (site / f"a/0/{trad.id}.html").read_text("utf-8")


def test_links_are_relative_and_resolve(filled: Archive, tmp_path: Path) -> None:
    site = tmp_path / "site"
    publish(filled, site)
    for page in _pages(site):
        html = page.read_text("utf-8")
        for ref in _REF.findall(html):
            if ref.startswith(("http://", "https://")):
                # Only plain links a reader may click (source, share): never loaded.
                assert not re.search(rf'(?:src|rel="stylesheet"[^>]*href)="{re.escape(ref)}"', html)
                continue
            assert not ref.startswith("/"), f"{page}: absolute path {ref}"
            target = (page.parent / ref.split("?")[0].split("#")[0]).resolve()
            assert target.exists(), f"{page}: broken link {ref}"


def test_images_are_left_out_without_the_flag(filled: Archive, tmp_path: Path) -> None:
    site = tmp_path / "site"
    publish(filled, site)
    for page in _pages(site):
        assert "<img" not in page.read_text("utf-8")


def test_images_flag_serves_captured_images_locally(filled: Archive, tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    a = filled.find(ARTICLES[1][0])
    assert a is not None
    url, outlet, title, paras = ARTICLES[1]
    paras = [*paras, "正文"]  # new text, so a new version with the new HTML
    img_html = (
        '<p>正文</p><img src="https://img.example.org/cap.png"><img src="https://x.example/no.png">'
    )
    filled.ingest(
        make_draft(1, url, outlet, title, paras, html=img_html),
        Capture(raw=b"v2", format="jekyll", location="g.md"),
    )
    # How collect stores a fetched image: a capture whose location is the image URL.
    filled.ingest(
        make_draft(1, url, outlet, title, paras, html=img_html),
        Capture(raw=png, format="http", location="https://img.example.org/cap.png"),
    )
    site = tmp_path / "site"
    publish(filled, site, PublishOptions(images=True))
    page = (site / f"a/{a.id // 1000}/{a.id}.html").read_text("utf-8")
    srcs = re.findall(r'<img[^>]*src="([^"]+)"', page)
    assert len(srcs) == 1 and srcs[0].startswith("../../media/")
    assert (site / "a" / "0" / srcs[0]).resolve().read_bytes() == png
    assert "x.example" not in page.split("<section")[0].split('class="body"')[1]


def test_republish_rewrites_only_what_changed(filled: Archive, tmp_path: Path) -> None:
    site = tmp_path / "site"
    publish(filled, site)
    again = publish(filled, site)
    assert again.written <= 1  # about.html carries the time of the run
    url = "https://www.dw.com/zh/new-article"
    filled.ingest(
        make_draft(2, url, "德国之声", "华为新闻 德国之声追踪", ["华为在欧洲的业务。"]),
        Capture(raw=b"new", format="jekyll", location="n.md"),
    )
    third = publish(filled, site)
    assert not third.search_full_rebuild and third.search_segments == 2
    assert 0 < third.written < 40, third
    new = filled.find(url)
    assert new is not None
    assert (site / f"a/0/{new.id}.html").is_file()
    idx = StaticIndex(site)
    assert any(r[1] == "华为新闻 德国之声追踪" for r in idx.search("华为新闻").results)
    # Removing an article removes its page and its search hits.
    filled.remove_article(new.id)
    publish(filled, site)
    assert not (site / f"a/0/{new.id}.html").exists()
    assert all(
        r[1] != "华为新闻 德国之声追踪" for r in StaticIndex(site).search("华为新闻").results
    )


def test_selection_by_outlet(filled: Archive, tmp_path: Path) -> None:
    site = tmp_path / "site"
    s = publish(filled, site, PublishOptions(selection=Selection(outlet="自由亚洲电台")))
    assert s.articles == 2
    assert [p.name for p in (site / "o").glob("*.html")] == ["rfa.html"]


def test_feeds_are_well_formed(filled: Archive, tmp_path: Path) -> None:
    import json
    import xml.etree.ElementTree as ET

    site = tmp_path / "site"
    publish(filled, site, PublishOptions(base_url="https://mirror.example.org/news/"))
    rss = ET.parse(site / "feeds/all.xml").getroot()
    items = rss.findall("./channel/item")
    assert len(items) == len(ARTICLES)
    assert all(
        i.findtext("link", "").startswith("https://mirror.example.org/news/a/") for i in items
    )
    atom = ET.parse(site / "feeds/o/rfa.atom").getroot()
    assert len(atom.findall("{http://www.w3.org/2005/Atom}entry")) == 2
    jf = json.loads((site / "feeds/all.json").read_text("utf-8"))
    assert jf["version"].endswith("1.1") and len(jf["items"]) == len(ARTICLES)


def test_selection_by_query_uses_the_search_engine(filled: Archive, tmp_path: Path) -> None:
    s = publish(filled, tmp_path / "site", PublishOptions(selection=Selection(query="国安法")))
    assert s.articles == 2  # the simplified and the traditional article on the law
