"""One fetch pass against a live local server: well-behaved feeds in every format and
encoding collected in full, misbehaving sources each ending with a clear error within
its bound, memory bounded."""

from __future__ import annotations

import copy
import hashlib
import os
import re
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from newsarchive.archive import Archive, prepare_draft
from newsarchive.collect import (
    FetchSettings,
    add_source,
    fetch_errors,
    fetch_once,
    load_state,
    parse_feed,
)
from newsarchive.collect.extraction import Prepared, extract_for_item
from newsarchive.collect.feeds import FeedItem
from newsarchive.components import default_hooks
from newsarchive.extract import extract_page
from newsarchive.model import Draft
from newsarchive.urls import canonical_url
from tests.collect import server as srv
from tests.collect.conftest import IGNORE_EXTRACT_DEPRECATION
from tests.collect.server import LocalServer

pytestmark = IGNORE_EXTRACT_DEPRECATION
ARTICLES = srv.load_articles()

RECORDED_LEGACY = {"big5rec": "big5_sinica.edu.tw.xml", "gbrec": "gb2312_cnblog.org.xml"}

# source name -> (path, expected error fragment)
MISBEHAVING: dict[str, tuple[str, str]] = {
    "err500": ("/bad/500", "HTTP 500 after 2 attempt(s)"),
    "err429": ("/bad/429", "HTTP 429 (Retry-After 1s) after 2 attempt(s)"),
    "loop": ("/bad/loop-a", "redirect loop"),
    "endless": ("/bad/endless", "too large"),
    "trickle": ("/bad/trickle", "total timeout"),
    "slowheaders": ("/bad/slow-headers", "total timeout: no complete response after 4s"),
    "stall": ("/bad/stall", "timed out (ReadTimeout)"),
    "gzipbomb": ("/bad/gzip-bomb", "decompressed body exceeds cap"),
    "huge": ("/bad/huge", "response too large (200000000 bytes"),
    "hugechunked": ("/bad/huge-chunked", "response too large"),
    "malformed": ("/bad/malformed.xml", "not a readable feed"),
    "xmlbomb": ("/bad/entity-bomb.xml", "declares XML entities"),
    "feed404": ("/bad/missing.xml", "HTTP 404"),
}


def _encoded_feed(a: dict[str, Any], base: str, path: str, codec: str, label: str) -> bytes:
    """A full-text RSS feed of one real article in a legacy encoding."""
    doc = (
        f'<?xml version="1.0" encoding="{label}"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>{a['title']}</title><link>{base}{path}</link>"
        f"<description><![CDATA[{a['html']}]]></description></item></channel></rss>"
    )
    return doc.encode(codec, errors="xmlcharrefreplace")


