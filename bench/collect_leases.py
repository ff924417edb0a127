"""Benchmark of what several collectors on one archive share (collect/leases.py): how
fast collectors claim and finish queued pages, and what a per-host request slot shared
by every collector costs, two ways.

    PYTHONPATH=.:src .venv/bin/python bench/collect_leases.py [--jobs 4000] [--procs 1 3]

1. Page queue: `--jobs` pages queued; P processes each claim B pages at a time
   (`Leases.claim_pages`: UPDATE … FOR UPDATE SKIP LOCKED on PostgreSQL, in its own
   short transaction) and finish them in the writer's transaction (`finish_page`), one
   transaction per batch. Prints jobs/s and checks that no page was claimed twice.
   Batch 1 is "one job a commit"; 32 is what a pass claims when it has room.
2. Host slots: 3 processes × 4 threads make requests of 2 ms to one host limited to 2
   at a time: slots as lease rows (claimed with SKIP LOCKED, released by an UPDATE) or
   as session advisory locks (`pg_try_advisory_lock(host, slot)`, released by
   `pg_advisory_unlock`, and by the server when a collector's connection drops).
   Prints requests/s (at most 1,000/s: 2 slots / 2 ms), the highest concurrency seen
   (must be ≤ 2) and the database round trip per request.

A throwaway PostgreSQL cluster (tests/pgcluster.py) and a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from newsarchive.collect.feeds import FeedItem  # noqa: E402
from newsarchive.collect.leases import (  # noqa: E402
    Leases,
    finish_page,
    item_to_json,
    now_sql,
)
from newsarchive.components import open_archive  # noqa: E402
from newsarchive.model import utcnow  # noqa: E402


def fill_queue(address: str, jobs: int) -> None:
    with open_archive(address, hooks=[]) as a, a.transaction() as tx:
        tx.execute("DELETE FROM page_queue")
        now = utcnow().isoformat()
        rows = []
        for i in range(jobs):
            url = f"https://host{i % 8}.example/a/{i}.html"
            item = FeedItem(url=url, title=f"标题 {i}", summary_html="<p>摘要</p>")
            rows.append((url, "bench", f"host{i % 8}.example", item_to_json(item), now))
        tx.executemany(
            "INSERT INTO page_queue(url, source, host, item, queued_at) VALUES(?,?,?,?,?)", rows
        )


def queue_worker(address: str, batch: int, out: Any, ready: Any, go: Any) -> None:
    claimed: list[str] = []
    with open_archive(address, hooks=[]) as a:
        leases = Leases(a, 60.0)
        ready.put(1)
        go.wait()
        t0 = time.perf_counter()
        while True:
            pages = leases.claim_pages(batch, per_host=batch)
            if not pages:
                break
            with a.transaction() as tx:
                for p in pages:
                    finish_page(tx, p.url, leases.holder)
            claimed.extend(p.url for p in pages)
        elapsed = time.perf_counter() - t0
    out.put((claimed, elapsed))


def bench_queue(address: str, label: str, jobs: int, procs: int, batch: int) -> None:
    fill_queue(address, jobs)
    ctx = mp.get_context("spawn")
    out, ready, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    workers = [
        ctx.Process(target=queue_worker, args=(address, batch, out, ready, go))
        for _ in range(procs)
    ]
    for w in workers:
        w.start()
    for _ in workers:
        ready.get()
    go.set()
    claimed: list[str] = []
    elapsed = 0.0
    for _ in workers:
        urls, seconds = out.get()
        claimed.extend(urls)
        elapsed = max(elapsed, seconds)
    for w in workers:
        w.join()
    dup = len(claimed) - len(set(claimed))
    print(
        f"queue {label:8} procs={procs} batch={batch:<3} {len(claimed)} jobs in {elapsed:6.2f}s"
        f" = {len(claimed) / elapsed:7.0f} jobs/s, claimed twice: {dup}",
        flush=True,
    )


# -- host slots ----------------------------------------------------------------------


SLOTS_SQL = """
CREATE TABLE IF NOT EXISTS bench_host_slots (
    host TEXT NOT NULL, slot INTEGER NOT NULL, holder TEXT, leased_until DOUBLE PRECISION,
    PRIMARY KEY (host, slot));
