"""Killing an import with SIGKILL at several points leaves a valid archive, and
re-running the import ends with exactly the archive an uninterrupted import gives.

Kills land when a given number of captures is committed, so inside batches whatever the
machine's speed. tests/reliability/test_crash_matrix.py kills the `import` command (and
`fetch`, `publish`) at random moments with the same judge (`crashkit`)."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from newsarchive.archive import ArchiveError
from newsarchive.components import open_archive
from newsarchive.ingest import import_paths
from newsarchive.readers import ReadError, read_path
from tests.reliability.crashkit import dump_archive, integrity_problems

from .helpers import DATA, SEEDS
from .test_import import snapshot

FILES = 800
ROOT = Path(__file__).resolve().parents[2]

# Runs the import in a child process, as the CLI does, in small batches so that kills
# land between and inside transactions. Without the search hook: its start-up (jieba)
# and cost would dominate, and the index has its own consistency tests.
CHILD = """
import sys
from pathlib import Path
from newsarchive.archive import ArchiveError
from newsarchive.components import open_archive
from newsarchive.ingest import import_paths
archive = open_archive(sys.argv[1], hooks=[])
import_paths(archive, [Path(sys.argv[2])], workers=1, batch_size=50)
archive.close()
"""


def build_tarball(path: Path, files: int = FILES) -> Path:
    """`files` mirror files: the seeds and variant files, each copy a distinct article
    (its own URL), some of them unreadable."""
    sources = [p for p in sorted(DATA.glob("*.md")) if p.stat().st_size < 20_000]
    sources += sorted(SEEDS.iterdir())
    urls = {}
    for src in sources:
        result = next(iter(read_path(src)))
        urls[src] = None if isinstance(result, ReadError) else result[0].url
    with tarfile.open(path, "w:gz") as tar:
        for i in range(files):
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


def start_child(db: str, tarball: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, db, str(tarball)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
    )


def stored_captures(db: str) -> int:
    try:
        with open_archive(db, readonly=True, create=False, hooks=[]) as archive:
            if not archive.session.table_exists("captures"):
                return 0  # not created yet
            return archive.counts()["captures"]
    except ArchiveError:  # no such archive yet
        return 0


def kill_when_stored(db: str, tarball: Path, at_least: int) -> None:
    """SIGKILL the import as soon as `at_least` captures are committed: the next batch
    is then half-written, whatever the machine's speed."""
    proc = start_child(db, tarball)
    deadline = time.monotonic() + 240
    while stored_captures(db) < at_least:
        assert proc.poll() is None, "the import finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def judge(db: str) -> Any:
    """What the archive holds, without ids or times: the crash kit's dump of an SQLite
    file (read with plain sqlite3, not through the archive), the archive's own view of a
    PostgreSQL database (the server recovers its database itself)."""
    if "://" not in db:
        return dump_archive(Path(db))
    with open_archive(db, readonly=True, hooks=[]) as archive:
        return snapshot(archive)


def problems(db: str) -> list[str]:
    return [] if "://" in db else integrity_problems(Path(db))


@pytest.mark.timeout(300)
def test_sigkill_then_rerun_equals_uninterrupted(
    tmp_path: Path, db_address: str, new_db_address: Callable[[str], str]
) -> None:
    tarball = build_tarball(tmp_path / "mirror.tar.gz")

    reference_address = new_db_address("reference")
    reference = open_archive(reference_address, hooks=[])
    import_paths(reference, [tarball], workers=1)
    reference.close()
    expected = judge(reference_address)
    assert len(expected["articles"]) > FILES * 0.8

    db = db_address
    # Once while starting up, then three times in the middle of batches.
    proc = start_child(db, tarball)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    stored = []
    for at_least in (50, 250, 500):
        kill_when_stored(db, tarball, at_least)
        assert problems(db) == []
        stored.append(stored_captures(db))
    assert stored == sorted(stored) and stored[-1] < len(expected["captures"])

    proc = start_child(db, tarball)
    assert proc.wait(timeout=300) == 0
    assert problems(db) == []
    assert judge(db) == expected
