"""Feed items whose link is not an http(s) URL are dropped (issue #19, F11): a
full-text item becomes an article without its page being fetched, so its link would
become the article's URL as given."""

from __future__ import annotations

from newsarchive.collect.feeds import parse_feed


def test_feed_items_linking_to_other_schemes_are_dropped() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><title>bad</title><link>javascript:alert(1)</link>
      <description>%s</description></item>
    <item><title>data</title><link>data:text/html,x</link></item>
    <item><title>good</title><link>https://example.com/a.html</link></item>
    <item><title>relative</title><link>/b.html</link></item>
    </channel></rss>""" % (b"long text. " * 50)
    parsed = parse_feed(rss, "https://example.com/feed.xml")
    assert [item.url for item in parsed.items] == [
        "https://example.com/a.html",
        "https://example.com/b.html",
    ]


def test_json_feed_items_linking_to_other_schemes_are_dropped() -> None:
    doc = b"""{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [
      {"id": "1", "url": "javascript:alert(1)", "content_text": "x"},
      {"id": "2", "url": "https://example.com/a.html", "content_text": "x"}]}"""
    parsed = parse_feed(doc, "https://example.com/feed.json", "application/feed+json")
    assert [item.url for item in parsed.items] == ["https://example.com/a.html"]
