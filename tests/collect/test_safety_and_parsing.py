"""Address safety, charset rules, feed formats and hostile XML, schedule arithmetic."""

from __future__ import annotations

import ipaddress
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsarchive.archive import Archive
from newsarchive.collect import (
    FeedError,
    FetchSettings,
    add_source,
    fetch_errors,
    fetch_once,
    safety,
)
from newsarchive.collect.encoding import decode_bytes, normalize_charset
from newsarchive.collect.feeds import listing_links, parse_feed
from newsarchive.collect.http import Fetcher, FetchError, parse_retry_after
from newsarchive.collect.schedule import plan_next
from newsarchive.collect.settings import SettingsError
from newsarchive.collect.sources import SourceState, list_sources, remove_source
from tests.collect import server as srv
from tests.collect.server import LocalServer

# -- address safety ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("http://127.0.0.1:8080/admin", "loopback"),
        ("http://10.1.2.3/", "private"),
        ("http://192.168.0.1/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://224.0.0.1/", "multicast"),
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://100.64.0.1/", "non-global"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://240.0.0.1/", "reserved"),
    ],
)
def test_private_addresses_are_refused(
    monkeypatch: pytest.MonkeyPatch, url: str, label: str
) -> None:
    monkeypatch.delenv(safety.ALLOW_ENV, raising=False)
    with pytest.raises(safety.UnsafeURLError, match=label):
        safety.check_url(url)


