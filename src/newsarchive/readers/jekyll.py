"""Jekyll posts (NodeBE4 / "waimei" mirrors): YAML-ish front matter, then a feed item.

```
---
layout: post
title: "…"            quotes inside escaped as \\" (an older generator escaped only the
date: 2022-…Z          first one), titles may run over several lines
author: 自由亚洲电台    the feed's name, or a person (dc:creator) when the feed gave one
from: https://…        the source URL
tags: [ 自由亚洲电台 ]
categories: [ … ]
---
<!--epoch ms-->
[title](url)
------
<div>…</div>
```
A second generation (``archived/nei.st/``) has no feed item: the body is the outlet's
pretty-printed ``<article>`` element with its own header.
"""

from __future__ import annotations

import re

from newsarchive.model import Draft
from newsarchive.outlets import canonical_outlet, outlet_for_name
from newsarchive.readers.body import clean_body
from newsarchive.readers.dates import parse_date
from newsarchive.readers.errors import UnreadableError
from newsarchive.readers.feeditem import build_draft, fix_url, plain_title, split_feed_item

FORMAT = "jekyll"
_KEY = re.compile(r"^([A-Za-z_][\w-]*):\s?(.*)$")
_LIST = re.compile(r"^\[(.*)\]$")


def looks_like(text: str) -> bool:
    head = text[:400]
    return head.startswith("---\n") and ("\ntitle:" in head or "\nlayout:" in head)


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    if not text.startswith("---\n"):
        raise UnreadableError("no front matter")
    end = text.find("\n---\n", 3)
    if end < 0:
        if text.rstrip().endswith("\n---"):
            end = len(text.rstrip()) - 4
        else:
            raise UnreadableError("truncated: the front matter is never closed")
    fields: dict[str, str] = {}
    key: str | None = None
    for line in text[4:end].split("\n"):
        m = _KEY.match(line)
        # A line continues the previous value while that value is an open quote.
        if key is not None and _open_quote(fields[key]):
            fields[key] += "\n" + line
        elif m:
            key = m[1].lower()
            fields[key] = m[2].strip()
        elif key is not None and line.strip():
            fields[key] += "\n" + line
    return fields, text[end + 5 :]


def _open_quote(value: str) -> bool:
    v = value.rstrip()
    if not v.startswith('"'):
        return False
    return len(v) == 1 or not v.endswith('"') or (v.endswith('\\"') and not v.endswith('\\\\"'))


def unquote_title(value: str) -> str:
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        v = v[1:-1]
    v = v.replace('\\"', '"').replace("\\\\", "\\")
    return " ".join(v.split())


def yaml_list(value: str | None) -> list[str]:
    if not value:
        return []
    m = _LIST.match(value.strip())
    items = m[1].split(",") if m else [value]
    return [i.strip().strip("\"'") for i in items if i.strip().strip("\"'")]


def parse(text: str, member: str) -> Draft:
    fields, rest = split_front_matter(text)
    url = fix_url(fields.get("from"))
    # Quoted by some generators (and by newsarchive's own export): `author: "美国之音"`.
    label = unquote_title(fields.get("author", "")) or None
    tags = yaml_list(fields.get("tags"))
    categories = [c for c in yaml_list(fields.get("categories")) if c != "news"]
    post_time = parse_date(fields.get("date", ""))
    item = split_feed_item(rest)
    feed_labels = tags + categories
    feed_label = next(iter(feed_labels), None)
    # `author` is the feed's name, unless the feed named a person (dc:creator): then
    # the tags still carry the feed's name.
    author = label if label and _is_person(label, feed_labels) else None
    outlet_label = feed_label if author or not label else label
    outlet = canonical_outlet(outlet_label, url)
    pretty = item.title is None and "<article" in rest[:2000]
    body_html = _nei_st_article(rest) if pretty else item.body_html
    title = plain_title(unquote_title(fields.get("title", "")) or (item.title or ""))
    body = clean_body(
        body_html, base_url=url or item.url, pretty_printed=pretty, outlet=outlet, title=title
    )
    return build_draft(
        fmt=FORMAT,
        title=title,
        url=url or fix_url(item.url),
        outlet_label=outlet_label,
        body=body,
        feed_time=item.epoch,
        post_time=post_time,
        date_line=item.date_line,
        author=author,
        # The feed's own name is not a tag of the article.
        tags=[t for t in feed_labels if t != outlet_label and not _names_outlet(t, outlet)],
    )


def _names_outlet(name: str, outlet: str | None) -> bool:
    o = outlet_for_name(name)
    return name == outlet or (o is not None and o.name == outlet) or name.lower() == "unknown"


def _is_person(label: str, feed_labels: list[str]) -> bool:
    """The feed names itself in `tags`; an author label that is neither one of those
    nor a known outlet's name is the person the feed credited (dc:creator)."""
    return not (
        label.lower() == "unknown" or label in feed_labels or outlet_for_name(label) is not None
    )


_HEADER = re.compile(r"<header\b.*?</header>", re.DOTALL | re.IGNORECASE)


def _nei_st_article(markup: str) -> str:
    # The <header> repeats the title; the rest of the <article> is the story.
    return _HEADER.sub("", markup, count=1)
