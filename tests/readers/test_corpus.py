"""The whole shared mirror corpus (three tarballs, ~63,700 files)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from newsarchive.components import open_archive
from newsarchive.ingest import import_paths


# SQLite only: this measures the readers over ~63,700 files (minutes); what they store
# is the same on both backends (tests/transfer/test_backends_identical.py), and running
# it twice would double the slowest test for no storage coverage.
@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_whole_corpus_imports_and_reimport_adds_nothing(shared: Path, tmp_path: Path) -> None:
    mirrors = sorted((shared / "corpus" / "mirrors").glob("*.tar.xz"))
    assert len(mirrors) == 3
    # Without the search hook: this measures the readers (indexing has its own tests).
    archive = open_archive(tmp_path / "corpus.db", hooks=[])
    first = import_paths(archive, mirrors)
    assert first.files > 63_000

    # Files that gave an article with a body (text, or images for photo posts).
    with_body = archive.session.execute(
        "SELECT count(*) FROM captures c JOIN versions v ON v.id = c.version_id WHERE v.html != ''"
    ).fetchone()[0]
    reasons = Counter(e["reason"] for e in archive.errors())
    print(f"\n{first.to_json()}; with body: {with_body}; failures by reason:")
    for reason, n in reasons.most_common():
        print(f"  {n:5d}  {reason}")
    assert with_body / first.files >= 0.995
    assert first.errors == sum(reasons.values())

    counts = archive.counts()
    second = import_paths(archive, mirrors)
    assert second.files == first.files
    assert (second.articles, second.new_versions) == (0, 0)
    assert second.errors == first.errors
    assert archive.counts() == counts
    archive.close()
