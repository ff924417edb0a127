"""The dedup hook's cost on SQLite and on PostgreSQL, in the importer's single writer.

    PYTHONPATH=/work/main:src python bench/dedup_backends.py [--files N] [--batch N]
        [--import-files N]

1. Writer: the first N Jekyll files, read and prepared once as the parse workers
   prepare them (`prepare_draft`, not timed), then stored (`archive.ingest`, in
   transactions of --batch files as the importer commits) into fresh archives with no
   hook and with the dedup hook alone, on each backend. Prints files/s, the hook's
   cost per file (wall: PostgreSQL's work is in its server process, not ours) and the
   statements the hook sends per file (each one a round trip on PostgreSQL).
2. Import: `import_paths` of a tarball of the first --import-files files (parse
   workers included) with no hook and with the dedup hook alone, on each backend:
   files/s; then the story pass, and whether both backends hold the same dedup rows.

PostgreSQL runs in a throwaway cluster (`tests/pgcluster.py`, `Cluster(fast=False)`:
fsync on; sessions commit without waiting for the flush, as SQLite's NORMAL).
"""

from __future__ import annotations

import argparse
import os
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

from tests.pgcluster import Cluster

from newsarchive.archive import ArchiveHook, prepare_draft
from newsarchive.components import open_archive
from newsarchive.dedup import DedupHook, rebuild_stories
from newsarchive.ingest import import_paths
from newsarchive.model import Capture, Draft
from newsarchive.readers import read_path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSARCHIVE_SHARED", ROOT.parent / "shared"))
TARBALL = SHARED / "corpus" / "mirrors" / "jekyll-waimei.tar.xz"


def out(name: str, value: object) -> None:
    print(f"{name}: {value}", flush=True)


def read_items(n: int) -> list[tuple[Draft, Capture]]:
    items: list[tuple[Draft, Capture]] = []
    for item in read_path(TARBALL):
        if isinstance(item, tuple):
            prepare_draft(item[0], [DedupHook()])
            items.append(item)
            if len(items) == n:
                break
    return items


class StatementCounter:
    """Counts the statements a session sends (wraps execute/executemany)."""

    def __init__(self, session: Any) -> None:
        self.count = 0
        self.session = session
        self._execute, self._executemany = session.execute, session.executemany

    def __enter__(self) -> StatementCounter:
        def execute(sql: str, params: Any = ()) -> Any:
            self.count += 1
            return self._execute(sql, params)

        def executemany(sql: str, rows: Any) -> None:
            self.count += len(rows)  # psycopg pipelines them; SQLite has no round trips
            self._executemany(sql, rows)

        self.session.execute, self.session.executemany = execute, executemany
        return self

    def __exit__(self, *exc: object) -> None:
        del self.session.execute, self.session.executemany


