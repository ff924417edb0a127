"""Hostile feeds (issue #19, F9 and F10): XML entity declarations are refused by parsing
the prolog (defusedxml), however they are hidden from a pattern; a JSON Feed with fields
of the wrong type keeps every item it can read; absurd JSON nesting is refused with a
clear reason. In a fetch pass each bad feed ends with its own recorded error and the
other sources are collected."""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from newsarchive.archive import Archive
from newsarchive.collect import (
    FeedError,
    FetchSettings,
    add_source,
    fetch_errors,
    fetch_once,
    parse_feed,
)
from tests.collect import server as srv
from tests.collect.conftest import IGNORE_EXTRACT_DEPRECATION
from tests.collect.server import LocalServer

URL = "http://feed.example/feed.xml"


def _bomb(*, before: bytes = b"", doctype: bytes = b"DOCTYPE", in_subset: bytes = b"") -> bytes:
    """A 9-level billion-laughs RSS feed (10^9 'lol's once expanded)."""
    levels = b"".join(
        b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    return (
        b'<?xml version="1.0"?>\n'
        + before
        + b"<!"
        + doctype
        + b" lolz [\n"
        + in_subset
        + b' <!ENTITY lol "lol">\n'
        + levels
        + b']>\n<rss version="2.0"><channel><title>&lol9;</title>'
        b"<item><title>&lol9;</title><link>http://feed.example/1</link></item></channel></rss>"
    )


# Each of these got past the old check (a regular expression over the first 200,000
# characters); the last two then cost 3-5 s and 120-250 MB in expat before its
# amplification guard fired.
HIDDEN_BOMBS: dict[str, bytes] = {
    "bracket in a DTD comment": _bomb(in_subset=b"<!-- ] -->\n"),
    "250K characters before the DOCTYPE": _bomb(before=b"<!--" + b"x" * 250_000 + b"-->\n"),
    "element-like comment, bracket in the DTD": _bomb(
        before=b"<!-- <x -->\n", in_subset=b"<!-- ] -->\n"
    ),
    "element-like comment, 250K before": _bomb(before=b"<!-- <x " + b"y" * 250_000 + b"-->\n"),
    "parameter entities": (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p "<!ENTITY a \'b\'>"> %p;]>'
        b'<rss version="2.0"><channel><title>&a;</title></channel></rss>'
    ),
    "external entity": (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>&x;</title></channel></rss>'
    ),
}


def _measured(fn: Callable[[], Any]) -> tuple[Any, float, int]:
    """(result or exception, seconds, peak traced bytes)."""
    tracemalloc.start()
    t0 = time.monotonic()
    try:
        result: Any = fn()
    except Exception as exc:  # the caller checks what it got
        result = exc
    elapsed = time.monotonic() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, elapsed, peak


@pytest.mark.parametrize("name", list(HIDDEN_BOMBS))
def test_entity_declarations_are_refused_however_hidden(name: str) -> None:
    result, elapsed, peak = _measured(lambda: parse_feed(HIDDEN_BOMBS[name], URL))
    assert isinstance(result, FeedError), (name, result)
    assert str(result).startswith(f"refused {URL}: ")
    assert "declares XML entities" in str(result)
    assert elapsed < 0.5, elapsed
    assert peak < 8 << 20, peak


def test_a_lowercase_doctype_never_reaches_a_parser() -> None:
    """`<!doctype` is not XML: the prolog is not well-formed, so none of it is passed on
    (feedparser's own entity patterns and its expat pass never see the declarations);
    the items after it are salvaged and the problem is recorded."""
    for before in (b"", b"<!-- <x -->\n"):
        doc = _bomb(before=before, doctype=b"doctype")
        result, elapsed, peak = _measured(lambda d=doc: parse_feed(d, URL))  # type: ignore[misc]
        assert not isinstance(result, Exception), result
        assert [i.url for i in result.items] == ["http://feed.example/1"]
        assert all(len(i.title) < 20 for i in result.items)  # nothing expanded
        assert result.warning and "prolog ignored" in result.warning
        assert elapsed < 0.5 and peak < 8 << 20, (elapsed, peak)


def test_ordinary_prologs_are_read_as_before() -> None:
    """A stylesheet instruction, comments and an external DOCTYPE are not refused; junk
    before the XML declaration (a PHP warning) still leaves the items to salvage."""
    body = (
        '<rss version="2.0"><channel><title>t</title><link>http://x/</link>'
        "<item><title>标题</title><link>http://x/1</link></item></channel></rss>"
    )
    clean = (
        '<?xml version="1.0" encoding="gb2312"?>\n<?xml-stylesheet type="text/xsl" href="r.xsl"?>'
        "\n<!-- generator: <cms> 1.0 ] -->\n"
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        ' "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n' + body
    )
    parsed = parse_feed(clean.encode("gb18030"), URL, "application/xml; charset=gb2312")
    assert [(i.title, i.url) for i in parsed.items] == [("标题", "http://x/1")]
    assert parsed.warning is None and parsed.title == "t"
    junk = "<b>Warning</b>: mysql_connect() in /var/www/feed.php\n" + clean
    salvaged = parse_feed(junk.encode("gb18030"), URL, "application/xml; charset=gb2312")
    assert [i.title for i in salvaged.items] == ["标题"] and salvaged.warning


