"""Benchmark one `fetch` pass: ≥ 50 feeds and ≥ 5,000 article pages built from real
corpus articles, served from loopback servers on several 127.0.0.x addresses (one per
outlet) with 20–100 ms of latency per response.

    PYTHONPATH=src /work/venv/bin/python bench/fetch.py [--articles 5000] [--per-feed 100]

Prints one line per figure: articles/s of the pass, peak RSS of the fetching process,
the highest number of concurrent requests each server saw (must not exceed the
per-host limit), and a sequential baseline (one request at a time, same pages) as the
peer to compare with. The servers run in a child process so they do not share the
fetcher's interpreter lock.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import itertools
import multiprocessing as mp
import os
import random
import re
import resource
import sys
import tarfile
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from proctree import TreeMonitor

TARBALL = (
    Path(os.environ.get("NEWSARCHIVE_SHARED", Path(__file__).resolve().parents[2] / "shared"))
    / "corpus/mirrors/jekyll-waimei.tar.xz"
)
_FRONT = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)


def _field(head: str, key: str) -> str:
    m = re.search(rf"^{key}: (.*)$", head, re.M)
    return m.group(1).strip().strip('"') if m else ""


def read_articles(limit: int) -> dict[str, list[dict[str, str]]]:
    """Stream the Jekyll mirror; group real articles by outlet (the `author` field)."""
    by_outlet: dict[str, list[dict[str, str]]] = defaultdict(list)
    count = 0
    with tarfile.open(TARBALL, "r|xz") as tf:
        for member in tf:
            if not member.isfile() or not member.name.endswith(".md"):
                continue
            fh = tf.extractfile(member)
            if fh is None:
                continue
            m = _FRONT.match(fh.read().decode("utf-8", "replace"))
            if not m:
                continue
            head, body = m.groups()
            body = body.split("------", 1)[-1].strip()
            title = _field(head, "title")
            if not title or len(body) < 300:
                continue
            by_outlet[_field(head, "author") or "unknown"].append(
                {"title": title, "date": _field(head, "date"), "html": body}
            )
            count += 1
            if count >= limit:
                break
    return by_outlet


def _page(a: dict[str, str]) -> bytes:
    t = html.escape(a["title"])
    return (
        f"<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'><title>{t}</title>"
        f"<meta property='article:published_time' content='{a['date']}'></head><body>"
        "<header><nav><a href='/'>首页</a> <a href='/news'>新闻</a></nav></header>"
        f"<main><article><h1>{t}</h1>{a['html']}</article></main>"
        "<footer><p>版权所有</p></footer></body></html>"
    ).encode()


def _feed(base: str, feed_no: int, items: list[tuple[int, dict[str, str]]]) -> bytes:
    out = []
    for n, a in items:
        try:
            when = format_datetime(datetime.fromisoformat(a["date"].replace("Z", "+00:00")))
        except ValueError:
            when = format_datetime(datetime(2020, 6, 1, tzinfo=UTC))
        out.append(
            f"<item><title>{html.escape(a['title'])}</title><link>{base}/a/{n}.html</link>"
            f"<guid>{base}/a/{n}.html</guid><pubDate>{when}</pubDate>"
            f"<description>{html.escape(a['title'])}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>feed {feed_no}</title><link>{base}/</link><description>d</description>"
        + "".join(out)
        + "</channel></rss>"
    ).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512

    def __init__(self, address: str) -> None:
        super().__init__((address, 0), _Handler)
        self.routes: dict[str, bytes] = {}
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.connections = 0  # TCP connections open now
        self.max_connections = 0
        self.requests = 0
        self.repeats = 0  # requests for a path already requested (several collectors)
        self.seen: set[str] = set()
        self.latency = (0.02, 0.1)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server  # type: ignore[assignment]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        s = self.server
        with s.lock:
            s.connections += 1
            s.max_connections = max(s.max_connections, s.connections)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.lock:
                self.server.connections -= 1

    def do_GET(self) -> None:
        s = self.server
        with s.lock:
            s.active += 1
            s.requests += 1
            s.max_active = max(s.max_active, s.active)
            if self.path in s.seen:
                s.repeats += 1
            s.seen.add(self.path)
        try:
            time.sleep(random.uniform(*s.latency))
            body = s.routes.get(self.path)
            status = 200 if body is not None else 404
            body = body if body is not None else b"not found"
            self.send_response(status)
            ctype = "application/rss+xml" if self.path.startswith("/feed") else "text/html"
            self.send_header("Content-Type", f"{ctype}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        finally:
            with s.lock:
                s.active -= 1


def serve(conn: Connection, limit: int, per_feed: int) -> None:
    """Child process: build the site of each outlet and serve it until told to stop."""
    by_outlet = read_articles(limit)
    servers: list[tuple[str, _Server]] = []
    feeds: list[tuple[str, str]] = []
    pages = 0
    for i, (outlet, articles) in enumerate(sorted(by_outlet.items(), key=lambda kv: -len(kv[1]))):
        if i < 8:
            srv = _Server(f"127.0.0.{i + 2}")
            servers.append((outlet, srv))
        else:  # the long tail of small outlets shares the last address
            outlet, srv = servers[-1][0], servers[-1][1]
        base = f"http://{srv.server_address[0]}:{srv.server_address[1]}"
        start = len([k for k in srv.routes if k.startswith("/a/")])
        numbered = list(enumerate(articles, start))
        for n, a in numbered:
            srv.routes[f"/a/{n}.html"] = _page(a)
            pages += 1
        for j in range(0, len(numbered), per_feed):
            path = f"/feed/{start + j}.xml"
            srv.routes[path] = _feed(base, start + j, numbered[j : j + per_feed])
            feeds.append((re.sub(r"\s+", "_", f"{outlet}-{start + j}"), base + path))
    for _, srv in servers:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    conn.send({"feeds": feeds, "pages": pages, "hosts": [o for o, _ in servers]})
    while True:  # until the parent is gone: statistics on request
        try:
            conn.recv()
        except EOFError:
            return
        conn.send(
            {
                f"{s.server_address[0]} ({o})": (
                    s.max_active,
                    s.max_connections,
                    s.requests,
                    s.repeats,
                )
                for o, s in servers
            }
        )


def _sequential_baseline(urls: list[str]) -> float:
    """The peer: one plain httpx request at a time, then the same extraction."""
    import httpx

    from newsarchive.extract import extract_page

    t0 = time.monotonic()
    with httpx.Client() as client:
        for url in urls:
            extract_page(client.get(url).content, url)
    return len(urls) / (time.monotonic() - t0)


def _light_extract(raw: bytes, url: str) -> Any:
    """Title and plain text only, ~1 ms: isolates the fetch layer's own throughput."""
    import lxml.html

    from newsarchive.model import Draft

    doc = lxml.html.document_fromstring(raw.decode("utf-8"))
    text = " ".join(doc.xpath("string(//article)").split())
    return Draft(title=doc.findtext(".//title") or "", text=text, html="", url=url)


