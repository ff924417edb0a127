"""Reading what a source serves: RSS 0.9x/1.0/2.0 and Atom (feedparser), JSON Feed
(parsed here: feedparser 6.0 does not read it) and listing pages (article links).

Hostile input is defused before feedparser sees it. The text is decoded by our charset
rules (encoding.py) and its prolog (everything before the root element) is read by
defusedxml's expat parser: a document declaring XML entities or referring to external
ones is refused outright (no real feed needs them, and expat's own billion-laughs guard
only fires after seconds of work and hundreds of MB). feedparser then gets the document
from its root element on, after a fresh UTF-8 declaration: no DTD of the feed ever
reaches it, whatever a pattern would have missed (feedparser finds entity declarations
with regular expressions of its own, and fell back to expat with the rest).

A JSON Feed is read field by field: a field of the wrong type is ignored (and named in
the warning), the item is kept if it still has a link.
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
from defusedxml import DefusedXmlException, EntitiesForbidden
from defusedxml.ElementTree import DefusedXMLParser, ParseError

from newsarchive.collect.encoding import charset_from_content_type, decode_bytes, to_utf8_xml
from newsarchive.urls import http_url

MAX_LISTING_LINKS = 200
_XML_DECL = b'<?xml version="1.0" encoding="utf-8"?>\n'
_ELEMENT_START = re.compile(rb"<[A-Za-z_:]")
_PROLOG_CHUNK = 1 << 16
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


_CHARREF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,16})|([0-9]{1,20}));")


def _valid_charrefs(body: bytes) -> bytes:
    """Numeric character references that name no character (past U+10FFFF, or a
    surrogate) as U+FFFD. feedparser's fallback parser raises on them (ValueError,
    UnicodeEncodeError), which lost every item of a feed for one bad reference."""

    def fix(m: re.Match[bytes]) -> bytes:
        code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return b"&#xFFFD;"
        return m.group(0)

    return _CHARREF.sub(fix, body) if b"&#" in body else body


def parse_feed(raw: bytes, url: str, content_type: str = "") -> ParsedFeed:
    text, _codec = decode_bytes(raw, charset_from_content_type(content_type))
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise FeedError("empty response")
    if stripped.startswith("{") or "json" in content_type.lower():
        return _parse_json_feed(stripped, url)
    body, prolog_problem = _from_root_element(to_utf8_xml(stripped), url)
    parsed = feedparser.parse(
        _valid_charrefs(body),
        response_headers={
            "content-type": "application/xml; charset=utf-8",
            "content-location": url,
        },
        sanitize_html=False,  # we sanitize with our own allow-list (nh3)
        resolve_relative_uris=True,
    )
    items = [item for e in parsed.entries if (item := _from_entry(e, url)) is not None]
    problems = [prolog_problem] if prolog_problem else []
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        problems.append(f"{type(exc).__name__}: {exc}" if exc else "unknown problem")
    warning = None
    if problems:
        detail = "; ".join(problems)
        if not items:
            raise FeedError(f"not a readable feed ({detail})")
        warning = f"malformed feed, {len(items)} item(s) salvaged ({detail})"
    if not parsed.get("version") and not items:
        raise FeedError("not a feed (no RSS, Atom or JSON Feed structure found)")
    return ParsedFeed(items, str(parsed.feed.get("title", "")), warning)


class _RootReached(Exception):
    """The first start tag: nothing after it can declare an entity."""


class _Prolog:
    """ElementTree parser target noting where the root element starts."""

    def __init__(self) -> None:
        self.parser: DefusedXMLParser | None = None
        self.root_at = -1

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        assert self.parser is not None
        # The pure-Python XMLParser (which defusedxml extends) exposes its expat parser.
        self.root_at = self.parser.parser.CurrentByteIndex
        raise _RootReached


def _from_root_element(data: bytes, url: str) -> tuple[bytes, str | None]:
    """`data` (UTF-8) from its root element on, behind a fresh XML declaration, and what
    was wrong with the prolog if it was not well-formed.

    The prolog is parsed by expat under defusedxml: an entity declaration or an external
    reference raises at once, before anything is expanded. Whatever the outcome, the
    prolog (DTD included) is not passed on, so no entity declared in it can be expanded
    by feedparser's strict (expat) or loose parser. Only the prolog is parsed: the cost
    is one pass of C over the bytes before the first element."""
    target = _Prolog()
    parser = DefusedXMLParser(target=target, encoding="utf-8")
    target.parser = parser
    try:
        for i in range(0, len(data), _PROLOG_CHUNK):
            parser.feed(data[i : i + _PROLOG_CHUNK])
        parser.close()
    except _RootReached:
        return _XML_DECL + data[target.root_at :], None
    except EntitiesForbidden as exc:
        raise FeedError(
            f"refused {url}: the document declares XML entities ({exc.name!r} in its DTD);"
            " no real feed needs them (entity-expansion bomb?)"
        ) from None
    except DefusedXmlException as exc:  # an external reference, a forbidden DTD
        raise FeedError(f"refused {url}: {type(exc).__name__}: {exc}") from None
    except ParseError as exc:
        # Not well-formed before (or without) a root element: keep nothing of the
        # prolog, the rest may still be salvaged.
        start = _ELEMENT_START.search(data)
        body = _XML_DECL + data[start.start() :] if start else b""
        return body, f"not well-formed XML before the root element, prolog ignored ({exc})"
    return b"", "no root element"


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
    try:
        url = http_url(urljoin(base, link.strip())) if link.strip() else None
    except ValueError:  # e.g. "http://[::1": not a URL at all
        return None
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


class _Fields:
    """The fields of one JSON object that have the type JSON Feed gives them; a field
    of another type is left out and named in `ignored` (the rest of the item is kept)."""

    def __init__(self, obj: dict[str, Any], where: str, ignored: list[str]) -> None:
        self.obj, self.where, self.ignored = obj, where, ignored

    def get(self, key: str, kind: type | tuple[type, ...]) -> Any:
        value = self.obj.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, kind):
            self.ignored.append(f"{self.where}.{key} ({_json_type(value)})")
            return None
        return value

    def text(self, key: str) -> str:
        return self.get(key, str) or ""


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    return {dict: "object", list: "array", str: "string", int: "number", float: "number"}.get(
        type(value), type(value).__name__
    )


def _json_author(f: _Fields) -> str | None:
    authors = f.get("authors", list)  # JSON Feed 1.1
    if authors is None:
        author = f.get("author", dict)  # 1.0
        authors = [author] if author else []
    for n, a in enumerate(authors):
        if not isinstance(a, dict):
            f.ignored.append(f"{f.where}.authors[{n}] ({_json_type(a)})")
            continue
        name = _Fields(a, f"{f.where}.authors[{n}]", f.ignored).text("name")
        if name:
            return name
    return None


def _json_item(f: _Fields, base: str) -> FeedItem | None:
    link = f.text("url") or f.text("external_url")
    if not link:
        return None  # an item without a link cannot be fetched or stored (valid in 1.1)
    try:
        absolute = http_url(urljoin(base, link.strip()))
    except ValueError:  # e.g. "http://[" : not a URL at all
        f.ignored.append(f"{f.where}.url (not a URL)")
        return None
    if absolute is None:
        return None  # a `javascript:`/`data:` link: no article to fetch or keep
    link = absolute
    content = f.text("content_html")
    text = f.text("content_text")
    if not content and text:
        content = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n"))
    tags = f.get("tags", list) or []
    ident = f.get("id", (str, int, float))
    return FeedItem(
        url=link,
        title=f.text("title"),
        summary_html=f.text("summary"),
        content_html=content,
        published=_iso(f.text("date_published")),
        updated=_iso(f.text("date_modified")),
        author=_json_author(f),
        tags=[t for t in tags if isinstance(t, str)],
        guid=str(ident) if ident is not None else None,
    )


def _parse_json_feed(text: str, url: str) -> ParsedFeed:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FeedError(f"not a readable JSON Feed ({exc})") from None
    except RecursionError:
        # json's C scanner stops at the interpreter's recursion limit (~1,000 levels)
        # long before memory matters; no feed nests more than a few levels.
        raise FeedError(f"refused {url}: JSON nested too deeply to be a feed") from None
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise FeedError("JSON document is not a JSON Feed (no jsonfeed.org version)")
    ignored: list[str] = []
    top = _Fields(doc, "feed", ignored)
    items: list[FeedItem] = []
    for n, it in enumerate(top.get("items", list) or []):
        if not isinstance(it, dict):
            ignored.append(f"items[{n}] ({_json_type(it)})")
            continue
        item = _json_item(_Fields(it, f"items[{n}]", ignored), url)
        if item is not None:
            items.append(item)
    warning = None
    if ignored:
        shown = ", ".join(ignored[:5]) + (
            f" and {len(ignored) - 5} more" if len(ignored) > 5 else ""
        )
        warning = f"JSON Feed fields of the wrong type ignored: {shown}"
    return ParsedFeed(items, top.text("title"), warning)


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
        try:
            link = urljoin(url, href).split("#", 1)[0]
            parts = urlsplit(link)
        except ValueError:  # e.g. "http://[::1/x": not a URL at all
            continue
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