def test_names_are_resolved_before_fetching(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(safety.ALLOW_ENV, raising=False)
    monkeypatch.setattr(safety, "resolve", lambda host, port: [ipaddress.ip_address("10.0.0.7")])
    with pytest.raises(safety.UnsafeURLError, match=r"intranet\.example resolves to private"):
        safety.check_url("https://intranet.example/feed")
    with pytest.raises(safety.UnsafeURLError, match="only http and https"):
        safety.check_url("file:///etc/passwd")


def test_fetch_refuses_loopback_without_the_override(
    monkeypatch: pytest.MonkeyPatch,
    server: LocalServer,
    empty_archive: Archive,
    settings: FetchSettings,
) -> None:
    monkeypatch.delenv(safety.ALLOW_ENV, raising=False)
    server.routes["/feed.xml"] = srv.static(b"<rss/>")
    add_source(empty_archive, "local", server.base + "/feed.xml")
    summary = fetch_once(empty_archive, settings=settings)
    assert summary.errors == 1
    assert "loopback address 127.0.0.1; refused" in fetch_errors(empty_archive)[0]["reason"]
    assert server.log == []  # nothing was sent


def test_redirect_to_a_private_address_is_refused(
    monkeypatch: pytest.MonkeyPatch, server: LocalServer, settings: FetchSettings
) -> None:
    """The first hop (`localhost`) is treated as public here; its redirect to
    127.0.0.1 is checked again and refused before it is followed."""
    from newsarchive.collect import http

    monkeypatch.delenv(safety.ALLOW_ENV, raising=False)
    real_check = http.check_url

    def check(url: str, **kw: bool) -> None:
        if "//localhost:" not in url:
            real_check(url, **kw)

    monkeypatch.setattr(http, "check_url", check)
    monkeypatch.setattr(http, "pinned_address", lambda host, port, **kw: "127.0.0.1")
    server.routes["/start"] = srv.redirect(server.base + "/admin")
    server.routes["/admin"] = srv.static(b"secret")
    port = server.server_address[1]
    with Fetcher(settings) as fetcher, pytest.raises(FetchError, match="loopback"):
        fetcher.get(f"http://localhost:{port}/start")
    assert [p for p, _ in server.log] == ["/start"]


def test_connections_go_to_the_checked_address(
    monkeypatch: pytest.MonkeyPatch, server: LocalServer, settings: FetchSettings
) -> None:
    """The name is resolved once, by us; the connection uses that address. The system
    resolver has never heard of `pinned.invalid`, so success proves the pinning (and
    a rebinding DNS server gets no second question)."""
    asked: list[str] = []

    def fake(host: str, port: int) -> list[safety.IPAddress]:
        asked.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(safety, "resolve", fake)
    server.routes["/pinned"] = srv.static(b"pinned", "text/plain")
    port = server.server_address[1]
    with Fetcher(settings) as fetcher:
        assert fetcher.guarded
        resp = fetcher.get(f"http://pinned.invalid:{port}/pinned")
    assert resp.body == b"pinned"
    assert asked == ["pinned.invalid"]  # once, at connect (the pre-check is skipped when allowed)
    assert server.log[0][1]["Host"] == f"pinned.invalid:{port}"


def test_dns_rebinding_is_caught_at_connect(
    monkeypatch: pytest.MonkeyPatch, server: LocalServer, settings: FetchSettings
) -> None:
    """A resolver answering "public" to the check and "loopback" to the connection.
    With the DNS cache off (with it on, the connection reuses the checked answer and the
    resolver gets no second question: test_resolutions_are_cached_but_always_checked)."""
    monkeypatch.delenv(safety.ALLOW_ENV, raising=False)
    answers = iter(["93.184.216.34", "127.0.0.1"])
    monkeypatch.setattr(safety, "resolve", lambda host, port: [ipaddress.ip_address(next(answers))])
    port = server.server_address[1]
    uncached = replace(settings, dns_cache_ttl=0)
    with Fetcher(uncached) as fetcher, pytest.raises(FetchError, match="loopback"):
        fetcher.get(f"http://rebind.invalid:{port}/")
    assert server.log == []


def test_resolutions_are_cached_but_always_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(safety.ALLOW_ENV, raising=False)
    asked: list[str] = []
    answer = {"ip": "93.184.216.34"}

    def fake(host: str, port: int) -> list[safety.IPAddress]:
        asked.append(host)
        return [ipaddress.ip_address(answer["ip"])]

    monkeypatch.setattr(safety, "resolve", fake)
    cached = safety.CachedResolver(ttl=60)
    for _ in range(3):
        safety.check_url("https://news.example/a", resolver=cached)
    assert safety.pinned_address("news.example", 443, resolver=cached) == "93.184.216.34"
    assert asked == ["news.example"]  # one question for three checks and a connection
    # A cached private answer is refused on every hop, not just the first.
    answer["ip"] = "10.1.2.3"
    for _ in range(2):
        with pytest.raises(safety.UnsafeURLError, match="private"):
            safety.check_url("https://intranet.example/", resolver=cached)
    assert asked == ["news.example", "intranet.example"]
    # Expired answers are asked again.
    expired = safety.CachedResolver(ttl=0)
    expired("news.example", 443)
    expired("news.example", 443)
    assert asked[-2:] == ["news.example", "news.example"]


# -- HTTP details -------------------------------------------------------------------------


def test_retry_after_forms() -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Mon, 01 Jan 2024 00:00:30 GMT", now) == 30.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_user_agent_and_retry_after_honoured(server: LocalServer, settings: FetchSettings) -> None:
    calls: list[float] = []

    def flaky(req: srv.Request) -> None:
        calls.append(time.monotonic())
        if len(calls) == 1:
            req.send_body(b"busy", status=503, headers={"Retry-After": "1"})
        else:
            req.send_body(b"ok")

    server.routes["/flaky"] = flaky
    custom = FetchSettings(**{**_fields(settings), "user_agent": "TestAgent/1.0"})
    with Fetcher(custom) as fetcher:
        resp = fetcher.get(server.base + "/flaky")
    assert resp.status == 200 and resp.body == b"ok"
    assert calls[1] - calls[0] >= 0.95
    assert server.log[0][1]["User-Agent"] == "TestAgent/1.0"


def _fields(s: FetchSettings) -> dict[str, object]:
    return {f: getattr(s, f) for f in s.__slots__}


def test_settings_from_environment() -> None:
    env = {"NEWSARCHIVE_PROXY": "socks5h://127.0.0.1:9050", "NEWSARCHIVE_HOST_RATE": "0.5"}
    s = FetchSettings.from_env(env, workers=3)
    assert (s.proxy, s.host_rate, s.workers) == ("socks5h://127.0.0.1:9050", 0.5, 3)
    with pytest.raises(SettingsError, match="NEWSARCHIVE_WORKERS='many'"):
        FetchSettings.from_env({"NEWSARCHIVE_WORKERS": "many"})
    with pytest.raises(SettingsError, match="proxy 'ftp://x'"):
        FetchSettings.from_env({}, proxy="ftp://x")


# -- encodings ----------------------------------------------------------------------------


def test_charset_rules(shared: Path) -> None:
    enc = shared / "corpus/web/encoding/html"
    liar = (enc / "declared_gb2312_but_utf8_yesky_blog.html").read_bytes()
    assert decode_bytes(liar)[1] == "utf-8"
    gbk = (enc / "gbk_163com_2004_article.html").read_bytes()
    text, codec = decode_bytes(gbk)
    assert codec == "gb18030"
    expected = (enc / "gbk_163com_2004_article.cleaned.txt").read_text("utf-8")
    assert expected.strip().splitlines()[0].strip()[:10] in text
    text, _ = decode_bytes((enc / "undeclared_gb_myrice_2001.html").read_bytes())
    assert "\ufffd" not in text[:2000]
    assert normalize_charset("GB2312") == "gb18030"
    assert normalize_charset("big5") == "big5hkscs"
    assert normalize_charset("x-unknown") is None


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("gb2312_cnblog.org.xml", "Picostation的PicoBlog"),
        ("big5_sinica.edu.tw.xml", "新年快樂"),
        ("big5_ebao.us.xml", "新年快樂"),
    ],
)
def test_recorded_legacy_feeds(shared: Path, name: str, title: str) -> None:
    parsed = parse_feed((shared / "corpus/web/encoding/feeds" / name).read_bytes(), "http://x/")
    assert parsed.items[0].title.startswith(title)
    assert parsed.warning is None


