"""Fuzzing the feed parser: whatever a source serves, `parse_feed` and `listing_links`
return items or raise `FeedError` with a reason (the fetch pass records it and goes on
with the other sources); any other exception is a crash. One body costs at most FEED_MB.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive.collect.feeds import FeedError, FeedItem, ParsedFeed, listing_links, parse_feed
from tests.collect import server as srv

from .fuzzkit import encoded, examples, markup, memory_below, mutated, prose, urls

BASE = "http://127.0.0.1:8000"
# A 200-item feed with full texts (~2 MB) parses in ~30 MB (feedparser keeps several
# copies of each entry); the bodies here are smaller.
FEED_MB = 64
CONTENT_TYPES = [
    "application/rss+xml",
    "application/atom+xml; charset=gbk",
    "application/feed+json",
    "text/html; charset=big5",
    "text/xml; charset=bogus",
    "",
]

_ARTICLES = srv.load_articles()[:3]
REAL_FEEDS = [
    srv.rss2(BASE, _ARTICLES, full=True, prefix="/a/"),
    srv.atom(BASE, _ARTICLES, prefix="/b/"),
    srv.rdf(BASE, _ARTICLES, prefix="/c/"),
    srv.json_feed(BASE, _ARTICLES, prefix="/d/"),
    srv.MALFORMED,
]


def check_feed(raw: bytes, content_type: str, *, listing: bool = False) -> None:
    parse = listing_links if listing else parse_feed
    with memory_below(FEED_MB, lambda: f"{parse.__name__}({raw[:300]!r}..., {content_type!r})"):
        try:
            parsed = parse(raw, BASE + "/feed", content_type)
        except FeedError as exc:
            assert str(exc).strip(), "a FeedError must say why"
            return
    assert isinstance(parsed, ParsedFeed) and isinstance(parsed.title, str)
    for item in parsed.items:
        assert isinstance(item, FeedItem) and isinstance(item.url, str) and item.url
        assert isinstance(item.title, str) and isinstance(item.content_html, str)
        assert item.author is None or isinstance(item.author, str)
        assert all(isinstance(t, str) for t in item.tags)


# -- generated feeds ---------------------------------------------------------------------


def _maybe_escaped(text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Escaped as it should be, in CDATA, or raw (markup straight into the XML)."""
    return st.one_of(text.map(escape), text.map(lambda t: f"<![CDATA[{t}]]>"), text)


def _rss_item() -> st.SearchStrategy[str]:
    return st.builds(
        lambda title, link, date, desc, body, cats: (
            f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
            f"<pubDate>{date}</pubDate><description>{desc}</description>"
            f"<content:encoded>{body}</content:encoded>"
            + "".join(f"<category>{c}</category>" for c in cats)
            + "</item>"
        ),
        _maybe_escaped(prose(8)),
        _maybe_escaped(urls()),
        st.one_of(st.just("Fri, 04 Feb 2022 23:45:54 GMT"), st.just("Sat, 99 Zzz 0000"), prose(3)),
        _maybe_escaped(markup(10)),
        _maybe_escaped(markup(20)),
        st.lists(_maybe_escaped(prose(2)), max_size=3),
    )


def rss_feeds() -> st.SearchStrategy[str]:
    return st.builds(
        lambda decl, title, items: (
            decl
            + '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
            + f"<channel><title>{title}</title><link>{BASE}/</link>"
            + "".join(items)
            + "</channel></rss>"
        ),
        st.sampled_from(
            [
                '<?xml version="1.0" encoding="UTF-8"?>',
                '<?xml version="1.0" encoding="gb2312"?>',
                "<?xml version='1.1'?>",
                "",
                '<!DOCTYPE rss SYSTEM "http://127.0.0.1:1/dtd">',
            ]
        ),
        _maybe_escaped(prose(5)),
        st.lists(_rss_item(), max_size=5),
    )


def atom_feeds() -> st.SearchStrategy[str]:
    entry = st.builds(
        lambda id_, title, href, updated, summary, content: (
            f"<entry><id>{id_}</id><title type='html'>{title}</title>"
            f"<link rel='alternate' href='{href}'/><updated>{updated}</updated>"
            f"<summary>{summary}</summary><content type='html'>{content}</content></entry>"
        ),
        _maybe_escaped(urls()),
        _maybe_escaped(prose(6)),
        urls().map(lambda u: escape(u, quote=True)),
        st.one_of(st.just("2021-01-08T00:00:00Z"), st.just("2021-13-45T99:99:99"), prose(2)),
        _maybe_escaped(markup(10)),
        _maybe_escaped(markup(20)),
    )
    return st.lists(entry, max_size=5).map(
        lambda entries: (
            "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<title>atom</title><id>{BASE}/atom</id>" + "".join(entries) + "</feed>"
        )
    )


def _json_values() -> st.SearchStrategy[Any]:
    return st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | prose(4) | urls(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(prose(1), inner, max_size=3),
        max_leaves=8,
    )


