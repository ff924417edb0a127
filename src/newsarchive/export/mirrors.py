"""Writing the three mirror formats (docs: /work/shared/docs/formats.md), clean.

Existing mirror sites can switch to newsarchive without changing their hosting: the
files have the layout and headers their sites and readers expect, but none of the junk
the originals carry (aggregator footers, image proxies, promo blocks, navigation,
tracking pixels, disabled links). Bodies are the archive's sanitized HTML, on as few
lines as possible and never with a blank line (Markdown would end the HTML block there).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from urllib.parse import unquote

from newsarchive.archive import Archive
from newsarchive.model import ArticleRecord
from newsarchive.publish.catalog import outlet_slug
from newsarchive.readers.exported import encode_html, encode_record

_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")
JEKYLL_TITLE_CHARS = 50  # what the original generator cut file names to


def _when(rec: ArticleRecord) -> datetime:
    """The day a file is named after: the publication, else when the archive first saw it."""
    return (rec.published or rec.first_seen).astimezone(UTC)


def _epoch_ms(rec: ArticleRecord) -> int | None:
    """The feed time when we know it (what the originals put in the comment), else the
    publication time; none for an article without a date (the comment is optional)."""
    feed = rec.timestamps.get("feed") if isinstance(rec.timestamps, dict) else None
    if isinstance(feed, dict) and feed.get("value"):
        try:
            return int(datetime.fromisoformat(feed["value"]).timestamp() * 1000)
        except ValueError:
            pass
    return int(rec.published.timestamp() * 1000) if rec.published else None


def _lead(rec: ArticleRecord) -> str:
    """The article's images that its HTML does not show itself, in the feed-item
    layout (`<img>` then `<div><small>caption</small></div>`)."""
    # Compare decoded forms: the HTML may carry a percent-encoded or &amp;-escaped src.
    shown = unquote(unescape(rec.html))
    lead = []
    for img in rec.images:
        if unquote(img.url) in shown:
            continue
        lead.append(f'<img src="{_attr(img.url)}">')
        if img.caption:
            lead.append(f"<div><small>{_text(_one_line(img.caption))}</small></div>")
    return "".join(lead)


def _attr(s: str) -> str:
    return s.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link_url(url: str) -> str:
    """A URL safe inside Markdown `( )`."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _one_line(s: str) -> str:
    return " ".join(_UNSAFE_NAME.sub(" ", s).split())


def _yaml_str(s: str) -> str:
    return '"' + _one_line(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _yaml_list(items: list[str]) -> str:
    out = []
    for it in items:
        it = _one_line(it)
        out.append(_yaml_str(it) if re.search(r"[,\[\]{}:#\"']", it) else it)
    return "[ " + ", ".join(out) + " ]"


def _date_line(rec: ArticleRecord) -> str:
    """The feed-item date header (`<div><i>author<br>date</i></div>`) for the mirror
    site's readers, with the source's own offset; none when the date is unknown."""
    if rec.published is None and not rec.author:
        return ""
    parts = [_text(_one_line(rec.author))] if rec.author else []
    if rec.published is not None:
        parts.append(rec.published.isoformat(timespec="milliseconds"))
    return "<div><i>" + "<br>".join(parts) + "</i></div>"


def _record_line(rec: ArticleRecord, html: str) -> str:
    """The fields no mirror format can hold, for `newsarchive import` to read back
    exactly (see `newsarchive.readers.exported`), and the length of the HTML after it."""
    return encode_record(
        {
            "title": rec.title,
            "url": rec.url,
            "outlet": rec.outlet,
            "author": rec.author,
            "published": rec.published.isoformat() if rec.published else None,
            "tags": rec.tags,
            "lang": rec.lang,
            "images": [[i.url, i.caption] for i in rec.images],
            "timestamps": rec.timestamps if isinstance(rec.timestamps, dict) else {},
            "html_chars": len(html),
        }
    )


def _article(rec: ArticleRecord) -> str:
    """What every format's body holds: the date header and the images the HTML does
    not show (for the mirror site), then the record and the stored HTML (for import)."""
    html = encode_html(rec.html)
    return _date_line(rec) + _lead(rec) + "\n" + _record_line(rec, html) + "\n" + html


def _header_link(rec: ArticleRecord) -> str:
    epoch = _epoch_ms(rec)
    comment = f"<!--{epoch}-->\n" if epoch is not None else ""
    return f"{comment}[{_one_line(rec.title)}]({_link_url(rec.url)})\n------\n"


def jekyll_post(rec: ArticleRecord) -> str:
    outlet = rec.outlet or "unknown"
    lines = [
        "---",
        "layout: post",
        f"title: {_yaml_str(rec.title)}",
    ]
    if rec.published is not None:
        # With the source's offset: Jekyll reads ISO 8601 with an offset.
        lines.append(f"date: {rec.published.isoformat(timespec='milliseconds')}")
    lines += [
        # The person when known, else the outlet (what the original generator wrote).
        f"author: {_yaml_str(rec.author or outlet)}",
        f"from: {rec.url}",
        f"tags: {_yaml_list(rec.tags or [outlet])}",
        "comments: True",
        f"categories: {_yaml_list([outlet])}",
        "---",
    ]
    return "\n".join(lines) + "\n" + _header_link(rec) + "\n<div>\n" + _article(rec) + "\n</div>\n"


def feedx_item(rec: ArticleRecord) -> str:
    return _header_link(rec) + "\n" + _article(rec) + "\n"


def gfw_breaker_page(rec: ArticleRecord) -> str:
    return (
        f"### {_one_line(rec.title)}\n------------------------\n\n"
        f'<div class="article_right">\n{_article(rec)}\n</div>\n\n'
        f"<hr/>\n原文地址（需翻墙访问）：{rec.url}\n"
    )


def _safe_component(s: str) -> str:
    s = _one_line(s).replace("/", "--").replace("\\", "-")
    return s.lstrip(".") or "untitled"


def jekyll_path(rec: ArticleRecord) -> str:
    return f"_posts/{_when(rec):%Y-%m-%d}-{_safe_component(rec.title)[:JEKYLL_TITLE_CHARS]}.md"


def feedx_path(rec: ArticleRecord) -> str:
    return f"articles/{_safe_component(rec.outlet or 'unknown')}/{rec.id}.md"


def gfw_breaker_path(rec: ArticleRecord) -> str:
    return f"pages/{outlet_slug(rec.outlet)}/{rec.id}.md"


MIRROR_WRITERS: dict[str, tuple[Callable[[ArticleRecord], str], Callable[[ArticleRecord], str]]] = {
    "jekyll": (jekyll_path, jekyll_post),
    "feedx": (feedx_path, feedx_item),
    "gfw-breaker": (gfw_breaker_path, gfw_breaker_page),
}


def write_mirror(
    archive: Archive, fmt: str, outdir: Path, articles: Iterable[ArticleRecord] | None = None
) -> int:
    """Write every article as a `fmt` mirror file under `outdir`; returns the count."""
    try:
        path_of, render = MIRROR_WRITERS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown mirror format {fmt!r} (known: {', '.join(MIRROR_WRITERS)})"
        ) from None
    used: set[str] = set()
    n = 0
    for rec in articles if articles is not None else archive.iter_articles():
        rel = path_of(rec)
        if rel in used:  # same day and title cut: keep both, as the id tells them apart
            rel = rel[:-3] + f"-{rec.id}.md"
        used.add(rel)
        target = outdir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(rec), encoding="utf-8")
        n += 1
    return n