def _json(items: Any, **top: Any) -> bytes:
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "j", "items": items}
    return json.dumps(doc | top).encode()


def test_json_feed_fields_of_the_wrong_type_are_ignored_items_kept() -> None:
    items = [
        {"id": "1", "url": "http://x/1", "title": "one", "authors": 5},
        {"id": 2, "url": "http://x/2", "title": 7, "tags": "politics", "summary": ["s"]},
        7,
        {"url": ["http://x/no"], "external_url": "http://x/3", "content_html": {"a": 1}},
        {"url": "http://x/4", "author": "me", "date_published": 20200101, "content_text": 5},
        {"url": "http://x/5", "authors": [5, {"name": 3}, {"name": "记者"}], "tags": ["a", 1]},
        {"url": "http://x/6", "id": True, "date_modified": "2020-06-01T08:00:00Z"},
        {"url": "http://[oops", "title": "not a URL"},
        {"title": "no link (valid JSON Feed, nothing to fetch)"},
    ]
    parsed = parse_feed(_json(items), URL, "application/feed+json")
    assert [i.url for i in parsed.items] == [f"http://x/{n}" for n in range(1, 7)]
    one, two, three, four, five, six = parsed.items
    assert one.title == "one" and one.author is None and one.guid == "1"
    assert two.title == "" and two.tags == [] and two.summary_html == "" and two.guid == "2"
    assert three.content_html == "" and four.author is None and four.published is None
    assert five.author == "记者" and five.tags == ["a"]
    assert six.guid is None and six.updated is not None
    assert parsed.warning is not None
    assert "items[0].authors (number)" in parsed.warning
    assert "items[1].title (number)" in parsed.warning
    assert "more" in parsed.warning  # 16 fields ignored, the first five are named
    # The feed's own fields too.
    assert parse_feed(_json(5, title=["t"]), URL).items == []


def test_absurd_json_nesting_is_refused_quickly_in_little_memory() -> None:
    depth = 200_000
    for doc in (
        b'{"version": "https://jsonfeed.org/version/1.1", "items": ' + b"[" * depth,
        _json([{"url": "http://x/1", "_ext": "@"}]).replace(b'"@"', b"[" * depth + b"]" * depth),
    ):
        result, elapsed, peak = _measured(lambda d=doc: parse_feed(d, URL))  # type: ignore[misc]
        assert isinstance(result, FeedError), result
        assert str(result) == f"refused {URL}: JSON nested too deeply to be a feed"
        assert elapsed < 1 and peak < 16 << 20, (elapsed, peak)
    # Ordinary nesting in an extension field is no reason to refuse.
    deep_ext = _json([{"url": "http://x/1", "_ext": "@"}]).replace(b'"@"', b"[" * 50 + b"]" * 50)
    assert [i.url for i in parse_feed(deep_ext, URL).items] == ["http://x/1"]


@IGNORE_EXTRACT_DEPRECATION
def test_each_bad_feed_has_its_error_and_the_pass_goes_on(
    empty_archive: Archive, server: LocalServer, settings: FetchSettings
) -> None:
    articles = srv.load_articles()[:2]
    base = server.base
    r = server.routes
    for i, a in enumerate(articles):
        r[f"/p/{i}.html"] = srv.static(srv.article_page(a))
    r["/good.xml"] = srv.static(srv.rss2(base, articles, full=False, prefix="/p/"))
    typed = [
        {"url": f"{base}/p/{i}.html", "title": a["title"], "authors": 5, "tags": 3}
        for i, a in enumerate(articles)
    ]
    r["/typed.json"] = srv.static(_json(typed), "application/feed+json")
    r["/deep.json"] = srv.static(b'{"items": ' + b"[" * 200_000, "application/json")
    r["/comment-bomb.xml"] = srv.static(HIDDEN_BOMBS["bracket in a DTD comment"])
    r["/far-bomb.xml"] = srv.static(HIDDEN_BOMBS["element-like comment, 250K before"])
    expected = {
        "deep": "JSON nested too deeply",
        "commentbomb": "declares XML entities ('lol' in its DTD)",
        "farbomb": "declares XML entities ('lol' in its DTD)",
        "typed": "JSON Feed fields of the wrong type ignored: items[0].tags (number), items[0].a",
    }
    paths = {"deep": "/deep.json", "commentbomb": "/comment-bomb.xml"}
    paths |= {"farbomb": "/far-bomb.xml", "typed": "/typed.json", "good": "/good.xml"}
    for name, path in paths.items():
        add_source(empty_archive, name, base + path)

    t0 = time.monotonic()
    summary = fetch_once(empty_archive, settings=settings)
    assert time.monotonic() - t0 < 20
    for name, fragment in expected.items():
        errors = fetch_errors(empty_archive, name)
        assert len(errors) == 1 and fragment in errors[0]["reason"], (name, errors)
        assert errors[0]["url"] == base + paths[name]
    for name in ("deep", "commentbomb", "farbomb"):
        assert f"refused {base}{paths[name]}" in fetch_errors(empty_archive, name)[0]["reason"]
    assert not fetch_errors(empty_archive, "good")
    assert summary.errors == len(expected)
    # The typed feed's items were kept: both articles are in the archive.
    for i in range(len(articles)):
        assert empty_archive.find(f"{base}/p/{i}.html") is not None
