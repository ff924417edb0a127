"""Article extraction from a raw HTML page: the one path that collection, the
`extract` command and re-processing all use.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import trafilatura
from charset_normalizer import from_bytes

from newsarchive.extract.sanitize import html_to_text, sanitize_html
from newsarchive.model import Draft, Image, Timestamp
from newsarchive.outlets import canonical_outlet


class ExtractionError(Exception):
    """A page holds no article we can extract; the message says why."""


def decode_html(raw: bytes) -> str:
    """Bytes to text, trusting a BOM, then the page's declaration, then sniffing."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(raw).best()
    if best is None:
        raise ExtractionError("cannot determine the text encoding")
    return str(best)


def extract_page(raw: bytes, url: str | None = None) -> Draft:
    """Extract the article of one HTML page."""
    if not raw.strip():
        raise ExtractionError("empty page")
    html = decode_html(raw)
    found = trafilatura.bare_extraction(
        html,
        url=url,
        output_format="python",
        include_images=True,
        include_links=False,
        with_metadata=True,
        favor_recall=True,
        as_dict=True,
    )
    doc: dict[str, Any] = found if isinstance(found, dict) else {}
    if not doc or not (doc.get("text") or "").strip():
        raise ExtractionError("no article text found")
    body_html = (
        trafilatura.extract(
            html, url=url, output_format="html", include_images=True, favor_recall=True
        )
        or ""
    )
    clean = sanitize_html(body_html)
    published = None
    stamps: dict[str, Timestamp] = {}
    if doc.get("date"):
        try:
            d = datetime.fromisoformat(doc["date"])
            published = d if d.tzinfo else d.replace(tzinfo=UTC)
            stamps["published"] = Timestamp(published, "html:metadata")
        except ValueError:
            pass
    images = [Image(doc["image"])] if doc.get("image") else []
    return Draft(
        title=(doc.get("title") or "").strip(),
        text=html_to_text(clean) or doc["text"],
        html=clean,
        url=url or doc.get("url"),
        outlet=canonical_outlet(doc.get("sitename"), url or doc.get("url")),
        published=published,
        author=doc.get("author"),
        tags=list(doc.get("tags") or []),
        images=images,
        lang=doc.get("language"),
        timestamps=stamps,
    )
