"""Benchmark several collectors on one PostgreSQL archive: N `newsarchive fetch`
processes started together against bench/fetch.py's loopback sites (8 hosts, 20–100 ms
a response), each with the same per-host limit, which must hold for all of them
together.

    PYTHONPATH=.:src .venv/bin/python bench/collectors.py [--articles 1000] [--collectors 1 3]

For each N, on a fresh database of a throwaway cluster (tests/pgcluster.py): articles/s
of the whole (first start to last exit), CPU per article of all the collectors'
processes (their extraction workers included), requests the servers saw for a path
already requested (pages and feeds: a page must never be fetched twice; a feed may be
polled again by a pass that started after another had polled it), and each host's
highest number of requests in flight against the limit.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from fetch import serve  # noqa: E402  (bench/fetch.py: the same sites)


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run(url: str, feeds: list[tuple[str, str]], n: int, args: argparse.Namespace) -> dict:
    from newsarchive.collect import add_source, list_sources, remove_source
    from newsarchive.components import open_archive

    with open_archive(url) as a:
        for s in list_sources(a):
            remove_source(a, s.name)
        for name, feed in feeds:
            add_source(a, name, feed)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES": "1",
        "NEWSARCHIVE_HOST_CONCURRENCY": str(args.host_concurrency),
        "NEWSARCHIVE_HOST_RATE": "1000",
        "NEWSARCHIVE_WORKERS": str(args.workers),
        "NEWSARCHIVE_TOTAL_TIMEOUT": "30",
        "NEWSARCHIVE_EXTRACT_PROCESSES": str(args.extract_processes),
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
    }
    cpu0 = _children_cpu()
    t0 = time.monotonic()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "newsarchive", "fetch", "--db", url, "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]
    summaries = []
    for p in procs:
        out, err = p.communicate()
        if p.returncode:
            raise SystemExit(f"collector failed: {err[-2000:]}")
        summaries.append(json.loads(out))
    elapsed = time.monotonic() - t0
    cpu = _children_cpu() - cpu0
    with open_archive(url, readonly=True) as a:
        counts = a.counts()
        queued = a.session.scalar("SELECT count(*) FROM page_queue")
    return {
        "elapsed": elapsed,
        "cpu": cpu,
        "articles": counts["articles"],
        "queued": queued,
        "new": [s["new_articles"] for s in summaries],
        "polled": [s["sources"] for s in summaries],
    }


def main() -> None:
    from tests.pgcluster import Cluster

    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=1000)
    ap.add_argument("--per-feed", type=int, default=50)
    ap.add_argument("--collectors", type=int, nargs="+", default=[1, 3])
    ap.add_argument("--host-concurrency", type=int, default=8)
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--extract-processes", type=int, default=1)
    args = ap.parse_args()
    with Cluster(fast=False) as cluster:
        for n in args.collectors:
            # Fresh sites for each N, so that the servers' counts are this run's.
            parent, child = mp.get_context("spawn").Pipe()
            server = mp.get_context("spawn").Process(
                target=serve, args=(child, args.articles, args.per_feed), daemon=True
            )
            server.start()
            site = parent.recv()
            load = os.getloadavg()[0]
            r = run(cluster.new_database(), site["feeds"], n, args)
            parent.send("stats")
            stats = parent.recv()
            server.terminate()
            requests = sum(v[2] for v in stats.values())
            repeats = sum(v[3] for v in stats.values())
            peak = max(v[0] for v in stats.values())
            print(
                f"collectors={n}: {r['articles']} articles in {r['elapsed']:.1f}s ="
                f" {r['articles'] / r['elapsed']:.0f}/s (load {load:.1f} before);"
                f" CPU of all collector processes {r['cpu'] / max(1, r['articles']) * 1000:.1f}"
                f" ms per article; new articles per collector {r['new']}, sources polled"
                f" {r['polled']} of {len(site['feeds'])}; left queued {r['queued']};"
                f" requests {requests} for {site['pages']} pages + {len(site['feeds'])} feeds,"
                f" repeated paths {repeats}; max in flight on any host {peak}"
                f" (limit {args.host_concurrency} for all collectors together)",
                flush=True,
            )


if __name__ == "__main__":
    main()
