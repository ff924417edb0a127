"""Limits that are promises (docs/reliability.md): inputs refused before they are read."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from newsarchive.readers import ReadError, read_path
from newsarchive.readers.sources import MAX_FILE_BYTES

from .fuzzkit import memory_below


def test_a_mirror_file_over_the_limit_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    with big.open("wb") as fh:  # sparse: no disk, and reading it would cost 16 MiB
        fh.truncate(MAX_FILE_BYTES + 1)
    with memory_below(4, lambda: "refusing a 16 MiB file"):
        results = list(read_path(big))
    assert len(results) == 1 and isinstance(results[0], ReadError)
    assert "too large" in results[0].reason and str(MAX_FILE_BYTES + 1) in results[0].reason


def test_a_zip_member_over_the_limit_is_refused_unread(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("articles/x/huge.md", "w") as member:  # ~16 KB compressed
            for _ in range(17):
                member.write(b"\0" * 2**20)
        zf.writestr("articles/x/small.md", b"not an article")
    path = tmp_path / "bomb.zip"
    path.write_bytes(buf.getvalue())
    with memory_below(8, lambda: "refusing a 17 MiB zip member"):
        results = list(read_path(path))
    reasons = {r.location: r.reason for r in results if isinstance(r, ReadError)}
    assert "too large" in reasons["bomb.zip/articles/x/huge.md"]
    assert "bomb.zip/articles/x/small.md" in reasons  # the rest of the archive goes on
