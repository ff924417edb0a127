"""Reading what a source serves: RSS 0.9x/1.0/2.0 and Atom (feedparser), JSON Feed
(parsed here: feedparser 6.0 does not read it) and listing pages (article links).

Hostile input is defused before any parser sees it: a document declaring XML entities
is refused outright (no real feed needs them, and expat's own billion-laughs guard
only fires after seconds of work), and the text is decoded by our charset rules
(encoding.py) and handed to feedparser as UTF-8.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.html

from newsarchive.collect.encoding import charset_from_content_type, decode_bytes, to_utf8_xml
from newsarchive.urls import http_url

MAX_LISTING_LINKS = 200
_ENTITY_DECL = re.compile(r"<!DOCTYPE[^\[>]*\[[^\]]*<!ENTITY", re.S)
_ARTICLE_PATH = re.compile(r"\d{4,}|/articles?/|\.s?html?$", re.I)


class FeedError(ValueError):
    """The body is not a feed we can read; the message says why."""


@dataclass(slots=True)
class FeedItem:
    url: str
    title: str = ""
    summary_html: str = ""
    content_html: str = ""
    published: datetime | None = None
    updated: datetime | None = None
    author: str | None = None
    tags: list[str] = field(default_factory=list)
    guid: str | None = None

    def fingerprint(self) -> str:
        """Changes when the item's content in the feed changes (then the page is
        fetched again)."""
        parts = [
            self.title,
            self.summary_html,
            self.content_html,
            self.updated.isoformat() if self.updated else "",
        ]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


@dataclass(slots=True)
class ParsedFeed:
    items: list[FeedItem]
    title: str = ""
    warning: str | None = None  # not well-formed, but items were salvaged


def parse_feed(raw: bytes, url: str, content_type: str = "") -> ParsedFeed:
    text, _codec = decode_bytes(raw, charset_from_content_type(content_type))
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise FeedError("empty response")
    if stripped.startswith("{") or "json" in content_type.lower():
        return _parse_json_feed(stripped, url)
    if _ENTITY_DECL.search(stripped[:200_000]):
        raise FeedError("refused: the document declares XML entities (entity-expansion bomb?)")
    parsed = feedparser.parse(
        to_utf8_xml(stripped),
        response_headers={
            "content-type": "application/xml; charset=utf-8",
            "content-location": url,
        },
        sanitize_html=False,  # we sanitize with our own allow-list (nh3)
        resolve_relative_uris=True,
    )
    items = [item for e in parsed.entries if (item := _from_entry(e, url)) is not None]
    warning = None
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        detail = f"{type(exc).__name__}: {exc}" if exc else "unknown problem"
        if not items:
            raise FeedError(f"not a readable feed ({detail})")
        warning = f"malformed feed, {len(items)} item(s) salvaged ({detail})"
    if not parsed.get("version") and not items:
        raise FeedError("not a feed (no RSS, Atom or JSON Feed structure found)")
    return ParsedFeed(items, str(parsed.feed.get("title", "")), warning)


def _struct_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _from_entry(e: Any, base: str) -> FeedItem | None:
    link = e.get("link") or ""
    guid = e.get("id") or None
    if not link and guid and str(guid).startswith(("http://", "https://")):
        link = guid
    url = http_url(urljoin(base, link.strip())) if link.strip() else None
    if url is None:
        return None  # no link, or a `javascript:`/`data:` one: no article to fetch or keep
    content = ""
    for c in e.get("content") or []:
        if len(c.get("value", "")) > len(content):
            content = c.get("value", "")
    return FeedItem(
        url=url,
        title=(e.get("title") or "").strip(),
        summary_html=e.get("summary") or "",
        content_html=content,
        # dict.get: FeedParserDict maps a missing updated_parsed to published_parsed
        # (with a DeprecationWarning); we want each date for what it is.
        published=_struct_time(dict.get(e, "published_parsed")),
        updated=_struct_time(dict.get(e, "updated_parsed")),
        author=e.get("author") or None,
        tags=[t["term"] for t in e.get("tags") or [] if t.get("term")],
        guid=str(guid) if guid else None,
    )


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        d = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def _parse_json_feed(text: str, url: str) -> ParsedFeed:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FeedError(f"not a readable JSON Feed ({exc})") from None
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise FeedError("JSON document is not a JSON Feed (no jsonfeed.org version)")
    items: list[FeedItem] = []
    for it in doc.get("items") or []:
        if not isinstance(it, dict):
            continue
        link = it.get("url") or it.get("external_url") or ""
        if not isinstance(link, str) or not link.strip():
            continue
        if (item_url := http_url(urljoin(url, link))) is None:
            continue  # a `javascript:`/`data:` link: no article to fetch or keep
        authors = it.get("authors") or ([it["author"]] if it.get("author") else [])
        author = next((a.get("name") for a in authors if isinstance(a, dict)), None)
        content = it.get("content_html") or ""
        if not content and it.get("content_text"):
            content = "".join(f"<p>{escape(p)}</p>" for p in str(it["content_text"]).split("\n\n"))
        items.append(
            FeedItem(
                url=item_url,
                title=str(it.get("title") or ""),
                summary_html=str(it.get("summary") or ""),
                content_html=str(content),
                published=_iso(it.get("date_published")),
                updated=_iso(it.get("date_modified")),
                author=author,
                tags=[str(t) for t in it.get("tags") or []],
                guid=str(it["id"]) if it.get("id") is not None else None,
            )
        )
    return ParsedFeed(items, str(doc.get("title") or ""))


def _site(host: str) -> str:
    return host.lower().removeprefix("www.").removeprefix("m.")


def listing_links(raw: bytes, url: str, content_type: str = "") -> ParsedFeed:
    """Article links of a listing page (a section front or home page): links on the
    same site whose path looks like an article (a long number, /article/, .html)."""
    text, _ = decode_bytes(raw, charset_from_content_type(content_type))
    if not text.strip():
        raise FeedError("empty listing page")
    try:
        doc = lxml.html.document_fromstring(text)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise FeedError(f"not a readable HTML page ({exc})") from None
    site = _site(urlsplit(url).hostname or "")
    seen: dict[str, FeedItem] = {}
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        link = urljoin(url, href).split("#", 1)[0]
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or _site(parts.hostname or "") != site:
            continue
        if link == url or not _ARTICLE_PATH.search(parts.path):
            continue
        if link not in seen:
            seen[link] = FeedItem(url=link, title=" ".join(a.text_content().split()))
        if len(seen) >= MAX_LISTING_LINKS:
            break
    if not seen:
        raise FeedError("listing page has no article links")
    return ParsedFeed(list(seen.values()), "")
