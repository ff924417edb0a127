"""How PostgreSQL stores what the importer writes (archive/schema.py, PostgreSQL
migrations; search/postgres.py `settle`): choices that cost less server CPU per
article without changing a stored value."""

from __future__ import annotations

import pytest

from newsarchive.components import open_archive
from newsarchive.model import Capture, Draft
from tests.conftest import BACKENDS

pytestmark = pytest.mark.skipif("postgres" not in BACKENDS, reason="PostgreSQL's storage")


def test_versions_text_is_compressed_with_lz4_and_reads_back_the_same(pg_url: str) -> None:
    text = "美国商务部宣布新的芯片出口管制措施。" * 400  # well past TOAST's 2 KB threshold
    html = f"<article><p>{text}</p></article>"
    with open_archive(pg_url) as archive:
        methods = dict(
            archive.session.all(
                "SELECT attname, attcompression FROM pg_attribute"
                " WHERE attrelid = 'versions'::regclass AND attname IN ('html', 'text')"
            )
        )
        assert methods == {"html": "l", "text": "l"}
        stored = archive.ingest(
            Draft(title="管制", text=text, html=html, url="https://f.org/lz4"),
            Capture(raw=text.encode(), format="jekyll", location="https://f.org/lz4"),
        )
        row = archive.session.one(
            "SELECT html, text, pg_column_compression(text) FROM versions WHERE id = ?",
            (stored.version_id,),
        )
    assert (row[0], row[1], row[2]) == (html, text, "lz4")
