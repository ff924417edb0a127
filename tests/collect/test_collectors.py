"""Several collectors on one archive (collect/leases.py, collect/hostslots.py): three
`watch` processes share a PostgreSQL archive's sources against a loopback server that
logs every request, one is killed mid-pass, and the survivors finish its work; passes
and claimers side by side on both backends; the per-host gates shared on PostgreSQL."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from newsarchive.archive import Archive
from newsarchive.collect import FetchSettings, add_source, fetch_once, list_sources, remove_source
from newsarchive.collect.feeds import FeedItem
from newsarchive.collect.hostslots import SharedHostGates
from newsarchive.collect.leases import Leases, finish_page, queue_page
from newsarchive.components import open_archive
from newsarchive.urls import canonical_url
from tests.collect import server as srv
from tests.collect.conftest import IGNORE_EXTRACT_DEPRECATION
from tests.collect.server import LocalServer
from tests.conftest import BACKENDS

pytestmark = IGNORE_EXTRACT_DEPRECATION
# Tests of PostgreSQL's shared coordination; NEWSARCHIVE_TEST_BACKENDS=sqlite skips them.
POSTGRES_ONLY = pytest.mark.skipif(
    "postgres" not in BACKENDS, reason="NEWSARCHIVE_TEST_BACKENDS excludes postgres"
)
ROOT = Path(__file__).resolve().parents[2]
ARTICLES = srv.load_articles()
FEEDS = 6
LEASE = 3.0  # seconds: NEWSARCHIVE_LEASE of the three collectors
HOST_LIMIT = 2  # NEWSARCHIVE_HOST_CONCURRENCY of each collector, i.e. of all three


class RequestLog:
    """Every request the server answered: path, User-Agent (which collector), start
    and end. The end is taken just before the response's bytes are written: a client
    cannot have its answer (and give its slot back) before that, so any overlap seen
    here is a real one."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.spans: list[tuple[str, str, float, float]] = []
        self.started: dict[str, threading.Event] = defaultdict(threading.Event)
        self.pages_in_flight: dict[str, int] = defaultdict(int)

    @contextmanager
    def span(self, req: srv.Request) -> Iterator[None]:
        agent = req.headers.get("User-Agent", "")
        page = not req.path.startswith("/feeds/")
        start = time.monotonic()
        with self.lock:
            self.pages_in_flight[agent] += page
        self.started[agent].set()
        yield
        with self.lock:
            self.pages_in_flight[agent] -= page
            self.spans.append((req.path, agent, start, time.monotonic()))

    def by_path(self) -> dict[str, list[tuple[str, float, float]]]:
        out: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
        for path, agent, start, end in sorted(self.spans, key=lambda s: s[2]):
            out[path].append((agent, start, end))
        return out

    def peak_concurrency(self) -> int:
        events = sorted([(s, 1) for _, _, s, _ in self.spans] + [(e, -1) for *_, e in self.spans])
        level = peak = 0
        for _, step in events:
            level += step
            peak = max(peak, level)
        return peak


def _serve(server: LocalServer, log: RequestLog, victim: str) -> list[str]:
    """FEEDS summary feeds of 8 real articles each (48 pages, all on 127.0.0.1). Pages
    take 0.25 s; the victim's take 2 s, so that it is killed with requests in flight."""
    for k in range(FEEDS):
        body = srv.rss2(server.base, ARTICLES, full=False, prefix=f"/p{k}/")

        def feed(req: srv.Request, body: bytes = body) -> None:
            with log.span(req):
                time.sleep(0.05)
            req.send_body(body, ctype="application/rss+xml")

        server.routes[f"/feeds/{k}.xml"] = feed

    def page(req: srv.Request) -> None:
        n = int(req.path.rsplit("/", 1)[1].removesuffix(".html"))
        k = req.path.split("/")[1]
        a = {**ARTICLES[n], "title": f"{ARTICLES[n]['title']}（{k}）"}
        with log.span(req):
            time.sleep(2.0 if req.headers.get("User-Agent") == victim else 0.25)
        req.send_body(srv.article_page(a))

    for k in range(FEEDS):
        server.prefix_routes[f"/p{k}/"] = page
    return [f"/p{k}/{i}.html" for k in range(FEEDS) for i in range(len(ARTICLES))]


