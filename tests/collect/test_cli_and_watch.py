"""The commands: sources list|add|remove, fetch --json, and watch stopping on SIGTERM
without losing the fetch in flight."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from typer.testing import CliRunner

from newsarchive.archive import Archive
from newsarchive.cli import app
from newsarchive.collect import FetchSettings, add_source, list_sources, remove_source, watch
from newsarchive.components import open_archive
from tests.collect import server as srv
from tests.collect.conftest import IGNORE_EXTRACT_DEPRECATION
from tests.collect.server import LocalServer

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = srv.load_articles()
pytestmark = IGNORE_EXTRACT_DEPRECATION


def _local_only(db: Path) -> None:
    with open_archive(db) as a:
        for s in list_sources(a):
            remove_source(a, s.name)


def test_sources_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    runner = CliRunner()
    out = runner.invoke(app, ["sources", "list", "--db", db, "--json"])
    assert out.exit_code == 0
    names = [json.loads(line)["name"] for line in out.stdout.splitlines()]
    assert "rfa" in names and "secretchina" in names
    out = runner.invoke(
        app, ["sources", "add", "mine", "https://www.rfa.org/cantonese/rss2.xml", "--db", db]
    )
    assert out.exit_code == 0 and "自由亚洲电台" in out.stdout
    out = runner.invoke(app, ["sources", "add", "bad", "ftp://x", "--db", db])
    assert out.exit_code == 2 and "must start with http" in out.stderr
    out = runner.invoke(app, ["sources", "remove", "mine", "--db", db])
    assert out.exit_code == 0
    out = runner.invoke(app, ["sources", "remove", "mine", "--db", db])
    assert out.exit_code == 2 and "no source named 'mine'" in out.stderr


def test_fetch_json_summary(tmp_path: Path, server: LocalServer) -> None:
    db = tmp_path / "a.db"
    _local_only(db)
    server.routes["/feed.xml"] = srv.static(
        srv.rss2(server.base, ARTICLES[:2], full=False, prefix="/a/")
    )
    server.prefix_routes["/a/"] = lambda req: req.send_body(
        srv.article_page(ARTICLES[int(req.path[3:-5])])
    )
    with open_archive(db) as a:
        add_source(a, "local", server.base + "/feed.xml")
    out = CliRunner().invoke(app, ["fetch", "--db", str(db), "--json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.stdout)
    assert {k: summary[k] for k in ("sources", "items", "new_articles", "errors")} == {
        "sources": 1,
        "items": 2,
        "new_articles": 2,
        "errors": 0,
    }
    out = CliRunner().invoke(app, ["fetch", "--db", str(db), "--source", "nope"])
    assert out.exit_code == 2 and "no source named 'nope'" in out.stderr


def test_watch_stops_on_sigterm_keeping_the_fetch_in_flight(
    tmp_path: Path, server: LocalServer
) -> None:
    db = tmp_path / "a.db"
    _local_only(db)
    hit = threading.Event()
    server.routes["/feed.xml"] = srv.static(
        srv.rss2(server.base, ARTICLES[:1], full=False, prefix="/a/")
    )

    def slow_page(req: srv.Request) -> None:
        hit.set()
        time.sleep(1.0)  # SIGTERM arrives while this response is in flight
        req.send_body(srv.article_page(ARTICLES[0]))

    server.prefix_routes["/a/"] = slow_page
    with open_archive(db) as a:
        add_source(a, "local", server.base + "/feed.xml")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES": "1",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsarchive",
            "watch",
            "--db",
            str(db),
            "--min-interval",
            "1",
            "--max-interval",
            "5",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert hit.wait(30), "watch never requested the article"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped after 1 pass" in err
    with open_archive(db) as a:
        rec = a.find(server.base + "/a/0.html")
        assert rec is not None and rec.title == ARTICLES[0]["title"].strip()


def test_watch_polls_again_when_due_and_stops_on_the_event(
    empty_archive: Archive, server: LocalServer, settings: FetchSettings
) -> None:
    feed = srv.rss2(server.base, ARTICLES[:1], full=False, prefix="/a/")
    server.routes["/feed.xml"] = lambda req: req.send_cached(feed, "application/rss+xml", '"1"')
    server.prefix_routes["/a/"] = lambda req: req.send_body(srv.article_page(ARTICLES[0]))
    add_source(empty_archive, "feed", server.base + "/feed.xml")
    stop = threading.Event()
    passes: list[int] = []

    def on_pass(names: list[str], summary: object) -> None:
        passes.append(1)
        if len(passes) == 2:
            stop.set()

    fast = FetchSettings(
        **{f: getattr(settings, f) for f in settings.__slots__}
        | {"min_interval": 0.3, "max_interval": 0.5}
    )
    t0 = time.monotonic()
    assert watch(empty_archive, stop=stop, settings=fast, on_pass=on_pass) == 2
    # The second poll waited for the source to be due, and was conditional.
    assert time.monotonic() - t0 >= 0.3
    sent = server.requests_to("/feed.xml")
    assert len(sent) == 2 and sent[1]["If-None-Match"] == '"1"'