def _setup(server: LocalServer, shared: Path) -> dict[str, str]:
    """Routes; returns source name -> feed URL of the well-behaved sources."""
    base = server.base
    r = server.routes

    def pages(req: srv.Request) -> None:
        n = int(re.sub(r"\D", "", req.path.rsplit("/", 1)[-1]) or 0)
        req.send_body(srv.article_page(ARTICLES[n % len(ARTICLES)]))

    for prefix in ("/a/", "/b/", "/c/", "/d/", "/e/", "/f/", "/g/", "/ext/"):
        server.prefix_routes[prefix] = pages
    good = {
        "rss2": "/feeds/rss2.xml",
        "atom": "/feeds/atom.xml",
        "rdf": "/feeds/rdf.xml",
        "jsonfeed": "/feeds/feed.json",
        "fulltext": "/feeds/full.xml",
        "listing": "/news/index.html",
        "gb2312": "/feeds/gb2312.xml",
        "big5": "/feeds/big5.xml",
        "liar": "/feeds/liar.xml",
        "cdt": "/recorded/cdt.xml",
    }
    r[good["rss2"]] = srv.gzipped(
        srv.rss2(base, ARTICLES, full=False, prefix="/a/"), "application/rss+xml"
    )
    r[good["atom"]] = srv.static(srv.atom(base, ARTICLES, "/b/"), "application/atom+xml")
    r[good["rdf"]] = srv.static(srv.rdf(base, ARTICLES, "/c/"), "application/rdf+xml")
    r[good["jsonfeed"]] = srv.static(srv.json_feed(base, ARTICLES, "/d/"), "application/feed+json")
    r[good["fulltext"]] = srv.static(srv.rss2(base, ARTICLES, full=True, prefix="/e/"))
    listing = "".join(
        f"<li><a href='/f/{i}.html'>{a['title']}</a></li>" for i, a in enumerate(ARTICLES)
    )
    r[good["listing"]] = srv.static(
        f"<html><body><nav><a href='/'>home</a><a href='/about'>about</a></nav>"
        f"<ul>{listing}</ul></body></html>".encode(),
        "text/html; charset=utf-8",
    )
    # GB2312-labelled feed with GBK-only characters (real GB2312 labels cover GBK), a
    # Big5-labelled one in HKSCS, and a "gb2312" feed that is really UTF-8.
    gb = {**ARTICLES[4], "title": ARTICLES[4]["title"] + "（朱镕基）"}
    r[good["gb2312"]] = srv.static(_encoded_feed(gb, base, "/g/4.html", "gbk", "gb2312"))
    big5 = {**ARTICLES[3], "title": ARTICLES[3]["title"] + "（香港）"}
    r[good["big5"]] = srv.static(_encoded_feed(big5, base, "/g/3.html", "big5hkscs", "big5"))
    r[good["liar"]] = srv.static(_encoded_feed(ARTICLES[6], base, "/g/6.html", "utf-8", "gb2312"))
    recorded = (shared / "corpus/web/rss/cdt_chinese_level2_2015-03-16.rss.xml").read_bytes()
    recorded = re.sub(rb"https://[a-z0-9]+\.cloudfront\.net", f"{base}/ext".encode(), recorded)
    r[good["cdt"]] = srv.static(recorded, "application/rss+xml; charset=UTF-8")
    # The recorded legacy-encoding feeds (Big5 Atom 0.3, GB2312 RSS), links made local.
    for name, file in RECORDED_LEGACY.items():
        raw = (shared / "corpus/web/encoding/feeds" / file).read_bytes()
        raw = re.sub(rb"http://www\.(sinica\.edu\.tw|cnblog\.org)", f"{base}/ext".encode(), raw)
        path = f"/recorded/{file}"
        r[path] = srv.static(raw, "text/xml")
        good[name] = path

    r["/bad/500"] = srv.always(500)
    r["/bad/429"] = srv.always(429, {"Retry-After": "1"})
    r["/bad/loop-a"] = srv.redirect("/bad/loop-b")
    r["/bad/loop-b"] = srv.redirect("/bad/loop-a")
    r["/bad/endless"] = srv.endless()
    r["/bad/trickle"] = srv.trickle(0.2)
    r["/bad/slow-headers"] = srv.slow_headers(0.2)
    r["/bad/stall"] = srv.stall(b"<?xml version='1.0'?><rss><channel>", 10)
    r["/bad/gzip-bomb"] = srv.gzip_bomb(64 << 20)
    r["/bad/huge"] = srv.huge(200_000_000, declare_length=True)
    r["/bad/huge-chunked"] = srv.huge(200_000_000, declare_length=False)
    r["/bad/malformed.xml"] = srv.static(srv.MALFORMED)
    r["/bad/entity-bomb.xml"] = srv.static(srv.ENTITY_BOMB)
    return {name: base + path for name, path in good.items()}


def _add_all(archive: Archive, server: LocalServer, good: dict[str, str]) -> None:
    for name, url in good.items():
        add_source(archive, name, url, "listing" if name == "listing" else "feed")
    for name, (path, _) in MISBEHAVING.items():
        add_source(archive, name, server.base + path)


def _titles(archive: Archive) -> set[str]:
    return {a.title for a in archive.iter_articles()}