def stage_costs(urls: list[str], feed_url: str) -> dict[str, float]:
    """CPU ms per article of each stage of a pass, run one after the other in this
    thread on the same pages (no contention between stages): what the pass's
    processes split between them."""
    from newsarchive.archive import pack_blob, prepare_draft
    from newsarchive.collect import FetchSettings, parse_feed
    from newsarchive.collect.http import Fetcher
    from newsarchive.components import default_hooks, open_archive
    from newsarchive.extract import extract_page
    from newsarchive.model import Capture

    costs: dict[str, float] = {}

    @contextmanager
    def timed(name: str, per: int) -> Iterator[None]:
        t0 = time.thread_time()
        yield
        costs[name] = (time.thread_time() - t0) / max(1, per) * 1000

    with Fetcher(FetchSettings(host_rate=1000.0)) as fetcher:
        fetcher.get(urls[0])  # warm up: connection, imports
        with timed("HTTP (httpx, our fetcher; fetch threads)", len(urls)):
            responses = [fetcher.get(u) for u in urls]
        feed = fetcher.get(feed_url)
    parse_feed(feed.body, feed.url, feed.content_type)
    items = 0
    with timed("feed parsing, per item (fetch threads)", 1):
        for _ in range(5):
            items += len(parse_feed(feed.body, feed.url, feed.content_type).items)
    costs["feed parsing, per item (fetch threads)"] /= max(1, items)
    extract_page(responses[0].body, urls[0])
    with timed("extract_page (workers)", len(urls)):
        drafts = [extract_page(r.body, u) for r, u in zip(responses, urls, strict=True)]
    hooks = default_hooks()
    prepare_draft(extract_page(responses[0].body, urls[0]), hooks)
    with timed("prepare_draft + body sha256 + pack_blob (workers)", len(urls)):
        for d in drafts:
            prepare_draft(d, hooks)
        stored = [(hashlib.sha256(r.body).hexdigest(), pack_blob(r.body)) for r in responses]
    with (
        tempfile.TemporaryDirectory() as tmp,
        open_archive(Path(tmp) / "stages.db") as archive,
        timed("archive.ingest of prepared drafts (writer)", len(urls)),
        archive.transaction(),
    ):
        for r, d, (digest, packed) in zip(responses, drafts, stored, strict=True):
            capture = Capture(
                r.body, "http", r.url, r.observed, r.status, r.headers, digest, packed
            )
            archive.ingest(d, capture)
    return costs


