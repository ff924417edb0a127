"""RSS 2.0, Atom 1.0 and JSON Feed 1.1 for one list of articles.

Feed readers need absolute links: with --base-url an item links to its page on the
published site; without one it links to the original article (its canonical URL is the
item's id in every case, so readers do not show an item twice after --base-url changes).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from newsarchive.publish.searchindex import safe_json


@dataclass(frozen=True, slots=True)
class FeedItem:
    id: str  # canonical URL of the article
    title: str
    link: str
    html: str  # sanitized
    published: datetime
    updated: datetime
    author: str | None


@dataclass(frozen=True, slots=True)
class FeedInfo:
    title: str
    link: str  # the HTML page this feed follows
    self_link: str  # the feed itself (without extension)
    description: str


def rss(info: FeedInfo, items: list[FeedItem]) -> str:
    rss_el = ET.Element("rss", version="2.0")
    ch = ET.SubElement(rss_el, "channel")
    ET.SubElement(ch, "title").text = info.title
    ET.SubElement(ch, "link").text = info.link
    ET.SubElement(ch, "description").text = info.description
    if items:
        ET.SubElement(ch, "lastBuildDate").text = format_datetime(items[0].updated)
    for it in items:
        el = ET.SubElement(ch, "item")
        ET.SubElement(el, "title").text = it.title
        ET.SubElement(el, "link").text = it.link
        ET.SubElement(el, "guid", isPermaLink="false").text = it.id
        ET.SubElement(el, "pubDate").text = format_datetime(it.published)
        if it.author:
            ET.SubElement(el, "category").text = it.author
        ET.SubElement(el, "description").text = it.html
    return _xml(rss_el)


def atom(info: FeedInfo, items: list[FeedItem]) -> str:
    ns = "http://www.w3.org/2005/Atom"
    feed = ET.Element("feed", xmlns=ns)
    ET.SubElement(feed, "title").text = info.title
    ET.SubElement(feed, "id").text = info.self_link + ".atom"
    ET.SubElement(feed, "link", rel="alternate", href=info.link)
    ET.SubElement(feed, "link", rel="self", href=info.self_link + ".atom")
    ET.SubElement(feed, "updated").text = (
        items[0].updated.isoformat() if items else "1970-01-01T00:00:00+00:00"
    )
    for it in items:
        e = ET.SubElement(feed, "entry")
        ET.SubElement(e, "title").text = it.title
        ET.SubElement(e, "id").text = it.id
        ET.SubElement(e, "link", rel="alternate", href=it.link)
        ET.SubElement(e, "published").text = it.published.isoformat()
        ET.SubElement(e, "updated").text = it.updated.isoformat()
        author = ET.SubElement(e, "author")
        ET.SubElement(author, "name").text = it.author or info.title
        ET.SubElement(e, "content", type="html").text = it.html
    return _xml(feed)


def json_feed(info: FeedInfo, items: list[FeedItem]) -> str:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": info.title,
        "home_page_url": info.link,
        "feed_url": info.self_link + ".json",
        "description": info.description,
        "items": [
            {
                "id": it.id,
                "url": it.link,
                "title": it.title,
                "content_html": it.html,
                "date_published": it.published.isoformat(),
                "date_modified": it.updated.isoformat(),
                **({"authors": [{"name": it.author}]} if it.author else {}),
            }
            for it in items
        ],
    }
    return safe_json(json.dumps(doc, ensure_ascii=False, indent=1))


def _xml(root: ET.Element) -> str:
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")
