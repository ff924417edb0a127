"""The server under load and under attack (issue #19): reads during an import from the
command line, error pages, write tokens.

F2: after a command-line import into an archive being served, concurrent clients got
500s ("attempt to write a readonly database") and 30-90 s hangs: a request's sync
dependency and its sync endpoint ran on different pool threads, so the endpoint used
another thread's read connection while that thread served another request, and the
stories endpoint tried to recompute stale stories through a read-only connection.
F7: plain 500s without the security headers for out-of-range dates and ids.
F8: a token of spaces enabled writes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from newsarchive.archive import Archive
from newsarchive.archive.sqlite import driver as sqlite_driver
from newsarchive.cli import app as cli
from newsarchive.components import open_archive
from newsarchive.dedup.story_pass import stories_stale
from newsarchive.web import create_app
from newsarchive.web.security import TokenError
from newsarchive.web.state import ReadPool
from tests.browser import free_port
from tests.web.conftest import ENGLISH, TestClient, build_sample

ROOT = Path(__file__).resolve().parents[2]

# Two outlets reporting each event: what the story pass groups into stories.
_POST = """---
layout: post
title: "{title}"
date: {date}
author: {outlet}
from: https://news.example.org/{outlet_slug}/{slug}.html
tags: [ {outlet} ]
---
<div><p>{body}</p><p>{body}</p></div>
"""
_EVENTS = [
    (
        "台积电宣布在美国亚利桑那州扩大芯片投资",
        "台积电表示将在美国亚利桑那州兴建第二座晶圆厂，投资金额扩大到四百亿美元。",
    ),
    (
        "美国商务部扩大对华芯片出口管制",
        "美国商务部宣布新的出口管制规定，限制先进芯片和制造设备出口到中国。",
    ),
    (
        "香港立法会通过国安条例",
        "香港立法会三读通过基本法第二十三条立法，外界担心新闻自由受到影响。",
    ),
    (
        "欧盟对中国电动汽车展开反补贴调查",
        "欧盟委员会宣布对中国制造的电动汽车展开反补贴调查，北京表示强烈不满。",
    ),
]


def write_posts(folder: Path, round_no: int) -> Path:
    """A folder of Jekyll posts, new articles (and so a commit) every round."""
    folder.mkdir(parents=True, exist_ok=True)
    for e, (title, body) in enumerate(_EVENTS):
        for o, outlet in enumerate(("自由亚洲电台", "美国之音")):
            slug = f"r{round_no}-e{e}"
            post = _POST.format(
                title=f"{title}（{round_no}）",
                date=f"2023-0{1 + e}-1{o}T08:00:00.000Z",
                outlet=outlet,
                outlet_slug=f"o{o}",
                slug=slug,
                body=f"{body}第{round_no}轮报道。",
            )
            (folder / f"2023-0{1 + e}-1{o}-{slug}-{o}.md").write_text(post, "utf-8")
    return folder


def import_cli(db: Path, folder: Path) -> subprocess.CompletedProcess[bytes]:
    """`newsarchive import` in its own process, as a person at a terminal runs it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "newsarchive", "import", "--db", str(db), str(folder)],
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )


@contextmanager
def served(db: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`newsarchive serve` on 127.0.0.1 in its own process; yields its base URL."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("NEWSARCHIVE_TOKEN", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsarchive", "serve", "--db", str(db), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/outlets", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the server did not start: {proc.stderr.read()!r}")  # type: ignore[union-attr]
            time.sleep(0.2)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def trace_readers(monkeypatch: pytest.MonkeyPatch, on_open: Any) -> None:
    """Call `on_open(archive)` for every read-only archive opened from now on (the
    server's readers; they open through `Archive.open`)."""
    real = Archive.open.__func__  # type: ignore[attr-defined]

    def opened(cls: type[Archive], *args: Any, **kwargs: Any) -> Archive:
        archive: Archive = real(cls, *args, **kwargs)
        if kwargs.get("readonly"):
            on_open(archive)
        return archive

    monkeypatch.setattr(Archive, "open", classmethod(opened))


READ_PATHS = [
    "/api/stories",
    "/stories/",
    "/api/articles/1",
    "/articles/1",
    "/api/outlets",
    "/",
    "/search?q=芯片",
    "/api/timeline?q=美国",
    "/api/outlets/美国之音",
    "/api/search?q=芯片&offset={n}",  # a new offset each time: not from the cache
]


def hammer(base: str, stop: threading.Event, worker: int, out: dict[str, Any]) -> None:
    n = 0
    with httpx.Client(base_url=base, timeout=60) as client:
        while not stop.is_set():
            path = READ_PATHS[(worker + n) % len(READ_PATHS)].format(n=n % 50)
            n += 1
            started = time.monotonic()
            try:
                status = client.get(path).status_code
            except httpx.HTTPError as exc:
                status = 0
                out["errors"].append(f"{path}: {type(exc).__name__}: {exc}")
            took = time.monotonic() - started
            with out["lock"]:
                out["statuses"][status] += 1
                out["slowest"] = max(out["slowest"], (took, path))
            if status >= 500:
                out["errors"].append(f"{path}: {status}")


