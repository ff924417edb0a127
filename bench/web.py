"""Web search throughput and latency over the ~51,000-article mirror archive.

    PYTHONPATH=src /work/venv/bin/python bench/web.py [--workers 1 2] [--duration 30]

1. Builds (once, cached in bench/out/) the archive of jekyll-waimei.tar.xz with the
   readers' `import_paths`.
2. For each server setting (uvicorn worker processes), on a fresh copy of that archive:
   starts `uvicorn newsarchive.web:app_from_env` in its own process, then drives
   GET /api/search from a SEPARATE client process with N concurrent keep-alive clients
   for D seconds, cycling through realistic Chinese queries (both scripts, filters,
   second pages). From second 5 to 5+I an import of gfw-breaker-pages.tar.xz (11,639
   files) writes into the same archive from a third process.
3. Prints requests/s, p50/p99 latency and errors, overall and while the import ran.

The client is a minimal HTTP/1.1 keep-alive loop on asyncio streams rather than httpx:
on 2 shared cores every millisecond the client burns is taken from the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("NEWSARCHIVE_SHARED", ROOT.parent / "shared")) / "corpus" / "mirrors"
OUT = ROOT / "bench" / "out"

# What readers of a 2014–2021 archive of blocked Chinese news look for: single words,
# two-word queries, traditional spellings (folded to the same results), some filtered.
QUERIES = [
    "新冠",
    "疫情",
    "武汉",
    "口罩",
    "疫苗",
    "香港",
    "国安法",
    "抗议",
    "台湾",
    "大选",
    "美国",
    "特朗普",
    "拜登",
    "习近平",
    "中共",
    "新疆",
    "维吾尔",
    "人权",
    "华为",
    "芯片",
    "制裁",
    "贸易战",
    "关税",
    "经济",
    "失业",
    "洪水",
    "三峡",
    "南海",
    "边境",
    "澳大利亚",
    "言论自由",
    "记者",
    "审查",
    "微信",
    "北京",
    "上海",
    "李文亮",
    "世卫组织",
    "病毒",
    "隔离",
    "香港 国安法",
    "美国 制裁",
    "新冠 疫苗",
    "中美 贸易",
    "台湾 选举",
    "武汉 封城",
    "臺灣",
    "選舉",
    "疫苗 接種",
    "習近平",
    "維吾爾",
    "國安法",
    "華為",
    "晶片",
]
LOG_SIZE = 5000  # requests in the synthetic query log
OUTLETS = ["美国之音", "大纪元", "德国之声", "法广", "自由亚洲电台", "BBC中文", "中央社"]


def search_paths(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    # Query logs are Zipf-like: a few queries are asked far more often than the rest.
    weights = [1 / (rank + 1) for rank in range(len(QUERIES))]
    out = []
    for _ in range(n):
        query = rng.choices(QUERIES, weights)[0]
        params: dict[str, str | int] = {"q": query, "limit": 20}
        roll = rng.random()
        if roll < 0.15:
            params["offset"] = 20
        elif roll < 0.25:
            params["outlet"] = rng.choice(OUTLETS)
        elif roll < 0.30:
            params["since"], params["until"] = "2020-03-01", "2020-06-30"
        out.append("/api/search?" + urlencode(params))
    return out


# -- the archive ---------------------------------------------------------------------


def build_archive(db: Path) -> None:
    from newsarchive.components import open_archive
    from newsarchive.ingest import import_paths

    tarball = CORPUS / "jekyll-waimei.tar.xz"
    db.parent.mkdir(parents=True, exist_ok=True)
    partial = db.with_suffix(".partial")
    started = time.perf_counter()
    with open_archive(partial) as archive:
        summary = import_paths(archive, [tarball])
        counts = archive.counts()
    partial.rename(db)
    print(
        f"built archive: {counts['articles']} articles from {summary.files} files "
        f"in {time.perf_counter() - started:.0f} s -> {db}",
        flush=True,
    )


def run_import(db: str, path: str) -> None:
    """The parallel writer (its own process, like `newsarchive import`)."""
    from newsarchive.components import open_archive
    from newsarchive.ingest import import_paths

    with open_archive(db) as archive:
        files = 0

        def tick(_: str) -> None:
            nonlocal files
            files += 1
            if files % 500 == 0:
                print(f"import: {files} files", file=sys.stderr, flush=True)

        # Small batches: many commits, each of which empties the web's result cache.
        import_paths(archive, [Path(path)], on_file=tick, batch_size=100, workers=1)


# -- the client ----------------------------------------------------------------------

# (start time, latency s, HTTP status, result lag s: how far behind the newest commit
# the server says the result may be, its X-Result-Lag header)
Result = tuple[float, float, int, float]


async def _client(
    host: str,
    port: int,
    paths: list[str],
    stop_at: float,
    results: list[Result],
    once: bool = False,
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    i = 0
    while time.monotonic() < stop_at and not (once and i >= len(paths)):
        path = paths[i % len(paths)]
        i += 1
        started = time.monotonic()
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length, lag = 0, 0.0
            for line in head.split(b"\r\n"):
                name = line.lower()
                if name.startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
                elif name.startswith(b"x-result-lag:"):
                    lag = float(line.split(b":", 1)[1])
            await reader.readexactly(length)
        except (asyncio.IncompleteReadError, ConnectionError):
            status, lag = 599, 0.0
            reader, writer = await asyncio.open_connection(host, port)
        results.append((started, time.monotonic() - started, status, lag))
    writer.close()


async def _fetch_all(url: str, paths: list[str], parallel: int) -> None:
    host, port = url.split("//")[1].split(":")
    results: list[Result] = []
    chunks = [paths[k::parallel] for k in range(parallel)]
    await asyncio.gather(
        *(_client(host, int(port), chunk, float("inf"), results, once=True) for chunk in chunks)
    )


def client_main(url: str, clients: int, duration: float, seed: int) -> None:
    host, port = url.split("//")[1].split(":")
    paths = search_paths(LOG_SIZE, seed)

    async def main() -> list[Result]:
        results: list[Result] = []
        stop_at = time.monotonic() + duration
        offset = len(paths) // clients
        await asyncio.gather(
            *(
                _client(
                    host, int(port), paths[k * offset :] + paths[: k * offset], stop_at, results
                )
                for k in range(clients)
            )
        )
        return results

    started_wall, started_mono = time.time(), time.monotonic()
    results = asyncio.run(main())
    # Report times as wall-clock so the parent can line them up with the import window.
    json.dump(
        [(started_wall + (s - started_mono), lat, st, lag) for s, lat, st, lag in results],
        sys.stdout,
    )


# -- orchestration -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/api/outlets", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not start")


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def report(label: str, rows: list[Result], seconds: float) -> None:
    lat = [r[1] * 1000 for r in rows]
    lags = [r[3] for r in rows]
    errors = Counter(r[2] for r in rows if r[2] != 200)
    print(
        f"{label}: {len(rows) / seconds:.0f} searches/s, p50 {pct(lat, 50):.1f} ms, "
        f"p99 {pct(lat, 99):.1f} ms, mean {statistics.fmean(lat) if lat else 0:.1f} ms, "
        f"{len(rows)} requests, {sum(errors.values())} errors"
        + (f" (by status: {dict(errors)}; 599 = connection lost)" if errors else "")
        + f"; result lag behind the newest commit p50 {pct(lags, 50):.1f} s,"
        f" p99 {pct(lags, 99):.1f} s, max {max(lags, default=0):.1f} s",
        flush=True,
    )


def run_setting(base_db: Path, workers: int, args: argparse.Namespace) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    work = OUT / f"web-run-{workers}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(base_db, work)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "NEWSARCHIVE_DB": str(work),
        "PYTHONPATH": str(ROOT / "src"),
        "NEWSARCHIVE_WEB_CACHE": str(args.cache),
    }
    env.pop("NEWSARCHIVE_TOKEN", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "newsarchive.web:app_from_env",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
            "--timeout-keep-alive",
            "60",
        ],
        env=env,
    )
    importer: subprocess.Popen[bytes] | None = None
    try:
        wait_ready(url)
        # Warm up as a running server would be: every query of the log asked once
        # (two at a time, one per core), so the measurement sees the steady state of a
        # result cache that only the parallel import's commits empty.
        started = time.perf_counter()
        distinct = sorted(set(search_paths(LOG_SIZE, seed=2)))
        asyncio.run(_fetch_all(url, distinct if args.cache else distinct[:20], 2))
        print(
            f"warm-up: {len(distinct) if args.cache else 20} distinct searches in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        client = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--client",
                url,
                "--clients",
                str(args.clients),
                "--duration",
                str(args.duration),
            ],
            stdout=subprocess.PIPE,
            env=env,
        )
        time.sleep(args.import_after)
        import_start = time.time()
        importer = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--import-into",
                str(work),
                str(CORPUS / "gfw-breaker-pages.tar.xz"),
            ],
            env=env,
            stderr=subprocess.DEVNULL,
        )
        try:
            importer.wait(timeout=args.import_seconds)
        except subprocess.TimeoutExpired:
            importer.terminate()
            importer.wait()
        import_end = time.time()
        out, _ = client.communicate(timeout=args.duration + 120)
    finally:
        if importer and importer.poll() is None:
            importer.kill()
        server.terminate()
        server.wait(timeout=30)
    rows = [tuple(r) for r in json.loads(out)]

    from newsarchive.components import open_archive

    with open_archive(work, readonly=True) as a:
        imported = a.session.execute(
            "SELECT count(*) FROM captures WHERE format = 'gfw-breaker'"
        ).fetchone()[0]
    during = [r for r in rows if import_start <= r[0] <= import_end]
    cache = f"cache {args.cache}" if args.cache else "no cache"
    print(
        f"-- {workers} uvicorn worker(s), {cache}, {args.clients} clients, "
        f"{args.duration:.0f} s, load average {os.getloadavg()[0]:.1f}; "
        f"import ran {import_end - import_start:.0f} s and stored {imported} captures"
    )
    label = f"web search, {workers} worker(s), {cache}"
    report(f"{label}, whole run", rows, args.duration)  # type: ignore[arg-type]
    report(
        f"{label}, during import",
        during,  # type: ignore[arg-type]
        max(import_end - import_start, 1e-9),
    )
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)


def engine_peer(db: Path) -> None:
    """The search engine alone, in this process, one query at a time: what a cache
    miss costs before any HTTP, and the yardstick for the server's figures."""
    from newsarchive.components import open_archive
    from newsarchive.search import search

    times = []
    with open_archive(db, readonly=True) as archive:
        # Load the segmenter's dictionary (~0.5 s, once per process) before timing: it
        # was the "p99" of this yardstick; a running server has loaded it long before.
        search(archive, "字典", limit=1)
        for query in QUERIES:
            started = time.perf_counter()
            search(archive, query, limit=20)
            times.append((time.perf_counter() - started) * 1000)
    print(
        f"engine alone (in-process search(), {len(times)} queries, sequential): "
        f"p50 {pct(times, 50):.1f} ms, p99 {pct(times, 99):.1f} ms, "
        f"{1000 / statistics.fmean(times):.0f} searches/s on one core",
        flush=True,
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", type=Path, default=OUT / "web-51k.db", help="cached archive")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--duration", type=float, default=30.0)
    p.add_argument("--import-after", type=float, default=5.0)
    p.add_argument("--import-seconds", type=float, default=20.0)
    p.add_argument(
        "--cache",
        type=int,
        nargs="+",
        default=[512, 0],
        help="result-cache sizes to compare (0 = off)",
    )
    p.add_argument("--client", help=argparse.SUPPRESS)
    p.add_argument("--import-into", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.client:
        client_main(args.client, args.clients, args.duration, seed=2)
        return
    if args.import_into:
        run_import(*args.import_into)
        return
    if not args.db.exists():
        build_archive(args.db)
    distinct = len(set(search_paths(LOG_SIZE, seed=2)))
    print(
        f"query log: {LOG_SIZE} searches, {distinct} distinct; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        flush=True,
    )
    engine_peer(args.db)
    sizes = args.cache
    for cache in sizes:
        for workers in args.workers:
            args.cache = cache
            run_setting(args.db, workers, args)


if __name__ == "__main__":
    main()