def test_one_pass_collects_good_sources_and_bounds_bad_ones(
    empty_archive: Archive, server: LocalServer, shared: Path, settings: FetchSettings
) -> None:
    archive = empty_archive
    good = _setup(server, shared)
    _add_all(archive, server, good)
    t0 = time.monotonic()
    summary = fetch_once(archive, settings=settings)
    elapsed = time.monotonic() - t0

    assert summary.sources == len(good) + len(MISBEHAVING)
    # The slowest bad source ends at the 4 s total timeout; the rest is the good
    # sources' ~90 page extractions on a shared machine.
    assert elapsed < 30, elapsed

    for name, (_, fragment) in MISBEHAVING.items():
        errors = fetch_errors(archive, name)
        assert errors, f"no error recorded for {name}"
        assert fragment in errors[0]["reason"], (name, errors[0]["reason"])
        state = load_state(archive, name)
        assert state.error_streak == 1 and state.last_error
    assert load_state(archive, "err429").interval is not None

    # Every good source collected in full, with no error against it.
    for name in good:
        assert not fetch_errors(archive, name), (name, fetch_errors(archive, name))
        assert load_state(archive, name).last_success is not None
    titles = _titles(archive)
    for a in ARTICLES:
        assert a["title"].strip() in titles
    for path in ("/a/", "/b/", "/c/", "/d/", "/e/", "/f/"):
        for i in range(len(ARTICLES)):
            assert archive.find(f"{server.base}{path}{i}.html") is not None, (path, i)
    cdt = archive.find(
        f"{server.base}/ext/chinese/2015/03/"
        "%e4%b8%ad%e5%9b%bd%e5%86%9b%e7%bd%91-%e5%be%90%e6%89%8d%e5%8e%9a"
        "%e5%9c%a8%e7%97%85%e6%a6%bb%e4%b8%8a%e7%bb%93%e6%9d%9f%e4%ba%86"
        "%e5%8f%af%e6%82%b2%e5%8f%af%e8%80%bb%e4%b8%80%e7%94%9f/"
    )
    assert cdt is not None
    legacy_items = [
        parse_feed(_static_body(server, f"/recorded/{f}"), server.base).items
        for f in RECORDED_LEGACY.values()
    ]
    legacy_urls = {canonical_url(i.url) for items in legacy_items for i in items}
    assert summary.items == 8 * 6 + 3 + 15 + sum(len(items) for items in legacy_items)
    assert summary.new_articles == 8 * 6 + 3 + 15 + len(legacy_urls)
    sinica = legacy_items[0][0]
    assert sinica.title == "新年快樂"
    assert "新年快樂" in _all_titles(archive, sinica.url)  # the feed item's own version
    assert summary.errors == len(MISBEHAVING)

    # Full-text items: the feed item and the page are both captures.
    rec = archive.find(f"{server.base}/e/0.html")
    assert rec is not None
    formats = sorted(c["format"] for c in archive.captures(rec.id))
    assert formats == ["feed", "http"]
    http = next(c for c in archive.captures(rec.id) if c["format"] == "http")
    assert archive.raw(http["raw_sha256"]) == srv.article_page(ARTICLES[0])
    assert http["http_status"] == 200

    # Encodings: the feed's own version of the article carries the right characters.
    assert "（朱镕基）" in _all_titles(archive, server.base + "/g/4.html")
    assert "（香港）" in _all_titles(archive, server.base + "/g/3.html")
    assert ARTICLES[6]["title"] in _all_titles(archive, server.base + "/g/6.html")


def test_misbehaving_endpoints_stay_within_memory_bounds(
    empty_archive: Archive, server: LocalServer, shared: Path, settings: FetchSettings
) -> None:
    """The 200 MB pages, the endless body and the 64 MB gzip bomb together allocate
    no more than a few times the 2 MB response cap (Python allocations, traced)."""
    _setup(server, shared)
    for name, (path, _) in MISBEHAVING.items():
        add_source(empty_archive, name, server.base + path)
    tracemalloc.start()
    try:
        summary = fetch_once(empty_archive, settings=settings)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert summary.errors == len(MISBEHAVING)
    assert peak < 12 * settings.max_bytes, f"peak {peak / 1e6:.0f} MB"


def _all_titles(archive: Archive, url: str) -> str:
    rec = archive.find(url)
    assert rec is not None
    return " | ".join(v["title"] for v in archive.versions(rec.id))