def server_cpu(archive: Any) -> float:
    """CPU seconds used so far by the PostgreSQL backend serving `archive` (0 for
    SQLite, whose work is done in this process)."""
    if archive.dialect != "postgres":
        return 0.0
    pid = archive.session.scalar("SELECT pg_backend_pid()")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def store(
    address: str, items: list[tuple[Draft, Capture]], hooks: Sequence[ArchiveHook], batch: int
) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds of this process, of the database server, statements
    sent) of storing `items`."""
    archive = open_archive(address, hooks=hooks)
    try:
        with StatementCounter(archive.session) as counter:
            t, cpu, server = time.perf_counter(), time.process_time(), server_cpu(archive)
            for start in range(0, len(items), batch):
                with archive.transaction():
                    for draft, capture in items[start : start + batch]:
                        archive.ingest(draft, capture)
            return (
                time.perf_counter() - t,
                time.process_time() - cpu,
                server_cpu(archive) - server,
                counter.count,
            )
    finally:
        archive.close()


@contextmanager
def backends(workdir: Path) -> Iterator[dict[str, Callable[[str], str]]]:
    with Cluster(fast=False) as cluster:
        yield {
            "sqlite": lambda name: str(workdir / f"{name}.db"),
            "postgres": lambda name: cluster.new_database(),
        }


def bench_writer(workdir: Path, items: list[tuple[Draft, Capture]], batch: int) -> None:
    with backends(workdir) as where:
        for backend, address in where.items():
            res: dict[str, tuple[float, float, float, int]] = {}
            for _ in range(2):  # twice, alternating, to see the noise on a shared machine
                for label, hooks in (("no hook", []), ("dedup hook", [DedupHook()])):
                    got = store(address(f"writer-{len(res)}-{label[0]}"), items, hooks, batch)
                    best = res.get(label)
                    res[label] = got if best is None or got[0] < best[0] else best
            n = len(items)
            for label, (wall, cpu, server, stmts) in res.items():
                out(
                    f"writer [{backend}, {label}]",
                    f"{n / wall:.0f} files/s ({wall / n * 1000:.3f} ms/file wall,"
                    f" CPU {cpu / n * 1000:.3f} ms here + {server / n * 1000:.3f} ms server,"
                    f" {stmts / n:.1f} statements/file)",
                )
            hook, bare = res["dedup hook"], res["no hook"]
            out(
                f"dedup hook cost [{backend}]",
                f"{(hook[0] - bare[0]) / n * 1000:.3f} ms/file wall,"
                f" {(hook[1] + hook[2] - bare[1] - bare[2]) / n * 1000:.3f} ms/file CPU,"
                f" {(hook[3] - bare[3]) / n:.1f} statements/file",
            )


# What must be the same on both backends after the same import (stories also depend on
# each file's first_seen, the import's clock, for articles without a publication date).
TABLES = {
    "dedup_signatures": "article_id",
    "dedup_bands": "key, article_id",
    "dedup_links": "a, b",
    "dedup_members": "article_id",
    "stories": "id",
    "story_articles": "article_id",
}


def bench_import(workdir: Path, files: int) -> None:
    part = workdir / f"first-{files}.tar"
    if not part.exists():
        with tarfile.open(TARBALL, "r|*") as src, tarfile.open(part, "w") as dst:
            for member in islice((m for m in src if m.isfile()), files):
                dst.addfile(member, src.extractfile(member))
    tables: dict[str, dict[str, list[tuple[Any, ...]]]] = {}
    with backends(workdir) as where:
        for backend, address in where.items():
            for label, hooks in (("no hook", []), ("dedup hook alone", [DedupHook()])):
                archive = open_archive(address(f"import-{files}-{label[0]}"), hooks=hooks)
                try:
                    t = time.perf_counter()
                    summary = import_paths(archive, [part])
                    dt = time.perf_counter() - t
                    out(
                        f"import {files} files, {label} [{backend}]",
                        f"{summary.files / dt:.0f} files/s ({dt:.1f} s)",
                    )
                    if hooks:
                        t = time.perf_counter()
                        n = rebuild_stories(archive)
                        out(
                            f"story pass [{backend}]",
                            f"{n} stories in {time.perf_counter() - t:.1f} s",
                        )
                        tables[backend] = {
                            name: [
                                tuple(r)
                                for r in archive.session.all(
                                    f"SELECT * FROM {name} ORDER BY {order}"
                                )
                            ]
                            for name, order in TABLES.items()
                        }
                finally:
                    archive.close()
    for name in TABLES:
        same = tables["sqlite"][name] == tables["postgres"][name]
        out(f"same {name} on both", f"{same} ({len(tables['sqlite'][name])} rows)")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--files", type=int, default=2000, help="files for the writer benchmark")
    ap.add_argument("--batch", type=int, default=500, help="files per transaction")
    ap.add_argument("--import-files", type=int, default=5000, help="0: skip the import")
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="dedup-backends-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        if args.files:
            bench_writer(workdir, read_items(args.files), args.batch)
        if args.import_files:
            bench_import(workdir, args.import_files)


if __name__ == "__main__":
    main()