# -- feed formats and hostile XML -----------------------------------------------------------


def test_recorded_feeds_in_three_formats(shared: Path) -> None:
    rss = shared / "corpus/web/rss"
    atom = parse_feed((rss / "bbc_zhongwen_simp_index_2015-03-16.atom.xml").read_bytes(), "x")
    assert len(atom.items) == 66 and atom.items[0].title.startswith("萨达姆之墓")
    assert atom.items[0].published == datetime(2015, 3, 16, 7, 32, 23, tzinfo=UTC)
    rdf = parse_feed((rss / "dw_chi_all_2015-03-16.rdf.xml").read_bytes(), "x")
    assert len(rdf.items) == 85 and "/a-18317568" in rdf.items[0].url
    cdt = parse_feed((rss / "cdt_chinese_level2_2015-03-16.rss.xml").read_bytes(), "x")
    assert len(cdt.items) == 15 and len(cdt.items[0].content_html) > 5000


def test_entity_bomb_is_refused_fast() -> None:
    t0 = time.monotonic()
    with pytest.raises(FeedError, match="declares XML entities"):
        parse_feed(srv.ENTITY_BOMB, "http://x/")
    assert time.monotonic() - t0 < 0.5


def test_not_a_feed() -> None:
    with pytest.raises(FeedError, match=r"not a readable feed|not a feed"):
        parse_feed(b"<html><body>hello</body></html>", "http://x/")
    with pytest.raises(FeedError, match="not a JSON Feed"):
        parse_feed(b'{"hello": 1}', "http://x/", "application/json")
    with pytest.raises(FeedError, match="empty"):
        parse_feed(b"  ", "http://x/")