def test_second_pass_is_conditional_and_adds_nothing(
    empty_archive: Archive, server: LocalServer, settings: FetchSettings
) -> None:
    archive = empty_archive
    feed = srv.rss2(server.base, ARTICLES, full=False, prefix="/a/")
    server.routes["/feed.xml"] = lambda req: req.send_cached(feed, "application/rss+xml", '"v1"')
    server.prefix_routes["/a/"] = lambda req: req.send_cached(
        srv.article_page(ARTICLES[int(req.path[3:-5])]), "text/html", f'"p{req.path}"'
    )
    add_source(archive, "feed", server.base + "/feed.xml")
    first = fetch_once(archive, settings=settings)
    assert first.new_articles == len(ARTICLES) and first.errors == 0
    counts = archive.counts()

    second = fetch_once(archive, settings=settings)
    sent = server.requests_to("/feed.xml")
    assert len(sent) == 2
    assert "If-None-Match" not in sent[0]
    assert sent[1]["If-None-Match"] == '"v1"'
    assert sent[1]["If-Modified-Since"] == "Mon, 16 Mar 2015 08:00:00 GMT"
    assert second.not_modified == 1
    assert (second.new_articles, second.new_versions, second.items, second.errors) == (0, 0, 0, 0)
    assert archive.counts() == counts


def test_changed_article_is_a_new_version_and_removed_one_is_marked_gone(
    empty_archive: Archive, server: LocalServer, settings: FetchSettings
) -> None:
    archive = empty_archive
    state = {"edition": 1}

    def feed(req: srv.Request) -> None:
        arts = [dict(a) for a in ARTICLES[:3]]
        if state["edition"] == 2:
            arts[0]["title"] += "（更新）"
            arts[1]["title"] += "（已删除）"
        req.send_cached(
            srv.rss2(server.base, arts, full=False, prefix="/a/"),
            "application/rss+xml",
            f'"e{state["edition"]}"',
        )

    def page(req: srv.Request) -> None:
        n = int(req.path[3:-5])
        a = dict(ARTICLES[n])
        if state["edition"] == 2 and n == 0:
            a["html"] += "<p>更正：本文已更新，补充了新的信息和当事人的回应。</p>"
            a["title"] += "（更新）"
        if state["edition"] == 2 and n == 1:
            req.send_body(b"gone", status=410)
            return
        req.send_body(srv.article_page(a))

    server.routes["/feed.xml"] = feed
    server.prefix_routes["/a/"] = page
    add_source(archive, "feed", server.base + "/feed.xml")
    first = fetch_once(archive, settings=settings)
    assert first.new_articles == 3

    state["edition"] = 2
    second = fetch_once(archive, settings=settings)
    assert second.new_versions == 1 and second.gone == 1 and second.errors == 0
    edited = archive.find(server.base + "/a/0.html")
    assert edited is not None and edited.version_count == 2
    assert "更正" in edited.text
    gone = archive.find(server.base + "/a/1.html")
    assert gone is not None and gone.gone_status == 410 and gone.gone_at is not None
    assert gone.text  # never deleted
    untouched = archive.find(server.base + "/a/2.html")
    assert untouched is not None and untouched.version_count == 1
    assert len(server.requests_to("/a/2.html")) == 1  # unchanged item: page not refetched


def test_unknown_source_is_a_clear_error(empty_archive: Archive) -> None:
    from newsarchive.collect import SourceError

    with pytest.raises(SourceError, match="no source named 'nope'"):
        fetch_once(empty_archive, source="nope")


def test_extraction_in_worker_processes(
    empty_archive: Archive, server: LocalServer, settings: FetchSettings
) -> None:
    """The default for real passes: pages extracted in a process pool (forkserver)."""
    server.routes["/feed.xml"] = srv.static(
        srv.rss2(server.base, ARTICLES[:3], full=False, prefix="/a/")
    )
    server.prefix_routes["/a/"] = lambda req: req.send_body(
        srv.article_page(ARTICLES[int(req.path[3:-5])])
    )
    add_source(empty_archive, "feed", server.base + "/feed.xml")
    pooled = FetchSettings(
        **{f: getattr(settings, f) for f in settings.__slots__} | {"extract_processes": 1}
    )
    summary = fetch_once(empty_archive, settings=pooled)
    assert (summary.new_articles, summary.errors) == (3, 0)
    rec = empty_archive.find(server.base + "/a/2.html")
    assert rec is not None and rec.title == ARTICLES[2]["title"].strip()
    assert rec.outlet and rec.text
    # The body was hashed and compressed in the worker: stored exactly as served.
    (capture,) = empty_archive.captures(rec.id)
    page = srv.article_page(ARTICLES[2])
    assert capture["raw_sha256"] == hashlib.sha256(page).hexdigest()
    assert empty_archive.raw(capture["raw_sha256"]) == page


