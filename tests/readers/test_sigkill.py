"""Killing an import with SIGKILL at several points leaves a valid archive, and
re-running the import ends with exactly the archive an uninterrupted import gives."""

from __future__ import annotations

import io
import signal
import sqlite3
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from newsarchive.archive import Archive
from newsarchive.ingest import import_paths
from newsarchive.readers import ReadError, read_path

from .helpers import DATA, SEEDS
from .test_import import snapshot

FILES = 2000
ROOT = Path(__file__).resolve().parents[2]

# Runs the import in a child process, as the CLI does, in small batches so that kills
# land between and inside transactions.
CHILD = """
import sys
from pathlib import Path
from newsarchive.archive import Archive
from newsarchive.ingest import import_paths
from newsarchive.readers import ReadError, read_path
archive = Archive.open(sys.argv[1])
import_paths(archive, [Path(sys.argv[2])], workers=1, batch_size=50)
archive.close()
"""


def build_tarball(path: Path) -> Path:
    """FILES mirror files: the seeds and variant files, each copy a distinct article
    (its own URL), some of them unreadable."""
    sources = [p for p in sorted(DATA.glob("*.md")) if p.stat().st_size < 20_000]
    sources += sorted(SEEDS.iterdir())
    urls = {}
    for src in sources:
        result = next(iter(read_path(src)))
        urls[src] = None if isinstance(result, ReadError) else result[0].url
    with tarfile.open(path, "w:gz") as tar:
        for i in range(FILES):
            src = sources[i % len(sources)]
            data = src.read_bytes()
            url = urls[src]
            if i % 97 == 0:
                data = b""  # an empty file now and then
            elif url:
                # Make each copy its own article: another URL, same content.
                data = data.replace(url.encode(), f"{url}?copy={i}".encode())
            info = tarfile.TarInfo(f"mirror/{i:05d}-{src.name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def run_child(db: Path, tarball: Path, kill_after: float | None) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(tarball)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
    )
    if kill_after is None:
        assert proc.wait(timeout=300) == 0
        return
    time.sleep(kill_after)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.timeout(300)
def test_sigkill_then_rerun_equals_uninterrupted(tmp_path: Path) -> None:
    tarball = build_tarball(tmp_path / "mirror.tar.gz")

    reference = Archive.open(tmp_path / "reference.db")
    import_paths(reference, [tarball], workers=1)
    expected = snapshot(reference)
    reference.close()
    assert len(expected["articles"]) > FILES * 0.8

    db = tmp_path / "killed.db"
    stored: list[int] = []
    for delay in (1.0, 1.5, 2.0, 2.5):
        run_child(db, tarball, kill_after=delay)
        assert integrity(db) == "ok"
        with Archive.open(db) as archive:
            stored.append(archive.counts()["captures"])
    # The kills really interrupted the import part-way (not before it started, and
    # not after it finished).
    print("captures stored after each kill:", stored)
    assert any(0 < n < len(expected["captures"]) for n in stored)
    run_child(db, tarball, kill_after=None)
    assert integrity(db) == "ok"
    with Archive.open(db) as archive:
        assert snapshot(archive) == expected
