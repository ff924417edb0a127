"""Mirror files newsarchive wrote itself (`export --format jekyll|feedx|gfw-breaker`).

The three mirror formats have no place for most of an article's fields: a feed item
has no author or tag field, no format has one for an image's caption or for "this
article has no known date", and the date header a feed item shows is read back as
page time in UTC, losing the source's offset. So the writer adds one HTML comment
(invisible in every Markdown renderer, ignored by the mirror tools) that records the
fields as JSON, followed by the article's stored HTML, whose length it records:

```
<!--newsarchive {"v": 1, "title": …, "author": …, "published": "…+08:00" | null,
                 "tags": […], "lang": …, "images": [[url, caption], …], "timestamps": {…},
                 "outlet": …, "url": …, "html_chars": 1234}-->
<p>…the stored HTML, newlines written as &#10;…</p>
```
What comes before the comment (the format's own date header, lead images for the
mirror site) is for the site's readers; the comment and the HTML after it are what
an import reads back. The HTML is sanitized again like any input (the comment could
be forged), and the plain text is read from it as the readers read every body.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from newsarchive.extract import html_to_text, sanitize_html
from newsarchive.model import Draft, Image, Timestamp
from newsarchive.readers.errors import UnreadableError
from newsarchive.text.lang import article_lang
from newsarchive.urls import http_url

MARK = "<!--newsarchive "
VERSION = 1
_LINE = re.compile(r"^<!--newsarchive (\{.*\})-->$", re.MULTILINE)


def encode_record(fields: dict[str, Any]) -> str:
    """The comment line: JSON that cannot close the comment (`<`, `>` escaped)."""
    data = json.dumps({"v": VERSION, **fields}, ensure_ascii=False, separators=(",", ":"))
    return MARK + data.replace("<", "\\u003c").replace(">", "\\u003e") + "-->"


def encode_html(html: str) -> str:
    """The stored HTML on one line: a blank line would end Markdown's HTML block. The
    HTML is sanitized serializer output, so a newline only occurs in text and in
    attribute values, where `&#10;` means the same character."""
    return html.replace("\r", "&#13;").replace("\n", "&#10;")


def find_record(text: str) -> re.Match[str] | None:
    if MARK not in text:
        return None
    return _LINE.search(text)


def parse_exported(match: re.Match[str], text: str) -> Draft:
    """The Draft a newsarchive export file records (see the module docstring)."""
    try:
        meta = json.loads(match[1])
    except ValueError as exc:
        raise UnreadableError(f"damaged newsarchive export record: {exc}") from None
    if not isinstance(meta, dict) or meta.get("v") != VERSION:
        raise UnreadableError("newsarchive export record of an unknown version")
    start = match.end() + 1  # the HTML starts on the line after the comment
    chars = meta.get("html_chars")
    if not isinstance(chars, int) or chars < 0 or start + chars > len(text) + 1:
        raise UnreadableError("newsarchive export record: the HTML is cut short")
    html = sanitize_html(text[start : start + chars]).strip()
    title = _str(meta, "title")
    if not title:
        raise UnreadableError("no title")
    published = _instant(meta.get("published"))
    stamps = {
        role: Timestamp(value, str(t.get("source", "")))
        for role, t in (meta.get("timestamps") or {}).items()
        if isinstance(t, dict) and (value := _instant(t.get("value"))) is not None
    }
    body_text = html_to_text(html)
    return Draft(
        title=title,
        text=body_text,
        html=html,
        url=http_url(_str(meta, "url")),
        outlet=_str(meta, "outlet"),
        published=published,
        author=_str(meta, "author"),
        tags=[t for t in meta.get("tags") or [] if isinstance(t, str)],
        images=[
            Image(str(i[0]), str(i[1]) if i[1] is not None else None)
            for i in meta.get("images") or []
            if isinstance(i, list) and len(i) == 2
        ],
        lang=_str(meta, "lang") or article_lang(title, body_text),
        timestamps=stamps,
    )


def _str(meta: dict[str, Any], key: str) -> str | None:
    value = meta.get(key)
    return value if isinstance(value, str) and value else None


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else None