def _collector(db: str, agent: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES": "1",
        "NEWSARCHIVE_USER_AGENT": agent,
        "NEWSARCHIVE_LEASE": str(LEASE),
        "NEWSARCHIVE_HOST_CONCURRENCY": str(HOST_LIMIT),
        "NEWSARCHIVE_HOST_RATE": "1000",
        "NEWSARCHIVE_WORKERS": "4",
        "NEWSARCHIVE_TOTAL_TIMEOUT": "4",
        "NEWSARCHIVE_EXTRACT_PROCESSES": "0",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "newsarchive", "watch", "--db", db, "--min-interval", "600",
         "--max-interval", "3600"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _wait(what: str, check: object, timeout: float) -> None:
    assert callable(check)
    until = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < until, f"timed out waiting for {what}"
        time.sleep(0.2)


@POSTGRES_ONLY
def test_three_collectors_share_one_archive_and_take_over_from_a_killed_one(
    pg_url: str, server: LocalServer
) -> None:
    log = RequestLog()
    victim, survivors = "collector-0", ["collector-1", "collector-2"]
    pages = _serve(server, log, victim)
    with open_archive(pg_url) as a:
        for s in list_sources(a):
            remove_source(a, s.name)
        for k in range(FEEDS):
            add_source(a, f"feed{k}", f"{server.base}/feeds/{k}.xml")

    procs = {victim: _collector(pg_url, victim)}
    killed_at = 0.0
    try:
        # The victim starts first, so that it surely holds work when it dies: sources it
        # polled, pages in flight (its pages take 2 s) and pages claimed but not started.
        _wait("the victim's first request", log.started[victim].is_set, 60)
        procs.update({name: _collector(pg_url, name) for name in survivors})
        _wait(
            "the survivors' first requests, and a page in flight for the victim",
            lambda: (
                all(log.started[n].is_set() for n in survivors) and log.pages_in_flight[victim] > 0
            ),
            60,
        )
        procs[victim].send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        procs[victim].wait(10)

        with open_archive(pg_url, readonly=True) as a:

            def finished() -> bool:
                queued = a.session.scalar("SELECT count(*) FROM page_queue")
                return queued == 0 and a.counts()["articles"] == len(pages)

            _wait("the survivors to archive every page", finished, 120)
        for name in survivors:
            procs[name].send_signal(signal.SIGTERM)
        for name in survivors:
            _, err = procs[name].communicate(timeout=30)
            assert procs[name].returncode == 0, err
    finally:
        for name, p in procs.items():
            if p.poll() is None:
                p.kill()
            _, err = p.communicate()
            print(f"--- {name} (exit {p.returncode}):\n{err[-3000:]}")  # shown on failure

    requests = log.by_path()
    # Every article archived, each from one stored response.
    with open_archive(pg_url, readonly=True) as a:
        for path in pages:
            rec = a.find(server.base + path)
            assert rec is not None, path
            assert rec.title.endswith(f"（{path.split('/')[1]}）"), (path, rec.title)
            assert [c["format"] for c in a.captures(rec.id)] == ["http"], path

    # No page fetched twice, except where the victim's lease stood: a page it had in
    # flight (or fetched and not yet committed: a pass commits every 0.25 s) when it
    # was killed is fetched again by a survivor, once its lease lapsed. The victim's
    # leases were renewed every LEASE/3 s, so each had at least LEASE - LEASE/3 s to run
    # at the kill: a takeover starts no sooner than that after it.
    taken_over = []
    for path in pages:
        seen = requests[path]
        assert seen, f"{path} never requested"
        if len(seen) == 1:
            continue
        assert len(seen) == 2, (path, seen)
        (first, _, _), (second, start, _) = seen
        assert first == victim and second in survivors, (path, seen)
        assert start >= killed_at + LEASE * 2 / 3 - 0.2, (path, start - killed_at)
        taken_over.append(path)
    # The victim was killed with pages in flight (they take 2 s, the kill came after
    # the survivors' first requests): those, at least, were taken over.
    in_flight = [p for p in pages if any(a == victim and e > killed_at for a, _, e in requests[p])]
    assert in_flight, "the victim had no page in flight when killed"
    assert set(in_flight) <= set(taken_over)

    # Each feed polled once (min-interval 600 s), again only if the victim held it.
    for k in range(FEEDS):
        seen = requests[f"/feeds/{k}.xml"]
        assert len(seen) == 1 or (len(seen) == 2 and seen[0][0] == victim), (k, seen)

    # The per-host limit held across the three (the victim's last requests included:
    # their slots stay leased after the kill, as the server still works on them).
    assert log.peak_concurrency() <= HOST_LIMIT
    assert log.peak_concurrency() == HOST_LIMIT  # the three did work side by side
    assert {agent for _, agent, _, _ in log.spans} == {victim, *survivors}


def test_concurrent_fetch_passes_split_the_work(
    db_address: str, server: LocalServer, settings: FetchSettings
) -> None:
    """Two `fetch` passes started together on one archive (each with its own
    connection): every feed polled once and every page fetched once between them."""
    log = RequestLog()
    pages = _serve(server, log, victim="nobody")
    with open_archive(db_address) as a:
        for s in list_sources(a):
            remove_source(a, s.name)
        for k in range(FEEDS):
            add_source(a, f"feed{k}", f"{server.base}/feeds/{k}.xml")
    archives = [open_archive(db_address) for _ in range(2)]
    results = []
    try:
        threads = [
            threading.Thread(target=lambda a=a: results.append(fetch_once(a, settings=settings)))
            for a in archives
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert len(results) == 2
        assert sum(r.sources for r in results) == FEEDS
        assert sum(r.new_articles for r in results) == len(pages)
        assert all(len(v) == 1 for v in log.by_path().values())
        assert len(log.by_path()) == FEEDS + len(pages)
    finally:
        for a in archives:
            a.close()


def _gate_user(url: str, settings: FetchSettings, starts: list[tuple[float, float]]) -> None:
    """One collector's requests to one host through the shared gates."""
    with open_archive(url, hooks=[]) as a:
        gates = SharedHostGates(a.session, threading.Lock(), f"test:{id(starts)}", settings)
        gate = gates("one.example")
        for _ in range(6):
            with gate.slot():
                start = time.monotonic()
                time.sleep(0.02)
                starts.append((start, time.monotonic()))


@POSTGRES_ONLY
def test_shared_host_gates_hold_the_limit_and_the_rate_across_collectors(
    pg_url: str, settings: FetchSettings
) -> None:
    """Three "collectors" (connections) with two threads each: at most 2 requests in
    flight and at most 10 starts a second, together."""
    limited = replace(settings, host_concurrency=2, host_rate=10.0)
    spans: list[tuple[float, float]] = []
    threads = [threading.Thread(target=_gate_user, args=(pg_url, limited, spans)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(spans) == 36
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    assert peak <= 2
    starts = sorted(s for s, _ in spans)
    # 36 starts at 10 a second: 3.5 s at least; each gap ~0.1 s (scheduling jitter aside).
    assert starts[-1] - starts[0] >= 3.5 - 0.1
    assert min(b - a for a, b in itertools.pairwise(starts)) > 0.05


@POSTGRES_ONLY
def test_a_dead_collectors_host_slot_lapses(pg_url: str, settings: FetchSettings) -> None:
    """A slot is a lease: one taken by a collector that died is free after the
    longest exchange it could have been guarding, not before."""
    quick = replace(settings, host_concurrency=1, total_timeout=1.0)
    with open_archive(pg_url, hooks=[]) as a, open_archive(pg_url, hooks=[]) as b:
        dead = SharedHostGates(a.session, threading.Lock(), "dead", quick)("h.example")
        assert dead._try() == 0  # taken, never given back
        alive = SharedHostGates(b.session, threading.Lock(), "alive", quick)
        gate = alive("h.example")
        assert gate._try() is None
        t0 = time.monotonic()
        with gate.slot():
            waited = time.monotonic() - t0
    assert 1.0 <= waited <= alive.lease + 1.5, waited


def test_leases_of_a_stopped_pass_go_back_at_once(
    archive: Archive, server: LocalServer, settings: FetchSettings
) -> None:
    """A pass that stops hands back the pages it claimed but did not fetch: nobody
    waits for those leases to lapse."""
    for s in list_sources(archive):
        remove_source(archive, s.name)
    feed = srv.rss2(server.base, ARTICLES, full=False, prefix="/a/")
    server.routes["/feed.xml"] = srv.static(feed, "application/rss+xml")
    stop = threading.Event()
    held_at_stop: list[int] = []

    def page(req: srv.Request) -> None:
        if not stop.is_set():
            # One fetch thread, two slots for the host: the pass has claimed two pages,
            # this one in flight and one waiting for the thread. Stop it now.
            with open_archive(archive.address, hooks=[]) as other:
                held_at_stop.append(
                    other.session.scalar("SELECT count(*) FROM page_queue WHERE holder IS NOT NULL")
                )
            stop.set()
        req.send_body(srv.article_page(ARTICLES[int(req.path[3:-5])]))

    server.prefix_routes["/a/"] = page
    add_source(archive, "feed", server.base + "/feed.xml")
    one_thread = replace(settings, host_concurrency=2, workers=1)
    summary = fetch_once(archive, settings=one_thread, stop=stop)
    assert held_at_stop == [2]
    assert summary.interrupted and summary.pages == 1
    queued = archive.session.all("SELECT url, holder, leased_until FROM page_queue")
    assert len(queued) == len(ARTICLES) - 1
    assert all(r["holder"] is None and r["leased_until"] is None for r in queued)
    held = archive.session.scalar("SELECT count(*) FROM source_state WHERE holder IS NOT NULL")
    assert held == 0


def _claim_until_empty(address: str, claimed: list[str], errors: list[BaseException]) -> None:
    """One collector's loop: claim a page, store it (finish), until the queue is empty."""
    try:
        with open_archive(address, hooks=[]) as a:
            leases = Leases(a, 60.0)
            while pages := leases.claim_pages(1, per_host=1):
                with a.transaction() as tx:
                    for p in pages:
                        assert finish_page(tx, p.url, leases.holder)
                        claimed.append(p.url)
    except BaseException as exc:
        errors.append(exc)


def test_claims_from_several_connections_take_each_page_once(archive: Archive) -> None:
    """Three connections claiming and finishing pages as fast as they can: every page
    goes to exactly one, and none fails. (On SQLite a claim that read before taking
    the write lock failed with "database is locked" as soon as another connection had
    written in between.)"""
    with archive.transaction() as tx:
        for i in range(300):
            item = FeedItem(url=f"http://h{i % 3}.example/a/{i}.html", title=str(i))
            queue_page(tx, canonical_url(item.url), "s", item)
    claimed: list[str] = []
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_claim_until_empty, args=(str(archive.address), claimed, errors))
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert len(claimed) == len(set(claimed)) == 300


def test_removing_a_source_drops_its_queued_pages(archive: Archive) -> None:
    add_source(archive, "gone", "http://127.0.0.1:9/feed.xml")
    add_source(archive, "kept", "http://127.0.0.1:9/other.xml")
    with archive.transaction() as tx:
        for name in ("gone", "kept"):
            item = FeedItem(url=f"http://127.0.0.1:9/{name}.html")
            queue_page(tx, canonical_url(item.url), name, item)
    remove_source(archive, "gone")
    assert [p.source for p in Leases(archive, 60.0).claim_pages(10, per_host=10)] == ["kept"]
