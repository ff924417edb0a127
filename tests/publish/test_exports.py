from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
from warcio.archiveiterator import ArchiveIterator

from newsarchive.archive import Archive
from newsarchive.export.mirrors import feedx_item, gfw_breaker_page, jekyll_post, write_mirror
from newsarchive.export.tabular import write_csv, write_parquet
from newsarchive.export.warc import write_warc
from tests.publish.conftest import ARTICLES


def test_csv_and_parquet_hold_every_article(filled: Archive, tmp_path: Path) -> None:
    assert write_csv(filled, tmp_path / "a.csv") == len(ARTICLES)
    with (tmp_path / "a.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["title"] for r in rows} >= {a[2] for a in ARTICLES[1:]}
    captions = [json.loads(r["images"]) for r in rows]
    # Every article has its image, except the first, whose second version has none.
    assert (
        sum(
            c == [{"url": "https://img.example.org/p.jpg", "caption": "图片说明"}] for c in captions
        )
        == len(ARTICLES) - 1
    )
    assert write_parquet(filled, tmp_path / "a.parquet") == len(ARTICLES)
    table = pq.read_table(tmp_path / "a.parquet")
    assert table.num_rows == len(ARTICLES)
    assert str(table.schema.field("published").type) == "timestamp[us, tz=UTC]"


def test_warc_keeps_the_raw_captures(filled: Archive, tmp_path: Path) -> None:
    n = write_warc(filled, tmp_path / "a.warc.gz")
    assert n == filled.counts()["captures"]
    payloads, targets = set(), set()
    with (tmp_path / "a.warc.gz").open("rb") as fh:
        for r in ArchiveIterator(fh):  # a stream: read each record before the next
            payloads.add(r.content_stream().read())
            targets.add(r.rec_headers.get_header("WARC-Refers-To-Target-URI"))
    assert b"raw 0 v2" in payloads and b"raw 3" in payloads and len(payloads) == n
    assert len(targets) == len(ARTICLES)


def test_mirror_files_are_clean_and_complete(filled: Archive, tmp_path: Path) -> None:
    rec = filled.find(ARTICLES[2][0])
    assert rec is not None
    post = jekyll_post(rec)
    assert post.startswith('---\nlayout: post\ntitle: "華為晶片斷供 台積電停止接單"\n')
    assert f"from: {rec.url}\n" in post and "\n------\n\n<div>\n" in post
    assert '<img src="https://img.example.org/p.jpg"><div><small>图片说明</small></div>' in post
    item = feedx_item(rec)
    assert item.startswith("<!--") and f"[{rec.title}]({rec.url})\n------\n" in item
    # The publication time with its offset, after the byline when there is one.
    assert "2020-06-03T10:00:00.000+00:00</i></div>" in item
    page = gfw_breaker_page(rec)
    assert page.startswith(f"### {rec.title}\n------------------------\n")
    assert page.rstrip().endswith(f"原文地址（需翻墙访问）：{rec.url}")
    for text in (post, item, page):
        assert "\n\n<p" not in text.split("------", 1)[1].lstrip("\n")  # no blank line in HTML
        assert "feedx" not in text and "weserv" not in text
    for fmt, folder in (("jekyll", "_posts"), ("feedx", "articles"), ("gfw-breaker", "pages")):
        out = tmp_path / fmt
        assert write_mirror(filled, fmt, out) == len(ARTICLES)
        assert len(list((out / folder).rglob("*.md"))) == len(ARTICLES)


def test_jekyll_titles_with_quotes_and_slashes(filled: Archive, tmp_path: Path) -> None:
    from newsarchive.model import Capture
    from tests.publish.conftest import make_draft

    filled.ingest(
        make_draft(9, "https://x.example/q", "BBC", '他说"不"/或者\\是', ["正文"]),
        Capture(raw=b"q", format="jekyll", location="q.md"),
    )
    rec = filled.find("https://x.example/q")
    assert rec is not None
    assert 'title: "他说\\"不\\"/或者\\\\是"' in jekyll_post(rec)
    write_mirror(filled, "jekyll", tmp_path)
    assert any('他说"不"--或者' in p.name for p in (tmp_path / "_posts").iterdir())
