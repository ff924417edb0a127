"""Feed-item Markdown ("feedx" / duty-machine style): ``articles/<outlet>/<id>.md``.

The file is one feed item (see `feeditem`); the outlet is the folder the generator
filed it under, and the URL's host when we know it.
"""

from __future__ import annotations

from newsarchive.model import Draft
from newsarchive.outlets import canonical_outlet
from newsarchive.readers.feeditem import (
    EPOCH_COMMENT,
    build_draft,
    feed_body,
    fix_url,
    parse_link_line,
    plain_title,
    split_feed_item,
)

FORMAT = "feedx"


def looks_like(text: str) -> bool:
    lines = text.lstrip("\n").split("\n", 3)
    if lines and EPOCH_COMMENT.match(lines[0]):
        lines = lines[1:]
    return bool(lines) and parse_link_line(lines[0]) is not None


def outlet_from_member(member: str) -> str | None:
    """``articles/<Outlet>/<id>.md`` (also under a repository folder)."""
    parts = member.split("/")
    if "articles" in parts:
        i = parts.index("articles")
        if i + 2 < len(parts):
            return parts[i + 1]
    return None


def parse(text: str, member: str) -> Draft:
    item = split_feed_item(text)
    url = fix_url(item.url)
    label = outlet_from_member(member)
    title = plain_title(" ".join((item.title or "").split()))
    body = feed_body(item.body_html, url, canonical_outlet(label, url), title)
    return build_draft(
        fmt=FORMAT,
        title=title,
        url=url,
        outlet_label=label,
        body=body,
        feed_time=item.epoch,
        post_time=None,
        date_line=item.date_line,
        author=body.byline,
        tags=[],
    )
