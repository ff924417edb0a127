"""Copy benchmark: a whole archive SQLite -> PostgreSQL and back (`newsarchive copy`).

    PYTHONPATH=src python bench/copy_archive.py [--db ARCHIVE.db]

ARCHIVE.db defaults to the 51k-article Jekyll archive that
`bench/import.py --keep /work/bench-archive/jekyll.db` leaves. A throwaway PostgreSQL
cluster (tests/pgcluster.py, durable settings: fsync on) is started for the run.

Prints one figure per line. The peers, in the same run: a plain file copy of the
archive and SQLite's online backup (`sqlite3 .backup`), the fastest ways to move an
SQLite archive, which only reach another SQLite file. MB/s is the SQLite archive's size
on disk over the time taken, for every line, so the figures compare. A copy across
backends also rebuilds the search index on the destination: shown on its own line.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from newsarchive.transfer import CopyReport, copy_archive

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.pgcluster

from tests.pgcluster import Cluster  # noqa: E402

DEFAULT_DB = Path("/work/bench-archive/jekyll.db")


def _line(label: str, seconds: float, rows: int | None, size: int) -> None:
    rate = f"{rows / seconds:10,.0f} rows/s" if rows else " " * 17
    print(f"{label:<44} {seconds:7.1f} s {rate} {size / 2**20 / seconds:7.1f} MB/s")


def _rows(db: Path) -> int:
    """Rows a copy moves: every table's, read from the archive itself."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        names = [
            r[0]
            for r in conn.execute("SELECT name, type FROM pragma_table_list WHERE schema='main'")
            if r[1] in ("table", "shadow") and not r[0].startswith("sqlite_")
        ]
        return sum(conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _copy(label: str, source: str | Path, destination: str | Path, size: int) -> None:
    """One copy, reported; the machine is shared, so this process's CPU seconds are
    printed too (a PostgreSQL server's are not in them)."""
    cpu = _cpu()
    report = copy_archive(source, destination)
    _report(label, report, size)
    print(f"{label + ': cpu of this process':<44} {_cpu() - cpu:7.1f} s")


def _report(label: str, report: CopyReport, size: int) -> None:
    copied = [s for s in report.steps if s.how != "rebuilt"]
    seconds = sum(s.seconds for s in copied)
    _line(f"{label}: tables", seconds, sum(s.rows for s in copied), size)
    for step in report.steps:
        if step.how == "rebuilt":
            print(
                f"{label + ': ' + step.name + ' index rebuilt':<44} {step.seconds:7.1f} s"
                f" {step.rows / step.seconds:10,.0f} articles/s"
            )
    _line(f"{label}: total", report.seconds, None, size)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", type=Path, default=DEFAULT_DB, help="the SQLite archive to copy")
    args = ap.parse_args()
    if not args.db.exists():
        sys.exit(f"{args.db}: not found (build it: python bench/import.py --keep {args.db})")
    size = args.db.stat().st_size
    print(f"archive: {args.db} ({size / 2**20:,.0f} MiB, {_rows(args.db):,} rows)")

    with tempfile.TemporaryDirectory() as tmp, Cluster(fast=False) as cluster:
        start = time.perf_counter()
        shutil.copyfile(args.db, Path(tmp) / "file-copy.db")
        _line("peer: file copy (cp)", time.perf_counter() - start, None, size)

        start = time.perf_counter()
        with (
            sqlite3.connect(f"file:{args.db}?mode=ro", uri=True) as src,
            sqlite3.connect(Path(tmp) / "backup.db") as dst,
        ):
            src.backup(dst)
        _line("peer: sqlite3 .backup", time.perf_counter() - start, None, size)

        url = cluster.url("bench_copy")
        _copy("copy sqlite -> postgres", args.db, url, size)
        _copy("copy postgres -> sqlite", url, Path(tmp) / "back.db", size)
        _copy("copy sqlite -> sqlite", args.db, Path(tmp) / "same.db", size)


if __name__ == "__main__":
    main()
