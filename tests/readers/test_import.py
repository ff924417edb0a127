"""import_paths: batches, error records, idempotent re-runs, mirrors merging."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from newsarchive.archive import Archive
from newsarchive.components import open_archive
from newsarchive.ingest import import_paths

from .helpers import DATA, SEEDS


def snapshot(archive: Archive) -> dict[str, set[tuple[object, ...]]]:
    """Everything an import decides, without ids or wall-clock times."""
    q = archive.session.execute
    return {
        "articles": {tuple(r) for r in q("SELECT url, outlet FROM articles")},
        "versions": {
            tuple(r)
            for r in q(
                "SELECT a.url, v.content_hash, v.title, v.published FROM versions v"
                " JOIN articles a ON a.id = v.article_id"
            )
        },
        "latest": {
            tuple(r)
            for r in q(
                "SELECT a.url, v.content_hash FROM articles a"
                " JOIN versions v ON v.id = a.latest_version_id"
            )
        },
        "captures": {
            tuple(r)
            for r in q(
                "SELECT a.url, c.format, c.location, c.raw_sha256 FROM captures c"
                " JOIN articles a ON a.id = c.article_id"
            )
        },
        "blobs": {tuple(r) for r in q("SELECT sha256, size FROM blobs")},
        "errors": {tuple(r) for r in q("SELECT location, reason FROM import_errors")},
    }


def test_import_counts_and_rerun_adds_nothing(archive: Archive) -> None:
    summary = import_paths(archive, [DATA], workers=1)
    files = sum(1 for p in DATA.rglob("*") if p.is_file())
    assert summary.files == files
    assert summary.errors == 4  # 2 menu pages, an embed-only page, a listing page
    assert summary.articles + summary.new_versions + summary.unchanged + summary.errors == files
    assert summary.articles == archive.counts()["articles"]
    before = snapshot(archive)

    again = import_paths(archive, [DATA], workers=1)
    assert again.to_json() == {
        "files": files,
        "articles": 0,
        "new_versions": 0,
        "unchanged": files - 4,
        "errors": 4,
    }
    assert snapshot(archive) == before
    assert len(archive.errors()) == 4
    for err in archive.errors():
        assert err["location"].startswith("readers/") and err["reason"]


def test_same_article_from_two_mirrors_is_one_article_two_captures(
    archive: Archive, tmp_path: Path
) -> None:
    seed = SEEDS / "000_0e76638f8906f1b6.txt"
    other = tmp_path / "other-mirror"
    other.mkdir()
    # The same post in another mirror, written with http:// and "www." variations.
    text = seed.read_text("utf-8").replace(
        "from: https://www.epochtimes.com/", "from: http://epochtimes.com/"
    )
    (other / "post.md").write_text(text, "utf-8")
    first = import_paths(archive, [seed], workers=1)
    second = import_paths(archive, [other], workers=1)
    assert (first.articles, second.articles, second.unchanged) == (1, 0, 1)
    record = archive.find("https://www.epochtimes.com/gb/21/3/1/n12782341.htm")
    assert record is not None and record.version_count == 1
    assert [c["location"] for c in archive.captures(record.id)] == [
        "000_0e76638f8906f1b6.txt",
        "other-mirror/post.md",
    ]


def test_changed_body_is_a_new_version(archive: Archive, tmp_path: Path) -> None:
    seed = SEEDS / "001_2b8f0b1099bcdc1e.txt"
    later = tmp_path / "later.md"
    later.write_text(seed.read_text("utf-8").replace("别无选择。", "别无选择。（更新）"), "utf-8")
    import_paths(archive, [seed], workers=1)
    summary = import_paths(archive, [later], workers=1)
    assert summary.new_versions == 1
    record = archive.find(
        "https://www.voachinese.com/a/xi-push-for-chip-self-reliance-may-fail-20220204/6427409.html"
    )
    assert record is not None and record.version_count == 2
    assert "（更新）" in record.text


def test_pool_and_serial_imports_agree(new_db_address: Callable[[str], str]) -> None:
    serial = open_archive(new_db_address("serial"))
    pooled = open_archive(new_db_address("pooled"))
    progress: list[str] = []
    import_paths(serial, [DATA], workers=1)
    import_paths(pooled, [DATA], workers=2, on_file=progress.append, batch_size=7)
    assert snapshot(serial) == snapshot(pooled)
    assert len(progress) == sum(1 for p in DATA.rglob("*") if p.is_file())
    serial.close()
    pooled.close()


def test_archives_inside_a_folder_are_opened(archive: Archive, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    shutil.make_archive(str(folder / "seeds"), "gztar", root_dir=SEEDS.parent, base_dir="seeds")
    summary = import_paths(archive, [folder], workers=1)
    assert summary.articles == 5
    locations = {c[0] for c in archive.session.execute("SELECT location FROM captures")}
    assert "seeds.tar.gz/seeds/003_43ec97775d2f5570.txt" in locations


def test_import_collects_garbage_less_often_and_restores_the_threshold(archive: Archive) -> None:
    """The importer stores drafts under the workers' collector threshold (fewer
    collections, 0.085 -> 0.045 ms a file) and gives the process its own back."""
    import gc

    from newsarchive.workers import GC_THRESHOLD

    before = gc.get_threshold()
    during: list[tuple[int, int, int]] = []
    import_paths(archive, [DATA], workers=1, on_file=lambda _: during.append(gc.get_threshold()))
    assert during and set(during) == {GC_THRESHOLD}
    assert gc.get_threshold() == before
