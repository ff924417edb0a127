"""Making archive content safe and readable in a page.

Everything here runs at render time even though the archive stores sanitized HTML:
an archive may have been written by an older version, another tool, or a bug, and a
page must never depend on that (defence in depth). Strings that reach a template as
`Markup` went through `nh3` here; every other value is escaped by Jinja. Script
conversion happens before sanitizing, so what is sanitized is exactly what is sent.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import nh3
from markupsafe import Markup

from newsarchive.archive import CaptureRow
from newsarchive.extract.sanitize import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    DROP_WITH_CONTENT,
    URL_SCHEMES,
)
from newsarchive.text.script import to_simplified, to_traditional
from newsarchive.urls import canonical_url

DisplayScript = Literal["original", "simplified", "traditional"]
SCRIPTS: tuple[DisplayScript, ...] = ("original", "simplified", "traditional")

# The article body shows no <img>: the page's CSP forbids loading anything from another
# host (a reader's visit must not be reported to an outlet, a CDN or an image proxy), so
# images are listed separately as captioned links to the original.
_BODY_TAGS = ALLOWED_TAGS - {"img", "picture"}
_BODY_ATTRIBUTES = {k: v for k, v in ALLOWED_ATTRIBUTES.items() if k in _BODY_TAGS}


def article_body(html: str) -> Markup:
    """Article HTML as it may appear in a page."""
    return Markup(
        nh3.clean(
            html,
            tags=_BODY_TAGS,
            attributes=_BODY_ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
            strip_comments=True,
            clean_content_tags=DROP_WITH_CONTENT,
        )
    )


def marked(fragment: str) -> Markup:
    """A search snippet or highlighted title: text with `<mark>` only."""
    return Markup(nh3.clean(fragment, tags={"mark"}, attributes={}, strip_comments=True))


def diff_fragment(fragment: str) -> Markup:
    """`newsarchive.diff.diff_html` output: paragraphs with ins/del, classes only."""
    return Markup(
        nh3.clean(
            fragment,
            tags={"p", "ins", "del"},
            attributes={"p": {"class"}},
            strip_comments=True,
        )
    )


def safe_href(url: str | None) -> str | None:
    """The URL if a browser may follow it (http/https), else None: an archived
    `javascript:` or `data:` "source URL" is shown as text, never as a link."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


class Display:
    """The reader's chosen script. `original` shows each article in its own script."""

    def __init__(self, script: DisplayScript = "original") -> None:
        self.script = script
        self._convert = {
            "original": None,
            "simplified": to_simplified,
            "traditional": to_traditional,
        }[script]

    def text(self, value: str | None) -> str:
        if not value:
            return ""
        return self._convert(value) if self._convert else value


def parse_script(value: str | None) -> DisplayScript | None:
    for script in SCRIPTS:
        if value == script:
            return script
    return None


# Every date on a page is shown in one zone, stated in the footer: the home page showed
# a source's own offset (+08:00) and the outlets page UTC, so one article's day differed
# between them. The archive is of Chinese-language journalism: Beijing time by default.
DEFAULT_TIME_ZONE = "Asia/Shanghai"


@cache
def display_zone() -> ZoneInfo:
    """`$NEWSARCHIVE_TIMEZONE` (an IANA name), else Asia/Shanghai. An unknown name falls
    back to the default rather than failing every page."""
    name = os.environ.get("NEWSARCHIVE_TIMEZONE") or DEFAULT_TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def zone_label() -> str:
    """The display zone as the footer states it, e.g. "Asia/Shanghai (UTC+08:00)"."""
    zone = display_zone()
    offset = datetime.now(zone).strftime("%z")
    return f"{zone.key} (UTC{offset[:3]}:{offset[3:]})"


def fmt_date(value: datetime | str | None, *, time: bool = False) -> str:
    """A date (or date and time) in the display zone; a naive value is taken as UTC."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        when = value
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(display_zone())
    return when.strftime("%Y-%m-%d %H:%M" if time else "%Y-%m-%d")


def source_link(canonical: str, locations: Iterable[tuple[str, str]]) -> str:
    """The URL to link an article's source with: the address it was actually fetched
    from (newest first), when that is the same article as the canonical URL.

    The canonical URL is the archive's key and always says https:// (dedup needs one
    form); an http-only site's pages then linked nowhere. `locations` are (format,
    location) of the article's captures, newest first: an "http" capture's location is
    the fetched URL, a "feed" capture's is "<feed URL>#<item URL>"."""
    for fmt, location in locations:
        if fmt == "feed":
            location = location.partition("#")[2]
        elif fmt != "http":
            continue
        href = safe_href(location)
        if href and href != canonical and canonical_url(href) == canonical:
            return href
    return canonical


def article_source_url(canonical: str, captures: Sequence[CaptureRow]) -> str:
    """`source_link` for an article's captures as `Archive.captures` lists them (oldest
    first): the one place the article page and the API's `source_url` come from."""
    return source_link(canonical, [(c["format"], c["location"]) for c in reversed(captures)])
