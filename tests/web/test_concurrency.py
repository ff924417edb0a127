"""Reads never wait for a writer: pages and API answer while a write transaction is
open on the same archive (an import in progress)."""

from __future__ import annotations

import threading
import time

from newsarchive.components import open_archive
from newsarchive.web import create_app
from newsarchive.web.state import ReadPool
from tests.web.conftest import ENGLISH, TestClient, build_sample


def test_reads_answer_while_a_write_transaction_is_open(db_address: str) -> None:
    db = build_sample(db_address)
    writer = open_archive(db)
    with TestClient(create_app(db), headers=ENGLISH) as client:
        client.get("/api/articles/1")  # warm the thread's connection
        with writer.transaction() as conn:
            # The writer holds the archive's write lock, as an import does between commits.
            conn.execute("UPDATE articles SET outlet = 'X' WHERE id = 2")
            started = time.monotonic()
            for path in ("/", "/api/articles/1", "/api/outlets", "/articles/2"):
                assert client.get(path).status_code == 200
            elapsed = time.monotonic() - started
            # Uncommitted data stays invisible to readers.
            assert client.get("/api/articles/2").json()["outlet"] == "美国之音"
        assert client.get("/api/articles/2").json()["outlet"] == "X"
    writer.close()
    assert elapsed < 2.0, f"reads waited {elapsed:.2f}s for the writer"


def test_read_pool_gives_each_thread_its_own_read_only_connection(db_address: str) -> None:
    """`own()`: the connection a thread keeps for itself (the event loop's cache lookups);
    requests borrow theirs with `lease()` (test_reliability.py)."""
    db = build_sample(db_address)
    pool = ReadPool(db)
    seen: list[int] = []

    def use() -> None:
        archive = pool.own()
        assert archive is pool.own()
        seen.append(id(archive))

    threads = [threading.Thread(target=use) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 3
    archive = pool.own()
    try:
        archive.session.execute("UPDATE articles SET outlet = 'x'")
    except Exception as exc:  # SQLite's "readonly database", PostgreSQL's "read-only"
        assert "readonly" in str(exc) or "read-only" in str(exc)
    else:
        raise AssertionError("reader connection accepted a write")
    pool.close()