def test_listing_pages_of_real_outlets(shared: Path) -> None:
    html = shared / "corpus/web/html"
    bbc = listing_links(
        (html / "bbc/radarflow_listing_bbc_zhongwen.html").read_bytes(),
        "https://www.bbc.com/zhongwen/simp",
    )
    articles = [i for i in bbc.items if i.url.startswith("https://www.bbc.com/zhongwen/articles/")]
    # Only the footer's three "institutional-<id>" pages look like articles and are not.
    assert len(articles) >= 38 and len(bbc.items) - len(articles) <= 3
    rfi = listing_links(
        (html / "rfi/radarflow_listing_rfi_home.html").read_bytes(), "https://www.rfi.fr/cn/"
    )
    assert len(rfi.items) > 20 and all("/cn/" in i.url for i in rfi.items)


# -- schedule -------------------------------------------------------------------------------


def test_schedule_adapts_within_bounds() -> None:
    s = FetchSettings(min_interval=300, max_interval=3600)
    now = datetime(2024, 1, 1, tzinfo=UTC)
    st = SourceState("x")
    # First pass: 5 items published 20 minutes apart → poll every 20 minutes.
    pub = [now - timedelta(minutes=20 * i) for i in range(5)]
    plan_next(st, s, now, ok=True, new_items=5, published=pub)
    assert st.interval == 1200 and st.next_due == now + timedelta(seconds=1200)
    # Nothing new: back off by half each time, up to the maximum.
    for _ in range(10):
        plan_next(st, s, now, ok=True, new_items=0)
    assert st.interval == 3600
    # A busy source is polled at most every min_interval.
    later = now + timedelta(minutes=1)
    plan_next(st, s, later, ok=True, new_items=30)
    assert st.interval is not None and 300 <= st.interval < 3600
    # Errors back off exponentially; Retry-After wins when longer.
    plan_next(st, s, later, ok=False)
    plan_next(st, s, later, ok=False, retry_after=7200)
    assert st.error_streak == 2 and st.interval == 7200


def test_removed_builtin_source_stays_removed(archive: Archive) -> None:
    names = {s.name for s in list_sources(archive)}
    assert {"epochtimes", "voa", "rfa", "dw", "rfi", "bbc", "secretchina", "cdt"} <= names
    assert remove_source(archive, "voa")
    assert "voa" not in {s.name for s in list_sources(archive)}
    assert not remove_source(archive, "voa")
    epoch = next(s for s in list_sources(archive) if s.name == "epochtimes")
    assert epoch.url == "https://www.epochtimes.com/gb/nsc413.xml" and epoch.outlet == "大纪元"


def test_requests_go_through_the_configured_proxy(
    monkeypatch: pytest.MonkeyPatch, server: LocalServer, settings: FetchSettings
) -> None:
    """An HTTP proxy receives the absolute URL; a name the local resolver cannot resolve
    (a censoring resolver) is left to the proxy."""
    monkeypatch.delenv(safety.ALLOW_ENV, raising=False)
    server.prefix_routes["http://news.invalid/"] = srv.static(b"via proxy", "text/plain")
    proxied = FetchSettings(
        **{f: getattr(settings, f) for f in settings.__slots__} | {"proxy": server.base}
    )
    with Fetcher(proxied) as fetcher:
        resp = fetcher.get("http://news.invalid/feed.xml")
    assert resp.body == b"via proxy"
    assert server.log[0][0] == "http://news.invalid/feed.xml"


def test_rss_091_with_an_external_doctype_is_read() -> None:
    """A DOCTYPE without an internal subset (RSS 0.91's Netscape DTD) is not a bomb."""
    doc = (
        b'<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        b'"http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
        b'<rss version="0.91"><channel><title>t</title><link>http://x/</link>'
        b"<description>d</description><language>en</language>"
        b"<item><title>Caf\xe9</title><link>http://x/1</link></item></channel></rss>"
    )
    parsed = parse_feed(doc, "http://x/")
    assert [(i.title, i.url) for i in parsed.items] == [("Café", "http://x/1")]


def test_socks_proxy_is_accepted() -> None:
    """httpx needs the socksio extra for socks5/socks5h; without it this raises."""
    socks = FetchSettings.from_env({"NEWSARCHIVE_PROXY": "socks5h://127.0.0.1:9050"})
    with Fetcher(socks) as fetcher:
        assert fetcher.client("news.invalid") is not None
