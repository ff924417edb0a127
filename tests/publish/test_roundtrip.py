"""Round trip over real corpus articles: archive → mirror files (jekyll, feedx,
gfw-breaker) → the readers' import into a fresh archive → the same articles."""

from __future__ import annotations

import re
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsarchive.archive import Archive
from newsarchive.components import open_archive
from newsarchive.export.mirrors import write_mirror
from newsarchive.ingest import import_paths
from newsarchive.model import ArticleRecord
from tests.conftest import BACKENDS
from tests.pgcluster import Cluster

pytestmark = pytest.mark.slow  # reads the first members of the three corpus tarballs

# Files taken from the start of each tarball: 1,050 articles of all three formats.
SAMPLE = {
    "jekyll-waimei.tar.xz": 700,
    "feedx-articles.tar.xz": 150,
    "gfw-breaker-pages.tar.xz": 200,
}


def _address(backend: str, name: str, request: pytest.FixtureRequest, root: Path) -> str:
    if backend == "sqlite":
        return str(root / f"{name}.db")
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.new_database(cluster.template)


@pytest.fixture(scope="module", params=BACKENDS)
def originals(
    shared: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Archive]:
    root = tmp_path_factory.mktemp("roundtrip")
    src = root / "corpus"
    for name, count in SAMPLE.items():
        taken = 0
        with tarfile.open(shared / "corpus" / "mirrors" / name) as tf:
            for m in tf:
                if not (m.isfile() and m.name.endswith(".md")) or "\n" in m.name:
                    continue
                if "/link" in m.name:  # gfw-breaker menus, not articles
                    continue
                target = src / name.split("-")[0] / m.name
                target.parent.mkdir(parents=True, exist_ok=True)
                fh = tf.extractfile(m)
                assert fh is not None
                target.write_bytes(fh.read())
                taken += 1
                if taken >= count:
                    break
    archive = open_archive(_address(request.param, "originals", request, root))
    import_paths(archive, [src])
    yield archive
    archive.close()


def _same_caption(a: str | None, b: str | None) -> bool:
    # The readers fall back to an image's alt text when a figure's caption is empty
    # (they drop the empty <figcaption> when cleaning, so a second reading differs):
    # a caption must survive; "no caption" may come back as the alt text.
    return a is None or "".join(a.split()) == "".join((b or "").split())


def _same_text(a: ArticleRecord, b: ArticleRecord) -> bool:
    """Equal, or equal but for lists of related-article links: the readers drop such a
    list only once it is reduced to plain `<li><a>` items, which is what the clean
    export writes (the original carried classes that hid it on the first reading)."""
    if a.text == b.text:
        return True
    # Same characters, different line breaks: the readers' text keeps a break that their
    # cleaned HTML no longer marks (one chinadigitaltimes quote in the sample), so the
    # HTML the export writes cannot bring it back.
    if "".join(a.text.split()) == "".join(b.text.split()):
        return True
    links = set(re.findall(r"<li><a [^>]*>([^<]+)</a></li>", a.html))
    kept = [line for line in a.text.splitlines() if line not in links]
    return bool(links) and kept == b.text.splitlines()


def _compare(a: ArticleRecord, b: ArticleRecord) -> list[str]:
    wrong = [k for k in ("title", "published") if getattr(a, k) != getattr(b, k)]
    if not _same_text(a, b):
        wrong.append("text")
    if [i.url for i in a.images] != [i.url for i in b.images]:
        wrong.append("image urls")
    elif not all(
        _same_caption(x.caption, y.caption) for x, y in zip(a.images, b.images, strict=True)
    ):
        wrong.append("image captions")
    return wrong


@pytest.mark.parametrize("fmt", ["jekyll", "feedx", "gfw-breaker"])
def test_mirror_round_trip(
    originals: Archive, fmt: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    total = originals.counts()["articles"]
    assert total >= 1000
    assert write_mirror(originals, fmt, tmp_path / "out") == total
    where = _address(originals.dialect, "again", request, tmp_path)
    with open_archive(where) as again:
        summary = import_paths(again, [tmp_path / "out"])
        assert summary.errors == 0 and summary.articles == total
        mismatches: dict[str, list[str]] = {}
        for rec in originals.iter_articles():
            back = again.find(rec.url)
            if back is None:
                mismatches[rec.url] = ["missing"]
            elif problems := _compare(rec, back):
                mismatches[rec.url] = problems
    if originals.dialect == "postgres":
        request.getfixturevalue("pg_cluster").drop_database(where)
    assert not mismatches, (
        f"{len(mismatches)} of {total} differ, e.g. {list(mismatches.items())[:5]}"
    )
