"""Extraction of saved HTML files (plain or gzip-compressed), for `newsarchive extract`."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import Any

from newsarchive.extract.page import ExtractionError, extract_page
from newsarchive.model import Draft


def read_page_file(path: Path) -> bytes:
    """The raw bytes of a saved page; `.gz` files (or gzip magic) are decompressed."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractionError(f"cannot read: {exc.strerror or exc}") from exc
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise ExtractionError(f"corrupt gzip data: {exc}") from exc
    return data


def extract_file(path: Path, url: str | None = None) -> Draft:
    return extract_page(read_page_file(path), url)


def draft_json(path: Path | str, draft: Draft) -> dict[str, Any]:
    """The `extract --json` record of one page."""
    return {
        "path": str(path),
        "url": draft.url,
        "title": draft.title,
        "author": draft.author,
        "published": draft.published.isoformat() if draft.published else None,
        "text": draft.text,
        "html": draft.html,
        "images": [{"url": i.url, "caption": i.caption} for i in draft.images],
        "lang": draft.lang,
    }
