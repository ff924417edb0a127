"""The commands: sources list|add|remove, fetch --json, and watch stopping on SIGTERM
without losing the fetch in flight."""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsarchive.archive import Archive
from newsarchive.cli import app
from newsarchive.collect import FetchSettings, add_source, list_sources, remove_source, watch
from newsarchive.collect import Progress as FetchProgress
from newsarchive.components import open_archive
from tests.collect import server as srv
from tests.collect.conftest import IGNORE_EXTRACT_DEPRECATION
from tests.collect.server import LocalServer

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = srv.load_articles()
pytestmark = IGNORE_EXTRACT_DEPRECATION


def _local_only(db: str) -> None:
    with open_archive(db) as a:
        for s in list_sources(a):
            remove_source(a, s.name)


def test_sources_commands(db_address: str) -> None:
    db = db_address
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


def test_fetch_json_summary(db_address: str, server: LocalServer) -> None:
    db = db_address
    _local_only(db)
    server.routes["/feed.xml"] = srv.static(
        srv.rss2(server.base, ARTICLES[:2], full=False, prefix="/a/")
    )
    server.prefix_routes["/a/"] = lambda req: req.send_body(
        srv.article_page(ARTICLES[int(req.path[3:-5])])
    )
    with open_archive(db) as a:
        add_source(a, "local", server.base + "/feed.xml")
    out = CliRunner().invoke(app, ["fetch", "--db", db, "--json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.stdout)
    assert {k: summary[k] for k in ("sources", "items", "new_articles", "errors")} == {
        "sources": 1,
        "items": 2,
        "new_articles": 2,
        "errors": 0,
    }
    out = CliRunner().invoke(app, ["fetch", "--db", db, "--source", "nope"])
    assert out.exit_code == 2 and "no source named 'nope'" in out.stderr


def test_watch_stops_on_sigterm_keeping_the_fetch_in_flight(
    db_address: str, server: LocalServer
) -> None:
    db = db_address
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
            db,
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
        # Generous: storing the fetched page runs every hook, and the embedding model
        # and the entity tagger load on first use (seconds on a busy 2-core machine).
        _, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()  # reap it: a live child would warn in a later test
    assert proc.returncode == 0, err
    assert "stopped after 1 pass" in err
    # It says what it watches, then one line per source after the pass (issue #20).
    assert "watching 1 source(s)" in err
    assert " local: 1 new, 0 changed, 0 errors, next poll " in err, err
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
    polls: list[str] = []

    def on_item(p: FetchProgress) -> None:
        # A watcher's pass goes on while it has work, polling sources as they fall due.
        if p.kind == "source":
            polls.append(p.outcome)
            if len(polls) == 2:
                stop.set()

    fast = FetchSettings(
        **{f: getattr(settings, f) for f in settings.__slots__}
        | {"min_interval": 0.3, "max_interval": 0.5}
    )
    t0 = time.monotonic()
    assert watch(empty_archive, stop=stop, settings=fast, on_item=on_item) >= 1
    # The second poll waited for the source to be due, and was conditional.
    assert time.monotonic() - t0 >= 0.3
    sent = server.requests_to("/feed.xml")
    assert len(sent) == 2 and sent[1]["If-None-Match"] == '"1"'
    assert polls[1] == "not_modified"


def test_a_signal_stops_the_command_even_if_printing_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SIGTERM may arrive while the main thread is halfway through importing a module
    rich loads on first use; printing "stopping…" then raises. The stop must still be
    set (a `watch` once ignored its SIGTERM this way, waiting out min-interval)."""
    from newsarchive.cli.commands import collect as commands

    def broken_print(*args: object, **kwargs: object) -> None:
        raise ImportError("cannot import name 'EMOJI' from partially initialized module")

    monkeypatch.setattr(commands.err_console, "print", broken_print)
    with commands._stop_on_signals() as stop:
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.wait(5)


def test_watch_reports_a_failed_pass_and_goes_on(
    empty_archive: Archive, monkeypatch: pytest.MonkeyPatch, settings: FetchSettings
) -> None:
    """An unattended watcher must not die of a transient problem (a dropped database
    connection, a lock held too long): the pass's error goes to `on_error` and the
    watcher tries again after min_interval."""
    # The module (the package exports its `watch` function under the same name).
    watching = importlib.import_module("newsarchive.collect.watch")

    add_source(empty_archive, "feed", "http://127.0.0.1:9/feed.xml")
    calls: list[str] = []
    stop = threading.Event()

    def flaky_pass(*args: object, **kwargs: object) -> object:
        calls.append("pass")
        if len(calls) == 1:
            raise ConnectionError("server closed the connection unexpectedly")
        stop.set()
        return watching.FetchSummary(), []

    monkeypatch.setattr(watching, "run_pass", flaky_pass)
    errors: list[Exception] = []
    quick = replace(settings, min_interval=0.1)
    watch(empty_archive, stop=stop, settings=quick, on_error=errors.append)
    assert calls == ["pass", "pass"]
    assert [str(e) for e in errors] == ["server closed the connection unexpectedly"]
