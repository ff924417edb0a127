"""The feed-item block both the feedx files and the Jekyll posts carry:

```
<!--1644019142000-->          feed pubDate, epoch milliseconds (optional)
[title](https://source/url)   the title and the original URL
------                        setext underline
日期：Fri, 26 Jun 2020 ...     older generators: the item's date on its own line
<div>…body HTML…</div>
```
and the assembly of a Draft from it, shared by both formats.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime

from newsarchive.model import Draft, Timestamp
from newsarchive.outlets import canonical_outlet
from newsarchive.readers.authors import clean_author
from newsarchive.readers.body import Body, clean_body
from newsarchive.readers.dates import (
    date_from_url,
    find_dateline,
    from_epoch_ms,
    is_day_only,
    parse_date,
)
from newsarchive.readers.errors import UnreadableError
from newsarchive.readers.junk import strip_title
from newsarchive.text.byline import reporters_from_credit
from newsarchive.text.lang import article_lang
from newsarchive.urls import http_url

EPOCH_COMMENT = re.compile(r"^\s*<!--\s*(\d{9,14})\s*-->\s*$")
_UNDERLINE = re.compile(r"^\s*[-=]{3,}\s*$")
_DATE_LINE = re.compile(r"^\s*日期[：:]\s*(.+?)\s*$")


@dataclass(slots=True)
class FeedItem:
    epoch: datetime | None
    title: str | None
    url: str | None
    date_line: str | None
    body_html: str


def parse_link_line(line: str) -> tuple[str, str] | None:
    """``[title](url)``; titles may contain brackets, so split at the last ``](``."""
    s = line.strip()
    if not (s.startswith("[") and s.endswith(")")):
        return None
    cut = s.rfind("](")
    if cut < 1:
        return None
    title, url = s[1:cut], s[cut + 2 : -1].strip()
    if not re.match(r"^(https?:)?//", url):
        return None
    return title.strip(), url


def split_feed_item(text: str) -> FeedItem:
    lines = text.split("\n")
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    epoch = None
    if i < len(lines) and (m := EPOCH_COMMENT.match(lines[i])):
        epoch = from_epoch_ms(m[1])
        i += 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    title = url = None
    if i < len(lines) and (link := parse_link_line(lines[i])):
        title, url = link
        i += 1
        if i < len(lines) and _UNDERLINE.match(lines[i]):
            i += 1
    date_line = None
    j = i
    while j < len(lines) and not lines[j].strip():
        j += 1
    if j < len(lines) and (m := _DATE_LINE.match(lines[j])):
        date_line = m[1]
        i = j + 1
    return FeedItem(epoch, title, url, date_line, "\n".join(lines[i:]))


def plain_title(title: str) -> str:
    """A title as text: some mirrors write it HTML-escaped (法广's
    ``&quot;世界工厂&quot;``, 经济学人's ``China&#x27;s``: 51 titles of the Jekyll
    mirror), 8 of 法广's twice (``大&amp;#22338;直美``: 大坂直美), and a title is never
    markup. Each reader applies it where it reads the title, before the body cleaner
    looks for the title repeated in the body."""
    while "&" in title:
        plain = html.unescape(title)
        if plain == title:
            break
        title = plain
    return title


def build_draft(
    *,
    fmt: str,
    title: str,
    url: str | None,
    outlet_label: str | None,
    body: Body,
    feed_time: datetime | None,
    post_time: datetime | None,
    date_line: str | None,
    author: str | None,
    tags: list[str],
) -> Draft:
    """Every timestamp is kept with its source; `published` is the most specific one:
    the date the item shows in its body (page time), then the feed's epoch comment,
    then the Jekyll front matter date, then the outlet's dateline, then the day the
    article's URL spells out."""
    if not body.text and not body.images:
        # Scanned documents and photo posts are articles made of images; a title
        # with nothing under it is not.
        raise UnreadableError("empty body: the file has a title but no article content")
    if not title:
        raise UnreadableError("no title")
    if url is not None and http_url(url) is None:
        # The formats check their URL already; no other scheme may reach an article.
        raise UnreadableError(f"the article's URL is not an http(s) URL: {url[:100]!r}")
    stamps: dict[str, Timestamp] = {}
    page_src, page_raw = (
        ("body:div-i", body.page_date) if body.page_date else ("body:日期", date_line)
    )
    page_time = parse_date(page_raw) if page_raw else None
    if page_time:
        stamps["page"] = Timestamp(page_time, page_src)
    if feed_time:
        stamps["feed"] = Timestamp(feed_time, f"{fmt}:comment-epoch")
    if post_time:
        stamps["post"] = Timestamp(post_time, f"{fmt}:front-matter.date")
    dateline = find_dateline(body.text)
    if dateline:
        stamps["dateline"] = Timestamp(dateline, "body:dateline")
    url_day = date_from_url(url)
    if url_day:
        stamps["url"] = Timestamp(url_day, "url:path-date")
    # A day without a time (BBC's "2020年 6月 28日") is less precise than the feed's time.
    order = ("page", "feed", "post", "dateline", "url")
    if page_raw and is_day_only(page_raw):
        order = ("feed", "page", "post", "dateline", "url")
    for role in order:
        if role in stamps:
            stamps["published"] = stamps[role]
            break
    published = stamps["published"].value if "published" in stamps else None
    outlet = canonical_outlet(outlet_label, url)
    title = strip_title(title, outlet)
    return Draft(
        title=title,
        text=body.text,
        html=body.html,
        url=url,
        outlet=outlet,
        published=published,
        author=next(
            (
                found
                for given in (author, body.byline, reporters_from_credit(body.text))
                if (found := clean_author(given, outlet))
            ),
            None,
        ),
        tags=[t for t in _merge_tags(tags, body.tags) if canonical_outlet(t) != outlet],
        images=body.images,
        lang=article_lang(title, body.text),
        timestamps=stamps,
    )


def _merge_tags(*groups: list[str]) -> list[str]:
    out: dict[str, None] = {}
    for group in groups:
        for t in group:
            t = t.strip()
            if t:
                out.setdefault(t, None)
    return list(out)


def fix_url(url: str | None) -> str | None:
    """The article's URL as a mirror gives it, scheme-relative ones made https; None
    unless it is an http(s) URL (a `from: javascript:…` is no address)."""
    return http_url(url)


def feed_body(html: str, url: str | None, outlet: str | None = None, title: str = "") -> Body:
    return clean_body(html, base_url=url, outlet=outlet, title=title)
