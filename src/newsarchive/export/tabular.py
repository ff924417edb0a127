"""CSV and Parquet exports: one row per article (its latest version).

CSV is for spreadsheets, so it carries the plain text but not the HTML; Parquet is for
analysis and carries both. Both stream: the archive is read in batches, never whole.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from newsarchive.archive import Archive
from newsarchive.model import ArticleRecord

CSV_FIELDS = [
    "id",
    "url",
    "outlet",
    "title",
    "published",
    "author",
    "tags",
    "images",
    "lang",
    "versions",
    "first_seen",
    "gone_at",
    "text",
]

PARQUET_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("url", pa.string()),
        ("outlet", pa.string()),
        ("title", pa.string()),
        ("published", pa.timestamp("us", tz="UTC")),
        ("author", pa.string()),
        ("tags", pa.list_(pa.string())),
        ("images", pa.list_(pa.struct([("url", pa.string()), ("caption", pa.string())]))),
        ("lang", pa.string()),
        ("versions", pa.int32()),
        ("first_seen", pa.timestamp("us", tz="UTC")),
        ("gone_at", pa.timestamp("us", tz="UTC")),
        ("text", pa.string()),
        ("html", pa.string()),
    ]
)
_BATCH = 1000


def _row(rec: ArticleRecord) -> dict[str, Any]:
    return {
        "id": rec.id,
        "url": rec.url,
        "outlet": rec.outlet,
        "title": rec.title,
        "published": rec.published,
        "author": rec.author,
        "tags": rec.tags,
        "images": [{"url": i.url, "caption": i.caption} for i in rec.images],
        "lang": rec.lang,
        "versions": rec.version_count,
        "first_seen": rec.first_seen,
        "gone_at": rec.gone_at,
        "text": rec.text,
        "html": rec.html,
    }


def write_csv(
    archive: Archive, target: Path, articles: Iterable[ArticleRecord] | None = None
) -> int:
    """UTF-8 CSV with a BOM (so spreadsheet programs detect Chinese text correctly)."""
    n = 0
    with target.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_FIELDS, extrasaction="ignore")
        w.writeheader()
        for rec in articles if articles is not None else archive.iter_articles():
            row = _row(rec)
            for k in ("published", "first_seen", "gone_at"):
                row[k] = row[k].isoformat() if row[k] else ""
            row["tags"] = json.dumps(row["tags"], ensure_ascii=False)
            row["images"] = json.dumps(row["images"], ensure_ascii=False)
            w.writerow(row)
            n += 1
    return n


def _batches(records: Iterable[ArticleRecord]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for rec in records:
        batch.append(_row(rec))
        if len(batch) >= _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def write_parquet(
    archive: Archive, target: Path, articles: Iterable[ArticleRecord] | None = None
) -> int:
    n = 0
    with pq.ParquetWriter(str(target), PARQUET_SCHEMA, compression="zstd") as writer:
        for batch in _batches(articles if articles is not None else archive.iter_articles()):
            writer.write_table(pa.Table.from_pylist(batch, schema=PARQUET_SCHEMA))
            n += len(batch)
    return n
