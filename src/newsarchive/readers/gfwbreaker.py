"""Mirror pages (gfw-breaker / goodnews style): ``pages/<channel>/<id>.md``.

```
### title
------------------------
#### [首页](…) | …                    the mirror's menu (every `####` line is the mirror's)
<div class="article_right">…</div>   the outlet's article container, pretty-printed,
                                     with the mirror's promo lines injected into it
<hr/>
手机上长按并复制下列链接或二维码分享本文章：…   share block + QR code
原文地址（需翻墙访问）：https://…      the original URL
------------------------
#### [首页](…) …
<img src='…' width='0px' height='0px'/>   tracking pixel
```
Everything outside the region between the title and the share block is the mirror's;
inside it, whole Markdown lines (`####` promos, `---` rules) are the mirror's too,
because the outlet's article is HTML.
"""

from __future__ import annotations

import re

from newsarchive.model import Draft
from newsarchive.outlets import canonical_outlet
from newsarchive.readers.body import clean_body
from newsarchive.readers.errors import UnreadableError
from newsarchive.readers.feeditem import build_draft, plain_title
from newsarchive.urls import http_url

FORMAT = "gfw-breaker"
_TITLE = re.compile(r"^#{1,3}\s+(.+?)\s*#*\s*$")
_ORIGINAL = re.compile(r"原文地址[^：:\n]*[：:]\s*(\S+)")
_SHARE = re.compile(r"^\s*<hr\s*/?>\s*\n[^\n]*(分享本文章|二维码)", re.MULTILINE)
_MARKDOWN_LINE = re.compile(r"^\s*(#{1,6}\s.*|#{4,}.*|-{3,}|={3,}|\*{3,})\s*$")


def looks_like(text: str) -> bool:
    first = text.lstrip("\n").split("\n", 1)[0]
    return first.startswith("#") and ("\n####" in text[:3000] or "原文地址" in text)


_PIXEL = re.compile(r"^\s*<img [^>]*width=['\"]?0", re.IGNORECASE)


def _is_menu(lines: list[str]) -> bool:
    """`link*.md`: nothing but Markdown headings of links, rules and a tracking pixel."""
    content = [line for line in lines if line.strip()]
    return bool(content) and all(
        _MARKDOWN_LINE.match(line) or _PIXEL.match(line) for line in content
    )


def parse(text: str, member: str) -> Draft:
    lines = text.lstrip("\n").split("\n")
    original = _ORIGINAL.search(text)
    if not original and _is_menu(lines):
        raise UnreadableError("not an article: a mirror menu page (navigation links only)")
    m = _TITLE.match(lines[0])
    if not m:
        raise UnreadableError("not an article: no title line")
    title = plain_title(" ".join(m[1].split()))
    if not original:
        raise UnreadableError("no 原文地址 (original URL) line: truncated or not an article")
    url = http_url(original[1])
    if url is None:
        raise UnreadableError(
            f"the 原文地址 (original URL) is not an http(s) URL: {original[1][:100]!r}"
        )
    rest = "\n".join(lines[1:])
    share = _SHARE.search(rest)
    cut = share.start() if share else rest.find("原文地址")
    region = rest[:cut]
    kept = [line for line in region.split("\n") if not _MARKDOWN_LINE.match(line)]
    outlet = canonical_outlet(None, url)
    body = clean_body(
        "\n".join(kept),
        base_url=url,
        # 大纪元's h2 subheadings were turned into h4 by the mirror.
        restore_h2=outlet == "大纪元",
        drop_top_level_hr=True,
        pretty_printed=True,
        outlet=outlet,
        title=title,
    )
    return build_draft(
        fmt=FORMAT,
        title=title,
        url=url,
        outlet_label=None,
        body=body,
        feed_time=None,
        post_time=None,
        date_line=None,
        author=None,
        tags=[],
    )
