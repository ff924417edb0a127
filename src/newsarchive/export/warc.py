"""WARC export of the stored raw captures (warcio).

Every capture becomes one record holding exactly the bytes we observed: an HTTP
`response` record (status line and headers as received) for fetched pages, a `resource`
record for files read from mirrors. `WARC-Refers-To-Target-URI` names the article the
capture belongs to, so a WARC reader can regroup captures into articles.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsarchive.archive import Archive
from newsarchive.model import ArticleRecord

_MIME = {"jekyll": "text/markdown", "feedx": "text/markdown", "gfw-breaker": "text/markdown"}


def _uri(location: str) -> str:
    if location.startswith(("http://", "https://")):
        return location
    # A file inside a mirror checkout or tarball: no URL of its own.
    return "file:///" + quote(location.lstrip("/"), safe="/:@")


def write_warc(
    archive: Archive, target: Path, articles: Iterable[ArticleRecord] | None = None
) -> int:
    """Gzipped WARC/1.1 (`.warc.gz`). Returns the number of records written."""
    n = 0
    with target.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        for rec in articles if articles is not None else archive.iter_articles():
            for cap in archive.captures(rec.id):
                raw = archive.raw(cap["raw_sha256"])
                headers = {
                    "WARC-Date": _warc_date(cap["observed"]),
                    "WARC-Refers-To-Target-URI": rec.url,
                    "X-Newsarchive-Sha256": cap["raw_sha256"],
                    "X-Newsarchive-Format": cap["format"],
                }
                if cap["http_status"] is not None and cap["format"] in ("http", "feed"):
                    http_headers = json.loads(cap["http_headers"] or "{}")
                    status = StatusAndHeaders(
                        str(cap["http_status"]), list(http_headers.items()), protocol="HTTP/1.1"
                    )
                    record = writer.create_warc_record(
                        _uri(cap["location"]),
                        "response",
                        payload=io.BytesIO(raw),
                        length=len(raw),
                        http_headers=status,
                        warc_headers_dict=headers,
                    )
                else:
                    mime = _MIME.get(cap["format"], "application/octet-stream")
                    record = writer.create_warc_record(
                        _uri(cap["location"]),
                        "resource",
                        payload=io.BytesIO(raw),
                        length=len(raw),
                        warc_content_type=mime,
                        warc_headers_dict=headers,
                    )
                writer.write_record(record)
                n += 1
    return n


def _warc_date(iso: str) -> str:
    dt = datetime.fromisoformat(iso)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