def extract_or_die(raw: bytes, url: str) -> Draft:
    """Kills its worker process on page 1, as the OOM killer would (module level: the
    worker unpickles it by name)."""
    if url.endswith("/a/1.html"):
        os._exit(1)
    return extract_page(raw, url)


def test_a_dead_extraction_worker_loses_nothing(
    empty_archive: Archive, server: LocalServer, settings: FetchSettings
) -> None:
    """A worker that dies takes every page its pool held with it: those are tried again
    in a fresh pool, the killer is reported, and whatever still failed is fetched
    again by the next pass."""
    server.routes["/feed.xml"] = srv.static(
        srv.rss2(server.base, ARTICLES[:4], full=False, prefix="/a/")
    )
    server.prefix_routes["/a/"] = lambda req: req.send_body(
        srv.article_page(ARTICLES[int(req.path[3:-5])])
    )
    add_source(empty_archive, "feed", server.base + "/feed.xml")
    pooled = replace(settings, extract_processes=1)
    first = fetch_once(empty_archive, settings=pooled, extract=extract_or_die)
    assert first.new_articles + first.errors == 4 and first.errors >= 1
    reasons = {e["url"]: e["reason"] for e in fetch_errors(empty_archive, "feed")}
    assert "worker died" in reasons[server.base + "/a/1.html"]
    assert all("worker died" in r for r in reasons.values())
    second = fetch_once(empty_archive, settings=pooled)
    assert (second.new_articles, second.errors) == (4 - first.new_articles, 0)
    assert empty_archive.counts()["articles"] == 4


def test_failed_page_is_retried_next_pass_even_if_the_feed_is_unchanged(
    empty_archive: Archive, server: LocalServer, settings: FetchSettings
) -> None:
    feed = srv.rss2(server.base, ARTICLES[:2], full=False, prefix="/a/")
    server.routes["/feed.xml"] = lambda req: req.send_cached(feed, "application/rss+xml", '"1"')
    down = {"yes": True}

    def page(req: srv.Request) -> None:
        n = int(req.path[3:-5])
        if n == 1 and down["yes"]:
            req.send_body(b"forbidden", status=403)
        else:
            req.send_body(srv.article_page(ARTICLES[n]))

    server.prefix_routes["/a/"] = page
    add_source(empty_archive, "feed", server.base + "/feed.xml")
    first = fetch_once(empty_archive, settings=settings)
    assert (first.new_articles, first.errors) == (1, 1)
    assert "HTTP 403" in fetch_errors(empty_archive, "feed")[0]["reason"]
    down["yes"] = False
    second = fetch_once(empty_archive, settings=settings)
    assert "If-None-Match" not in server.requests_to("/feed.xml")[1]
    assert (second.new_articles, second.errors) == (1, 0)
    assert len(server.requests_to("/a/0.html")) == 1  # the stored one is not refetched


def _static_body(server: LocalServer, path: str) -> bytes:
    handler = server.routes[path]
    assert isinstance(handler, srv.static)
    return handler.body


def test_pages_are_completed_from_the_item_before_being_prepared() -> None:
    """Identity, content hash and index row are computed from the final fields: a title
    the page lacked comes from the feed item first."""
    item = FeedItem(url="https://www.rfa.org/mandarin/a.html", title="订阅里的标题", author="记者")

    def bare(raw: bytes, url: str) -> Draft:
        return Draft(title="", text="正文内容。" * 40, html="<p>正文内容。</p>", url=url)

    hooks = default_hooks()
    prepared = extract_for_item(b"<html></html>", item, None, bare, hooks)
    assert isinstance(prepared, Prepared)
    out = prepared.draft
    assert (out.title, out.author, out.outlet) == ("订阅里的标题", "记者", "自由亚洲电台")
    fresh = copy.deepcopy(out)
    fresh.derived.clear()
    assert prepare_draft(fresh, hooks).derived == out.derived
