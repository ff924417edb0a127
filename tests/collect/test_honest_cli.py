"""Honest collection (issue #20): `fetch` fails when every source failed, a dead host
is skipped for the rest of the pass, `watch` logs each source and applies a new
`--max-interval` to sources already scheduled."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from newsarchive.archive import Archive
from newsarchive.cli import app
from newsarchive.cli.commands.collect import _pass_lines
from newsarchive.collect import (
    FetchSettings,
    FetchSummary,
    add_source,
    fetch_once,
    list_sources,
    load_state,
    remove_source,
    watch,
)
from newsarchive.collect.schedule import apply_bounds
from newsarchive.collect.sources import fetch_errors, save_state
from newsarchive.components import open_archive
from tests.collect import server as srv
from tests.collect.conftest import IGNORE_EXTRACT_DEPRECATION
from tests.collect.server import LocalServer

ARTICLES = srv.load_articles()
pytestmark = IGNORE_EXTRACT_DEPRECATION


def closed_port() -> int:
    """A local port nobody listens on: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def serve_articles(server: LocalServer, count: int) -> None:
    server.routes["/feed.xml"] = srv.static(
        srv.rss2(server.base, ARTICLES[:count], full=False, prefix="/a/")
    )
    server.prefix_routes["/a/"] = lambda req: req.send_body(
        srv.article_page(ARTICLES[int(req.path[3:-5])])
    )


def _local_only(db: str) -> None:
    with open_archive(db) as a:
        for s in list_sources(a):
            remove_source(a, s.name)


def test_fetch_exits_non_zero_when_every_source_failed(
    db_address: str, server: LocalServer
) -> None:
    _local_only(db_address)
    server.routes["/broken.xml"] = lambda req: req.send_body(b"nope", status=404)
    with open_archive(db_address) as a:
        add_source(a, "dead", f"http://127.0.0.1:{closed_port()}/feed.xml")
        add_source(a, "broken", server.base + "/broken.xml")
    out = CliRunner().invoke(app, ["fetch", "--db", db_address, "--json"])
    assert out.exit_code == 1, out.output
    summary = json.loads(out.stdout)
    assert summary["sources"] == summary["failed_sources"] == 2
    assert "all 2 source(s) failed" in out.stderr


def test_fetch_succeeds_when_one_source_works(db_address: str, server: LocalServer) -> None:
    _local_only(db_address)
    serve_articles(server, 1)
    with open_archive(db_address) as a:
        add_source(a, "dead", f"http://127.0.0.1:{closed_port()}/feed.xml")
        add_source(a, "good", server.base + "/feed.xml")
    out = CliRunner().invoke(app, ["fetch", "--db", db_address, "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["failed_sources"] == 1


def test_an_unreachable_host_is_skipped_for_the_rest_of_the_pass(
    empty_archive: Archive, server: LocalServer, settings: FetchSettings
) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    server.routes["/feed.xml"] = srv.static(srv.rss2(dead, ARTICLES[:6], full=False, prefix="/a/"))
    add_source(empty_archive, "feed", server.base + "/feed.xml")
    # One request at a time to the dead host, each retried once: without skipping, each
    # of the six pages would be tried twice.
    one_at_a_time = replace(settings, host_concurrency=1, workers=1, retries=1, backoff=0.2)
    started = time.monotonic()
    summary = fetch_once(empty_archive, settings=one_at_a_time)
    elapsed = time.monotonic() - started
    reasons = [e["reason"] for e in fetch_errors(empty_archive, "feed")]
    assert summary.errors == 6 and len(reasons) == 6  # every item recorded
    skipped = [r for r in reasons if r.startswith("skipped: host unreachable")]
    assert len(skipped) == 5, reasons
    assert all("refused" in r.lower() or "connect" in r.lower() for r in skipped), skipped
    assert elapsed < 3, elapsed  # one retry's backoff, not six


def test_a_silent_host_is_skipped_after_its_first_timeout(
    empty_archive: Archive, server: LocalServer, settings: FetchSettings
) -> None:
    # Accepts connections and never answers: each request would wait its read timeout.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    silent = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        server.routes["/feed.xml"] = srv.static(
            srv.rss2(silent, ARTICLES[:4], full=False, prefix="/a/")
        )
        add_source(empty_archive, "feed", server.base + "/feed.xml")
        quick = replace(
            settings, host_concurrency=1, workers=1, read_timeout=0.5, total_timeout=2.0
        )
        started = time.monotonic()
        fetch_once(empty_archive, settings=quick)
        elapsed = time.monotonic() - started
    finally:
        listener.close()
        for conn in held:
            conn.close()
    reasons = [e["reason"] for e in fetch_errors(empty_archive, "feed")]
    assert sum(r.startswith("skipped: host unreachable") for r in reasons) == 3, reasons
    assert elapsed < 4 * 0.5 + 1.5, elapsed


def test_watch_logs_one_line_per_source(
    empty_archive: Archive, server: LocalServer, settings: FetchSettings
) -> None:
    serve_articles(server, 2)
    add_source(empty_archive, "good", server.base + "/feed.xml")
    add_source(empty_archive, "dead", f"http://127.0.0.1:{closed_port()}/feed.xml")
    stop = threading.Event()
    seen: list[tuple[list[str], FetchSummary]] = []

    def on_pass(names: list[str], summary: FetchSummary) -> None:
        seen.append((names, summary))
        stop.set()

    watch(empty_archive, stop=stop, settings=settings, on_pass=on_pass)
    lines = _pass_lines(*seen[0])
    good = next(line for line in lines if " good: " in line)
    dead = next(line for line in lines if " dead: " in line)
    assert "2 new, 0 changed, 0 errors, next poll " in good
    assert "0 new, 0 changed, 1 errors, feed failed, next poll " in dead
    assert lines[-1].split(" pass: ")[1].startswith("2 sources")


def test_a_smaller_max_interval_applies_to_a_source_already_scheduled(
    empty_archive: Archive, settings: FetchSettings
) -> None:
    add_source(empty_archive, "slow", "https://example.org/feed.xml")
    now = datetime.now(UTC)
    state = load_state(empty_archive, "slow")
    state.last_attempt, state.next_due, state.interval = now, now + timedelta(hours=6), 6 * 3600
    save_state(empty_archive, state)
    assert apply_bounds(empty_archive, replace(settings, max_interval=600), now) == ["slow"]
    after = load_state(empty_archive, "slow")
    assert after.next_due == now + timedelta(seconds=600)
    assert after.interval == 600
    # Within the bound already: left alone.
    assert apply_bounds(empty_archive, replace(settings, max_interval=3600), now) == []