def json_feeds() -> st.SearchStrategy[str]:
    """JSON Feed documents, their fields mostly well typed, sometimes any JSON value
    ("tags": 5, "authors": "x"): a wrong field is ignored, the item kept."""
    item = st.fixed_dictionaries(
        {},
        optional={
            "id": st.one_of(prose(2), st.integers()),
            "url": urls(),
            "external_url": urls(),
            "title": prose(6),
            "summary": prose(6),
            "content_html": markup(20),
            "content_text": prose(30),
            "date_published": st.one_of(
                st.just("2021-01-01T00:00:00Z"), st.just("2021-99-01"), prose(2)
            ),
            "date_modified": st.one_of(st.just("2021-01-02T00:00:00+08:00"), prose(2)),
            "authors": st.one_of(
                st.lists(st.fixed_dictionaries({"name": prose(2)}), max_size=2), _json_values()
            ),
            "tags": st.one_of(st.lists(prose(2), max_size=3), _json_values()),
        },
    )
    doc = st.fixed_dictionaries(
        {
            "version": st.sampled_from(
                ["https://jsonfeed.org/version/1.1", "https://jsonfeed.org/version/1", "2"]
            ),
            "items": st.lists(st.one_of(item, _json_values()), max_size=5),
        },
        optional={"title": prose(3)},
    )
    return doc.map(lambda d: json.dumps(d, ensure_ascii=False))


# -- the properties ------------------------------------------------------------------------


def test_fuzz_feeds_generated_feeds_give_items_or_a_reason() -> None:
    @examples(80)
    @given(
        raw=encoded(st.one_of(rss_feeds(), atom_feeds(), json_feeds())),
        content_type=st.sampled_from(CONTENT_TYPES),
    )
    def run(raw: bytes, content_type: str) -> None:
        check_feed(raw, content_type)

    run()


def test_fuzz_feeds_mutated_real_feeds_give_items_or_a_reason() -> None:
    @examples(80)
    @given(raw=mutated(REAL_FEEDS), content_type=st.sampled_from(CONTENT_TYPES))
    def run(raw: bytes, content_type: str) -> None:
        check_feed(raw, content_type)

    run()


def test_fuzz_feeds_arbitrary_bytes_give_items_or_a_reason() -> None:
    @examples(100)
    @given(raw=st.binary(max_size=2000), content_type=st.sampled_from(CONTENT_TYPES))
    def run(raw: bytes, content_type: str) -> None:
        check_feed(raw, content_type)

    run()


def test_fuzz_feeds_listing_pages_give_links_or_a_reason() -> None:
    @examples(60)
    @given(
        raw=encoded(markup(60)),
        content_type=st.sampled_from(CONTENT_TYPES),
    )
    def run(raw: bytes, content_type: str) -> None:
        check_feed(raw, content_type, listing=True)

    run()


# -- known crashes, narrowed out above -------------------------------------------------------

_JSON_FEED = '{"version": "https://jsonfeed.org/version/1.1", '
KNOWN_FEED_CRASHES = {
    # feedparser's fallback parser: chr(99999999) -> ValueError
    "charref-out-of-range": (
        b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><id>x</id>"
        b"<link href='http://127.0.0.1/a'/><content type='html'>&#99999999;"
        b"</content></entry></feed>",
        "application/atom+xml",
        False,
    ),
    # ... chr(0xD800).encode() -> UnicodeEncodeError
    "charref-surrogate": (
        b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><id>x</id>"
        b"<link href='http://127.0.0.1/a'/><content type='html'>&#xD800;"
        b"</content></entry></feed>",
        "application/atom+xml",
        False,
    ),
    "json-tags-not-a-list": (
        (_JSON_FEED + '"items": [{"url": "http://127.0.0.1/a", "tags": 5}]}').encode(),
        "application/feed+json",
        False,
    ),
    "json-items-not-a-list": (
        (_JSON_FEED + '"items": 5}').encode(),
        "application/feed+json",
        False,
    ),
    "json-author-name-not-a-string": (
        (
            _JSON_FEED + '"items": [{"url": "http://127.0.0.1/a", "authors": [{"name": 5}]}]}'
        ).encode(),
        "application/feed+json",
        False,
    ),
    "json-unclosed-ipv6-url": (
        (_JSON_FEED + '"items": [{"url": "http://[::1"}]}').encode(),
        "application/feed+json",
        False,
    ),
    "listing-unclosed-ipv6-link": (
        b"<a href='http://[::1/123456.html'>x</a><a href='/articles/1'>y</a>",
        "text/html",
        True,
    ),
}


@pytest.mark.parametrize("name", sorted(KNOWN_FEED_CRASHES))
def test_known_feed_crashes(name: str) -> None:
    """Each input once crashed the feed parser (found by the fuzzing above); now each
    gives its items or a reason."""
    raw, content_type, listing = KNOWN_FEED_CRASHES[name]
    check_feed(raw, content_type, listing=listing)
