"""JSON Lines export: one object per article, its latest version and where we saw it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from newsarchive.model import ArticleRecord

if TYPE_CHECKING:
    from newsarchive.archive import Archive


def article_json(archive: Archive, record: ArticleRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "url": record.url,
        "outlet": record.outlet,
        "title": record.title,
        "author": record.author,
        "published": record.published.isoformat() if record.published else None,
        "lang": record.lang,
        "text": record.text,
        "html": record.html,
        "images": [{"url": i.url, "caption": i.caption} for i in record.images],
        "tags": record.tags,
        "timestamps": record.timestamps,
        "versions": record.version_count,
        "captures": [
            {"format": c["format"], "path": c["location"], "observed": c["observed"]}
            for c in archive.captures(record.id)
        ],
    }


def write_jsonl(archive: Archive, fh: TextIO) -> int:
    count = 0
    for record in archive.iter_articles():
        fh.write(json.dumps(article_json(archive, record), ensure_ascii=False) + "\n")
        count += 1
    return count


def export_jsonl(archive: Archive, out: Path | None) -> int:
    if out is None:
        return write_jsonl(archive, sys.stdout)
    # Write beside the target and rename, so a failed export never leaves half a file.
    tmp = out.with_name(out.name + ".part")
    with tmp.open("w", encoding="utf-8") as fh:
        count = write_jsonl(archive, fh)
    tmp.replace(out)
    return count