def _cpu_self() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=5200)
    ap.add_argument("--per-feed", type=int, default=100)
    ap.add_argument("--host-concurrency", type=int, default=8)
    ap.add_argument("--workers", type=int, default=48)
    ap.add_argument("--baseline", type=int, default=100, help="pages for the sequential peer")
    ap.add_argument(
        "--modes",
        default="fetch-layer,full",
        help="fetch-layer (light stand-in extractor), full (extract_page in processes)",
    )
    args = ap.parse_args()
    os.environ["NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES"] = "1"
    import warnings

    warnings.simplefilter("ignore", DeprecationWarning)
    from newsarchive.collect import (
        FetchSettings,
        add_source,
        fetch_once,
        list_sources,
        remove_source,
    )
    from newsarchive.components import open_archive

    parent, child = mp.get_context("spawn").Pipe()
    proc = mp.get_context("spawn").Process(
        target=serve, args=(child, args.articles, args.per_feed), daemon=True
    )
    t0 = time.monotonic()
    proc.start()
    site = parent.recv()
    print(
        f"setup: {len(site['feeds'])} feeds, {site['pages']} article pages on "
        f"{len(site['hosts'])} hosts, built in {time.monotonic() - t0:.1f}s",
        flush=True,
    )

    settings = FetchSettings(
        workers=args.workers,
        host_concurrency=args.host_concurrency,
        host_rate=1000.0,
        total_timeout=30.0,
        retries=1,
    )
    print(f"load average before the passes: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    urls: list[str] = []
    rates: dict[str, float] = {}
    for mode in args.modes.split(","):
        extract = _light_extract if mode == "fetch-layer" else None
        # The stand-in runs in the fetching process (it is defined in this script,
        # which the fork server does not import), and so do the hooks' preparation.
        mode_settings = replace(settings, extract_processes=0) if extract else settings
        with tempfile.TemporaryDirectory() as tmp:
            archive = open_archive(Path(tmp) / "bench.db")
            for s in list_sources(archive):
                remove_source(archive, s.name)
            for name, url in site["feeds"]:
                add_source(archive, name, url)
            t0 = time.monotonic()
            cpu0 = _cpu_self()
            workers = TreeMonitor(exclude={proc.pid or 0}, interval=0.25)
            workers.__enter__()
            if os.environ.get("BENCH_PROFILE"):
                import cProfile

                # CPU of the calling thread (the writer), not wall time: on a shared
                # machine wall time mostly shows waiting for a core.
                prof = cProfile.Profile(time.thread_time)
                summary = prof.runcall(fetch_once, archive, settings=mode_settings, extract=extract)
                prof.dump_stats(os.environ["BENCH_PROFILE"])
            else:
                summary = fetch_once(archive, settings=mode_settings, extract=extract)
            elapsed = time.monotonic() - t0
            workers.__exit__()
            cpu = _cpu_self() - cpu0 - workers.own_cpu
            counts = archive.counts()
            # Stored URLs are canonical (https); the test servers speak plain http.
            urls = [
                r.url.replace("https://", "http://", 1)
                for r in itertools.islice(archive.iter_articles(), args.baseline)
            ]
            archive.close()
        rates[mode] = summary.new_articles / elapsed
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"[{mode}] fetch pass: {summary.new_articles} new articles in {elapsed:.1f}s = "
            f"{rates[mode]:.0f} articles/s (target >= 100)"
        )
        print(
            f"[{mode}] CPU of the fetching process: {cpu:.1f}s = "
            f"{cpu / max(1, summary.new_articles) * 1000:.1f} ms per article"
            f" ({cpu / elapsed:.2f} cores busy on average)"
        )
        per = workers.cpu_seconds / max(1, summary.new_articles) * 1000
        total = (cpu + workers.cpu_seconds) / max(1, summary.new_articles) * 1000
        print(
            f"[{mode}] CPU of the extraction workers: {workers.cpu_seconds:.1f}s = {per:.1f} ms per"
            f" article; all processes: {total:.1f} ms per article = at most"
            f" {1000 / total * (os.cpu_count() or 1):.0f} articles/s on {os.cpu_count()} idle cores"
        )
        print(f"[{mode}] summary: {summary.to_json()}")
        print(f"[{mode}] archive: {counts}")
        print(f"[{mode}] peak RSS so far (fetching process): {rss:.0f} MB")
    if urls:
        costs = stage_costs(urls[:50], site["feeds"][0][1])
        for stage, ms in costs.items():
            print(f"stage CPU, one at a time: {stage}: {ms:.2f} ms per article")
        total = sum(costs.values())
        print(
            f"stage CPU, one at a time: sum {total:.1f} ms per article (= at most "
            f"{1000 / total * (os.cpu_count() or 1):.0f} articles/s on {os.cpu_count()} idle cores)"
        )
    base_rate = _sequential_baseline(urls) if urls else 0.0
    print(
        f"sequential peer (1 request at a time + extract_page, {len(urls)} pages): "
        f"{base_rate:.1f} articles/s"
    )
    for mode, rate in rates.items():
        print(f"ratio [{mode}] / sequential peer: {rate / base_rate:.1f}x")
    parent.send("stats")
    stats = parent.recv()
    ok = all(max(m, c) <= args.host_concurrency for m, c, _, _ in stats.values())
    for host, (max_active, max_conns, requests, _) in stats.items():
        print(
            f"host {host}: {requests} requests, max concurrent requests {max_active}, "
            f"max open connections {max_conns} (limit {args.host_concurrency})"
        )
    print(f"per-host limit respected: {ok}")
    proc.terminate()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