@pytest.mark.timeout(300)
def test_concurrent_reads_while_the_command_line_imports(tmp_path: Path) -> None:
    """F2: 8 clients read for a bounded time while `newsarchive import` runs from another
    process, twice; not one error, no hang, and the stories catch up afterwards."""
    db = build_sample(tmp_path / "served.db")
    # Stories as of the start (so they are stale, not missing, once the import commits).
    with open_archive(db) as archive:
        from newsarchive.dedup import rebuild_stories

        rebuild_stories(archive)
    out: dict[str, Any] = {
        "lock": threading.Lock(),
        "statuses": Counter(),
        "errors": [],
        "slowest": (0.0, ""),
    }
    with served(db) as (base, proc):
        stop = threading.Event()
        clients = [
            threading.Thread(target=hammer, args=(base, stop, w, out), daemon=True)
            for w in range(8)
        ]
        for c in clients:
            c.start()
        try:
            for round_no in range(2):
                done = import_cli(db, write_posts(tmp_path / f"posts{round_no}", round_no))
                assert done.returncode == 0, done.stderr.decode()
            time.sleep(2)  # reads of the stale stories after the last commit
        finally:
            stop.set()
            for c in clients:
                c.join(120)
        assert not any(c.is_alive() for c in clients), "a client hung"
        total = sum(out["statuses"].values())
        assert total > 100, out["statuses"]
        assert out["errors"] == [], (out["errors"][:10], out["statuses"])
        slowest, path = out["slowest"]
        assert slowest < 15, f"{path} took {slowest:.1f} s"
        # The stories are recomputed once asked, by the server's writer, not the readers.
        deadline = time.monotonic() + 60
        with open_archive(db, readonly=True, create=False, hooks=[]) as reader:
            while stories_stale(reader.session) and time.monotonic() < deadline:
                httpx.get(f"{base}/api/stories", timeout=60)
                time.sleep(0.5)
            assert not stories_stale(reader.session), "the stories were never recomputed"
        found = httpx.get(f"{base}/api/stories", timeout=60).json()["stories"]
        # Both rounds' reports (4 events x 2 outlets x 2 rounds) are in stories now.
        assert sum(len(s["articles"]) for s in found) >= 16, found
        rss = peak_rss_mib(proc.pid)
    assert rss < 1024, f"the server's peak RSS was {rss:.0f} MiB"


def test_readers_never_write_and_stale_stories_go_to_the_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F2: with stories left stale by another process, reading them runs no write
    statement on a read-only connection (it once tried, and failed or hung); the
    server's writer recomputes them instead."""
    db = build_sample(tmp_path / "stale.db")
    statements: list[str] = []
    trace_readers(
        monkeypatch,
        lambda archive: sqlite_driver(archive.session).set_trace_callback(statements.append),
    )
    with TestClient(create_app(db), headers=ENGLISH) as client:
        client.app.state.writer.drain(60)  # type: ignore[attr-defined]
        assert import_cli(db, write_posts(tmp_path / "posts", 0)).returncode == 0
        with open_archive(db, readonly=True, create=False, hooks=[]) as reader:
            assert stories_stale(reader.session)
            sqlite_driver(reader.session).set_trace_callback(None)
        for path in ("/api/stories", "/stories/", "/api/stories?q=芯片", "/articles/1"):
            assert client.get(path).status_code == 200, path
        writes = [
            s
            for s in statements
            if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE"))
        ]
        assert statements and writes == []
        client.app.state.writer.drain(120)  # type: ignore[attr-defined]
        with open_archive(db, readonly=True, create=False, hooks=[]) as reader:
            assert not stories_stale(reader.session)
            sqlite_driver(reader.session).set_trace_callback(None)
        assert client.get("/api/stories").json()["stories"]