"""


class RowSlots:
    def __init__(self, session: Any, lock: threading.Lock, holder: str, limit: int) -> None:
        self.s, self.lock, self.holder, self.limit = session, lock, holder, limit
        self.now = now_sql("postgres")

    def acquire(self, host: str) -> int | None:
        with self.lock:
            row = self.s.one(
                f"UPDATE bench_host_slots SET holder=?, leased_until={self.now} + 70"
                " WHERE (host, slot) IN (SELECT host, slot FROM bench_host_slots"
                f" WHERE host=? AND slot < ? AND (leased_until IS NULL OR leased_until <= {self.now})"
                " ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING slot",
                (self.holder, host, self.limit),
            )
        return None if row is None else int(row[0])

    def release(self, host: str, slot: int) -> None:
        with self.lock:
            self.s.execute(
                "UPDATE bench_host_slots SET holder=NULL, leased_until=NULL"
                " WHERE host=? AND slot=? AND holder=?",
                (host, slot, self.holder),
            )


class AdvisorySlots:
    """A session's advisory locks are re-entrant (the threads of one process share its
    connection), so the slots this process holds are skipped by hand."""

    def __init__(self, session: Any, lock: threading.Lock, holder: str, limit: int) -> None:
        self.s, self.lock, self.limit = session, lock, limit
        self.held: set[int] = set()

    @staticmethod
    def key(host: str) -> int:
        return zlib.crc32(host.encode()) - (1 << 31)  # an int4

    def acquire(self, host: str) -> int | None:
        with self.lock:
            row = self.s.one(
                "SELECT s FROM generate_series(0, ? - 1) s"
                " WHERE NOT (s = ANY(?::int[])) AND pg_try_advisory_lock(?, s) LIMIT 1",
                (self.limit, sorted(self.held), self.key(host)),
            )
            if row is None:
                return None
            self.held.add(int(row[0]))
            return int(row[0])

    def release(self, host: str, slot: int) -> None:
        with self.lock:
            self.s.execute("SELECT pg_advisory_unlock(?, ?)", (self.key(host), slot))
            self.held.discard(slot)


def slot_worker(url: str, kind: str, threads: int, requests: int, hold: float, out: Any) -> None:
    with open_archive(url, hooks=[]) as a:
        lock = threading.Lock()
        cls = RowSlots if kind == "rows" else AdvisorySlots
        slots = cls(a.session, lock, f"bench:{os.getpid()}", 2)
        spans: list[tuple[float, float]] = []
        trips = [0]
        db_time = [0.0]

        def run() -> None:
            for _ in range(requests):
                wait = 0.001
                while True:
                    t = time.perf_counter()
                    slot = slots.acquire("one.example")
                    db_time[0] += time.perf_counter() - t
                    trips[0] += 1
                    if slot is not None:
                        break
                    time.sleep(wait)
                    wait = min(wait * 2, 0.05)
                start = time.monotonic()
                time.sleep(hold)
                end = time.monotonic()
                t = time.perf_counter()
                slots.release("one.example", slot)
                db_time[0] += time.perf_counter() - t
                trips[0] += 1
                spans.append((start, end))

        ts = [threading.Thread(target=run) for _ in range(threads)]
        cpu0 = time.process_time()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        out.put((spans, trips[0], db_time[0], time.process_time() - cpu0))


def bench_slots(url: str, kind: str, procs: int, threads: int, requests: int) -> None:
    with open_archive(url, hooks=[]) as a:
        a.session.execute(SLOTS_SQL)
        a.session.execute("DELETE FROM bench_host_slots")
        a.session.execute(
            "INSERT INTO bench_host_slots(host, slot) VALUES('one.example', 0), ('one.example', 1)"
        )
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    hold = 0.002
    ws = [
        ctx.Process(target=slot_worker, args=(url, kind, threads, requests, hold, out))
        for _ in range(procs)
    ]
    for w in ws:
        w.start()
    results = [out.get() for _ in ws]
    for w in ws:
        w.join()
    spans = [s for r in results for s in r[0]]
    trips = sum(r[1] for r in results)
    db = sum(r[2] for r in results)
    cpu = sum(r[3] for r in results)
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    level = peak = 0
    for _, d in events:
        level += d
        peak = max(peak, level)
    first = min(s for s, _ in spans)
    last = max(e for _, e in spans)
    print(
        f"slots {kind:8} procs={procs} threads={threads}: {len(spans)} requests of"
        f" {hold * 1000:.0f} ms in {last - first:5.2f}s = {len(spans) / (last - first):5.0f}/s,"
        f" max concurrent {peak} (limit 2), {trips / len(spans):4.1f} DB round trips and"
        f" {db / len(spans) * 1000:5.2f} ms in the DB per request,"
        f" client CPU {cpu / len(spans) * 1000:4.2f} ms per request",
        flush=True,
    )


def main() -> None:
    from tests.pgcluster import Cluster

    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=4000)
    ap.add_argument("--procs", type=int, nargs="+", default=[1, 3])
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 32])
    ap.add_argument("--slot-requests", type=int, default=300)
    ap.add_argument("--skip", nargs="*", default=[], choices=["queue", "slots", "sqlite"])
    args = ap.parse_args()
    # A cluster as a collector would see one: fsync on (the archive's own setting,
    # synchronous_commit=off, applies to its connections).
    with Cluster(fast=False) as cluster, tempfile.TemporaryDirectory() as tmp:
        url = cluster.new_database()
        open_archive(url).close()
        targets = [("postgres", url)]
        if "sqlite" not in args.skip:
            sqlite_path = str(Path(tmp) / "bench.db")
            open_archive(sqlite_path).close()
            targets.append(("sqlite", sqlite_path))
        if "queue" not in args.skip:
            for label, address in targets:
                for procs in args.procs:
                    for batch in args.batches:
                        bench_queue(address, label, args.jobs, procs, batch)
        if "slots" not in args.skip:
            for kind in ("rows", "advisory"):
                bench_slots(url, kind, 1, 1, args.slot_requests)
                bench_slots(url, kind, 3, 4, args.slot_requests // 4)


if __name__ == "__main__":
    main()
