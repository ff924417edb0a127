"""SQLite against PostgreSQL in one run: import, search latency, web throughput, copy.

    PYTHONPATH=src .venv/bin/python bench/backends.py [--tarball PATH] [--limit N]
        [--duration 20] [--clients 8] [--skip import,search,web,copy] [--without HOOKS]
        [--keep DIR]

`--keep DIR` keeps both imported archives in DIR (a later run with the same DIR skips
the import: to measure search again after a change to it).

Starts a throwaway PostgreSQL cluster (tests/pgcluster.py, durable settings: fsync on,
as a real deployment), then for each backend on the same machine in the same run:

1. imports the Jekyll tarball (51,570 files) with every hook (search, dedup, vectors,
   entities, history; `--without VectorHook` leaves one out), as `newsarchive import`
   does: files/s and the PostgreSQL/SQLite ratio (targets: PostgreSQL >= 0.5x SQLite
   and >= 400 files/s), and where the CPU went per file: the writing process's main
   thread, the parse workers (the hooks' preparation: segmenting, embedding,
   recognising entities) and the PostgreSQL server. On a busy machine files/s follows
   the load; the CPU figures much less;
2. times `search()` in-process over the web benchmark's query log (typical words, both
   scripts, filters, second pages): p50/p99 per backend (target p99 <= 25 ms);
3. serves each archive with `newsarchive serve --workers 2` and drives /api/search from
   8 keep-alive clients for D seconds: searches/s, p50/p99, errors;
4. copies the SQLite archive into a fresh PostgreSQL database with `newsarchive copy`
   and back: seconds and articles/s each way, with a plain file copy as the peer.

One line per figure.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tests.pgcluster import Cluster  # noqa: E402

from proctree import TreeMonitor  # noqa: E402
from web import (  # noqa: E402
    LOG_SIZE,
    client_main,
    free_port,
    pct,
    search_paths,
    wait_ready,
)


def _shared() -> Path:
    """`$NEWSARCHIVE_SHARED`, or the nearest ``shared`` folder beside a parent of the
    repository (a worktree in /work/wt/NAME finds /work/shared as /work/main does)."""
    if os.environ.get("NEWSARCHIVE_SHARED"):
        return Path(os.environ["NEWSARCHIVE_SHARED"])
    for parent in ROOT.parents:
        if (parent / "shared").is_dir():
            return parent / "shared"
    return ROOT.parent / "shared"


DEFAULT_TARBALL = _shared() / "corpus/mirrors/jekyll-waimei.tar.xz"


def limited(tarball: Path, limit: int | None, into: Path) -> Path:
    if not limit:
        return tarball
    sys.path.insert(0, str(ROOT / "bench"))
    from importlib import import_module

    return import_module("import").limited_copy(tarball, limit, into)  # type: ignore[no-any-return]


@dataclass
class Imported:
    files: int
    seconds: float
    # CPU seconds: the importing process's main thread (the one writer), its parse
    # workers, and the database server's processes (PostgreSQL; SQLite's work is in
    # the writer).
    writer_cpu: float
    workers_cpu: float
    server_cpu: float

    def line(self, name: str) -> str:
        per = 1000 / max(1, self.files)
        return (
            f"import {name}: {self.files} files in {self.seconds:.1f} s ="
            f" {self.files / self.seconds:.0f} files/s; CPU ms/file: writer"
            f" {self.writer_cpu * per:.2f}, workers {self.workers_cpu * per:.2f},"
            f" server {self.server_cpu * per:.2f}"
        )


def run_import(
    address: str, tarball: Path, server: TreeMonitor | None, without: set[str]
) -> Imported:
    """Import `tarball` with every hook but those named in `without` (class names)."""
    from newsarchive.components import default_hooks, open_archive
    from newsarchive.ingest import import_paths

    hooks = [h for h in default_hooks() if type(h).__name__ not in without]
    with TreeMonitor() as workers:
        workers.sample()
        workers_before = workers.cpu_seconds
        if server is not None:
            server.sample()
        server_before = server.cpu_seconds if server is not None else 0.0
        started, writer_before = time.perf_counter(), time.thread_time()
        with open_archive(address, hooks=hooks) as archive:
            summary = import_paths(archive, [tarball])
            writer = time.thread_time() - writer_before
            if server is not None:
                server.sample()  # while the writer's server process is still there
        seconds = time.perf_counter() - started
    return Imported(
        summary.files,
        seconds,
        writer,
        workers.cpu_seconds - workers_before,
        server.cpu_seconds - server_before if server is not None else 0.0,
    )


def upgrade(address: str) -> float:
    """Seconds to open `address` for writing (its pending migrations run), and close."""
    from newsarchive.components import open_archive

    started = time.perf_counter()
    with open_archive(address):
        pass
    return time.perf_counter() - started


def _server_cpu_ms(archive: object) -> Callable[[], float]:
    """A clock of the CPU milliseconds the archive's PostgreSQL server process has run
    (its scheduler statistics, in ns), or of nothing (SQLite's work runs in this
    thread). Linux only; elsewhere nothing."""
    from newsarchive.archive import Archive

    assert isinstance(archive, Archive)
    if archive.dialect != "postgres":
        return lambda: 0.0
    stat = Path(f"/proc/{archive.session.scalar('SELECT pg_backend_pid()')}/schedstat")
    if not stat.exists():  # another machine's server, or not Linux
        return lambda: 0.0
    return lambda: int(stat.read_text().split()[0]) / 1e6


def search_latency(address: str, n: int) -> tuple[list[float], list[float]]:
    """Each query's milliseconds, and its CPU milliseconds: this thread's and the
    database server's for it. On a machine shared with other work the first follows
    the load; the second much less."""
    from urllib.parse import parse_qs, urlsplit

    from newsarchive.components import open_archive
    from newsarchive.search import QueryError, search

    times: list[float] = []
    cpus: list[float] = []
    with open_archive(address, readonly=True) as archive:
        server_ms = _server_cpu_ms(archive)
        search(archive, "美国")  # load the segmenter before timing
        for path in search_paths(n, seed=7):
            q = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
            kwargs: dict[str, object] = {"limit": int(q.get("limit", 20))}
            if "offset" in q:
                kwargs["offset"] = int(q["offset"])
            if "outlet" in q:
                kwargs["outlet"] = q["outlet"]
            if "since" in q:
                from datetime import UTC, datetime

                kwargs["since"] = datetime.fromisoformat(q["since"]).replace(tzinfo=UTC)
                kwargs["until"] = datetime.fromisoformat(q["until"]).replace(tzinfo=UTC)
            server_before, cpu_before = server_ms(), time.thread_time()
            started = time.perf_counter()
            with contextlib.suppress(QueryError):
                search(archive, q["q"], **kwargs)  # type: ignore[arg-type]
            times.append((time.perf_counter() - started) * 1000)
            cpus.append((time.thread_time() - cpu_before) * 1000 + server_ms() - server_before)
    return times, cpus


def web_load(address: str, clients: int, duration: float) -> str:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen(
        [sys.executable, "-m", "newsarchive", "serve", "--db", address, "--port", str(port),
         "--workers", "2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        wait_ready(url)
        client = subprocess.run(
            [sys.executable, "-c",
             "import sys; sys.path.insert(0, 'bench'); from web import client_main; "
             f"client_main({url!r}, {clients}, {duration}, 11)"],
            capture_output=True, text=True, cwd=ROOT, timeout=duration + 120, check=True,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
    import json

    rows = json.loads(client.stdout)
    lat = [r[1] * 1000 for r in rows]
    errors = sum(1 for r in rows if r[2] != 200)
    return (
        f"{len(rows) / duration:.0f} searches/s, p50 {pct(lat, 50):.1f} ms, "
        f"p99 {pct(lat, 99):.1f} ms, {len(rows)} requests, {errors} errors"
    )


def run_copy(src: str, dst: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "newsarchive", "copy", src, dst],
        check=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT / "src")},
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tarball", type=Path, default=DEFAULT_TARBALL)
    ap.add_argument("--limit", type=int, default=None, help="only the first N files")
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--skip", default="", help="comma-separated: import,search,web,copy")
    ap.add_argument("--sqlite", type=Path, default=None, help="reuse this SQLite archive")
    ap.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="keep both archives (the SQLite file and the PostgreSQL cluster) in this folder;"
        " a later run given the same folder skips the import and measures them again",
    )
    ap.add_argument(
        "--without",
        default="",
        help="import without these hooks (class names, comma-separated; say VectorHook"
        " to see the embedding's share)",
    )
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    _ = client_main, LOG_SIZE, statistics  # the web benchmark's client, run in a child

    work = Path(tempfile.mkdtemp(prefix="bench-backends-"))
    imported = args.keep / "imported" if args.keep else None
    if imported is not None and imported.exists():
        print(f"reusing the archives kept in {args.keep}: {imported.read_text()}", flush=True)
        skip.add("import")
        args.sqlite = args.sqlite or args.keep / "archive.db"
    with Cluster(fast=False, keep=args.keep and args.keep / "pg") as cluster:
        sqlite_db = str(args.sqlite or (args.keep or work) / "archive.db")
        pg_db = cluster.url("archive")
        if imported is not None and imported.exists():
            # Kept archives are searched read-only, which migrates nothing: a newer
            # schema (say the search component's trigrams) is applied here, once.
            for name, address in (("sqlite", sqlite_db), ("postgres", pg_db)):
                print(f"opened {name} to migrate it: {upgrade(address):.1f} s", flush=True)
        elif "import" not in skip:
            tarball = limited(args.tarball, args.limit, work)
            figures = {}
            without = set(filter(None, args.without.split(",")))
            if without:
                print(f"import without the hooks {', '.join(sorted(without))}", flush=True)
            postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
            for name, address in (("sqlite", sqlite_db), ("postgres", pg_db)):
                if name == "sqlite" and args.sqlite:
                    continue
                server = TreeMonitor(root=postmaster) if name == "postgres" else None
                done = run_import(address, tarball, server, without)
                figures[name] = done.files / done.seconds
                print(done.line(name) + f" (load {os.getloadavg()[0]:.1f})", flush=True)
            if len(figures) == 2:
                print(f"import postgres/sqlite: {figures['postgres'] / figures['sqlite']:.2f}x"
                      " (target >= 0.5x and >= 400 files/s)", flush=True)  # fmt: skip
            if imported is not None:
                imported.write_text(f"{args.tarball.name}, --limit {args.limit}\n")
        elif args.sqlite:
            run_copy(sqlite_db, pg_db)
        if "search" not in skip:
            for name, address in (("sqlite", sqlite_db), ("postgres", pg_db)):
                lat, cpu = search_latency(address, args.queries)
                print(f"search {name}: p50 {pct(lat, 50):.1f} ms, p99 {pct(lat, 99):.1f} ms,"
                      f" max {max(lat):.1f} ms over {len(lat)} queries (target p99 <= 25 ms);"
                      f" CPU ms (client + server) p50 {pct(cpu, 50):.1f}, p99 {pct(cpu, 99):.1f}"
                      f" (load {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
        if "web" not in skip:
            for name, address in (("sqlite", sqlite_db), ("postgres", pg_db)):
                print(f"web {name}, 2 server processes, {args.clients} clients:"
                      f" {web_load(address, args.clients, args.duration)}", flush=True)  # fmt: skip
        if "copy" not in skip:
            started = time.perf_counter()
            shutil.copyfile(sqlite_db, work / "plain-copy.db")
            plain = time.perf_counter() - started
            from newsarchive.components import open_archive

            with open_archive(sqlite_db, readonly=True) as a:
                n = a.counts()["articles"]
            to_pg = run_copy(sqlite_db, cluster.url("copied"))
            back = run_copy(cluster.url("copied"), str(work / "back.db"))
            print(
                f"copy sqlite -> postgres: {to_pg:.1f} s = {n / to_pg:.0f} articles/s", flush=True
            )
            print(f"copy postgres -> sqlite: {back:.1f} s = {n / back:.0f} articles/s", flush=True)
            print(f"peer, plain file copy of the SQLite archive: {plain:.2f} s", flush=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