def test_a_request_uses_one_connection_on_one_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F2: no two requests run statements on one connection at once (a sync endpoint
    once used the connection of the thread that ran its dependency, while that thread
    served another request: 197 of 200 concurrent requests did)."""
    db = build_sample(tmp_path / "own.db")
    clashes: list[str] = []
    guard = threading.Lock()

    class Watched:
        """The connection, noting which threads are inside its `execute` (in Python,
        not in a callback from inside SQLite: one would deadlock a shared connection
        on the GIL instead of showing the clash)."""

        def __init__(self, conn: Any) -> None:
            self._conn = conn
            self._inside: set[int] = set()

        def execute(self, *args: Any) -> Any:
            me = threading.get_ident()
            with guard:
                if self._inside - {me}:
                    clashes.append(str(args[0]))
                self._inside.add(me)
            try:
                time.sleep(0.001)  # widen the window a shared connection shows in
                return self._conn.execute(*args)
            finally:
                with guard:
                    self._inside.discard(me)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._conn, name)

    def watch(archive: Archive) -> None:
        # The driver connection under the session: the search budget reaches it too.
        session = archive.session
        session._conn = Watched(session._conn)  # type: ignore[attr-defined]

    trace_readers(monkeypatch, watch)
    errors: list[str] = []
    with TestClient(create_app(db), headers=ENGLISH) as client:
        client.app.state.writer.drain(60)  # type: ignore[attr-defined]

        def read(w: int) -> None:
            for i in range(12):
                path = READ_PATHS[(w + i) % len(READ_PATHS)].format(n=i)
                status = client.get(path).status_code
                if status != 200:
                    errors.append(f"{path}: {status}")

        threads = [threading.Thread(target=read, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    assert errors == []
    assert clashes == [], f"{len(clashes)} statements ran on a connection in use: {clashes[:3]}"


def test_read_pool_lends_each_connection_to_one_holder(tmp_path: Path) -> None:
    import asyncio

    db = build_sample(tmp_path / "pool.db")
    pool = ReadPool(db, size=2)

    async def main() -> list[int]:
        held: list[int] = []

        async def hold() -> None:
            async with pool.lease() as archive:
                held.append(id(archive))
                await asyncio.sleep(0.05)
                with pytest.raises(Exception, match="readonly"):
                    archive.session.execute("UPDATE articles SET outlet = 'x'")

        await asyncio.gather(*(hold() for _ in range(6)))
        return held

    held = asyncio.run(main())
    pool.close()
    assert len(held) == 6 and len(set(held)) == 2  # six requests, never more than two open


# -- F7: every error carries the security headers ----------------------------------------

HUGE = str(2**63)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/search?q=美国&until=9999-12-31", 200),
        ("/search?q=美国&until=9999-12-31", 200),
        ("/api/stories?until=9999-12-31", 200),
        ("/api/timeline?q=美国&until=9999-12-31", 200),
        (f"/api/articles/{HUGE}", 422),
        (f"/articles/{HUGE}", 422),
        (f"/api/outlets/美国之音?offset={HUGE}", 422),
        (f"/api/articles/1/diff?from={HUGE}", 422),
        (f"/api/stories/{HUGE}", 422),
    ],
)
def test_out_of_range_input_is_a_clear_answer(sample_db: Path, path: str, status: int) -> None:
    with TestClient(
        create_app(sample_db), raise_server_exceptions=False, headers=ENGLISH
    ) as client:
        response = client.get(path)
    assert response.status_code == status, response.text
    assert "content-security-policy" in response.headers
    if status == 422:
        assert "9223372036854775807" in response.text  # says what the limit is


def test_an_unexpected_error_still_carries_the_security_headers(
    sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsarchive.web import queries

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(queries, "recent_articles", broken)
    with TestClient(
        create_app(sample_db), raise_server_exceptions=False, headers=ENGLISH
    ) as client:
        for path in ("/", "/api/outlets/美国之音"):
            response = client.get(path)
            assert response.status_code == 500
            assert response.headers["x-frame-options"] == "DENY"
            assert "content-security-policy" in response.headers
            assert "a bug" not in response.text  # no internals to the client
    page = client.get("/")
    assert "Error 500" in page.text


# -- F8: write tokens are validated ------------------------------------------------------


@pytest.mark.parametrize(
    "token", [" ", "   ", "\t", "short", "has a space in it!!", "tøken-with-ø-123"]
)
def test_an_unusable_token_is_refused(sample_db: Path, token: str) -> None:
    with pytest.raises(TokenError, match="NEWSARCHIVE_TOKEN"):
        create_app(sample_db, token=token)


def test_serve_refuses_an_unusable_token_cleanly(
    sample_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSARCHIVE_TOKEN", " ")
    result = CliRunner().invoke(cli, ["serve", "--db", str(sample_db), "--port", "1"])
    assert result.exit_code == 2
    assert "NEWSARCHIVE_TOKEN" in result.output
    assert "Traceback" not in result.output


def test_a_blank_token_never_opens_the_admin_form(sample_db: Path) -> None:
    # No token at all: writes stay disabled, whatever the form sends.
    with TestClient(create_app(sample_db, token=""), headers=ENGLISH) as client:
        response = client.post("/admin", data={"action": "jobs", "token": " "})
        assert response.status_code == 403
    # A real token: a blank-looking one is just a wrong one.
    with TestClient(create_app(sample_db, token="a-real-token-0123"), headers=ENGLISH) as client:
        assert client.post("/admin", data={"action": "jobs", "token": " "}).status_code == 401
        ok = client.post("/admin", data={"action": "jobs", "token": "a-real-token-0123"})
        assert ok.status_code == 200
