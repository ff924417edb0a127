"""Killing commands and judging what they leave: the tools of the crash tests.

- `dump_archive`: everything a command decided, read straight from the SQLite file (no
  ids, no wall-clock times), so two archives built by different histories compare equal
  exactly when they hold the same articles, versions, captures, errors, index entries,
  duplicate links and fetch state.
- `integrity_problems`: SQLite's own checks plus the invariants the archive promises
  after any crash (every article's latest version is its own, every capture's bytes are
  stored, the search index describes exactly the stored latest versions).
- `Child`: a command in its own process group, killed with SIGKILL like a power cut or
  the OOM killer would, with a check that no process it started outlives it.

Reads use plain `sqlite3` on the file rather than the `Archive` API: the judge must not
depend on the code it judges, and opening the file like any next command would also
recovers a write-ahead log left by the kill.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

Dump = dict[str, Any]


# -- reading an archive ------------------------------------------------------------------


def _connect(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(db, timeout=30)


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _rows(conn: sqlite3.Connection, sql: str) -> frozenset[tuple[Any, ...]]:
    return frozenset(tuple(r) for r in conn.execute(sql))


# Per table group: (tables it needs, name in the dump, query). Ids are joined away to
# URLs; observation times (first_seen, observed, last_fetched, last_attempt...) left out.
_DUMP_QUERIES: list[tuple[tuple[str, ...], str, str]] = [
    (("articles",), "articles", "SELECT url, outlet, gone_status FROM articles"),
    (
        ("articles", "versions"),
        "versions",
        "SELECT a.url, v.content_hash, v.title, v.author, v.published, v.lang, v.tags,"
        " v.images, v.html, v.text FROM versions v JOIN articles a ON a.id = v.article_id",
    ),
    (
        ("articles", "versions"),
        "latest",
        "SELECT a.url, v.content_hash FROM articles a JOIN versions v"
        " ON v.id = a.latest_version_id",
    ),
    (
        ("articles", "versions", "captures"),
        "captures",
        "SELECT a.url, v.content_hash, c.format, c.location, c.raw_sha256, c.http_status"
        " FROM captures c JOIN articles a ON a.id = c.article_id"
        " JOIN versions v ON v.id = c.version_id",
    ),
    (("blobs",), "blobs", "SELECT sha256, size FROM blobs"),
    (("import_errors",), "import_errors", "SELECT location, raw_sha256, reason FROM import_errors"),
    (
        ("search_docs", "articles", "versions"),
        "search_index",
        "SELECT a.url, v.content_hash FROM search_docs d JOIN articles a ON a.id = d.article_id"
        " JOIN versions v ON v.id = d.version_id",
    ),
    # Duplicate links and groups are stored by article id (link a < b, a group named by
    # its smallest id), and ids follow the order articles arrived in, which concurrent
    # fetches do not fix: pairs and groups are compared as sets of URLs.
    (
        ("dedup_links", "articles"),
        "duplicate_links",
        "SELECT x.url, y.url, l.kind FROM dedup_links l JOIN articles x ON x.id = l.a"
        " JOIN articles y ON y.id = l.b",
    ),
    (
        ("dedup_members", "articles"),
        "duplicate_groups",
        "SELECT m.group_id, a.url FROM dedup_members m JOIN articles a ON a.id = m.article_id",
    ),
    (
        ("sources",),
        "sources",
        "SELECT name, url, kind, outlet, origin, removed_at IS NOT NULL FROM sources",
    ),
    (
        ("source_state",),
        "source_state",
        "SELECT name, etag, last_modified, error_streak, last_error FROM source_state",
    ),
    (
        ("url_state",),
        "url_state",
        "SELECT url, etag, last_modified, item_fingerprint, last_status FROM url_state",
    ),
    (
        ("feed_responses",),
        "feed_responses",
        "SELECT source, url, http_status, raw_sha256 FROM feed_responses",
    ),
    (("fetch_errors",), "fetch_errors", "SELECT source, url, reason FROM fetch_errors"),
]


def dump_archive(db: Path) -> Dump:
    """What the archive holds, independent of row ids, timing and history."""
    conn = _connect(db)
    try:
        present = _tables(conn)
        dump: Dump = {
            name: _rows(conn, sql)
            for needs, name, sql in _DUMP_QUERIES
            if present.issuperset(needs)
        }
    finally:
        conn.close()
    if "duplicate_links" in dump:
        dump["duplicate_links"] = frozenset(
            (frozenset((a, b)), kind) for a, b, kind in dump["duplicate_links"]
        )
    if "duplicate_groups" in dump:
        groups: dict[int, set[str]] = {}
        for group_id, url in dump["duplicate_groups"]:
            groups.setdefault(group_id, set()).add(url)
        dump["duplicate_groups"] = frozenset(frozenset(g) for g in groups.values())
    return dump


def integrity_problems(db: Path) -> list[str]:
    """What is wrong with the archive file; [] when nothing is. A file the command
    never got to create is not a problem."""
    if not db.exists():
        return []
    conn = _connect(db)
    try:
        problems = [
            f"integrity_check: {r[0]}"
            for r in conn.execute("PRAGMA integrity_check")
            if r[0] != "ok"
        ]
        problems += [f"foreign key: {tuple(r)}" for r in conn.execute("PRAGMA foreign_key_check")]
        present = _tables(conn)
        checks = _INVARIANTS + (_SEARCH_INVARIANTS if "search_docs" in present else [])
        for what, sql in checks:
            bad = conn.execute(sql).fetchall()
            if bad:
                problems.append(f"{what}: {len(bad)} rows, e.g. {tuple(bad[0])}")
        if "search_fts" in present:
            try:
                conn.execute("INSERT INTO search_fts(search_fts) VALUES('integrity-check')")
            except sqlite3.DatabaseError as exc:
                problems.append(f"search index: {exc}")
        return problems
    finally:
        conn.close()


_INVARIANTS = [
    (
        "article whose latest version is missing or another article's",
        "SELECT a.id FROM articles a LEFT JOIN versions v ON v.id = a.latest_version_id"
        " WHERE v.id IS NULL OR v.article_id != a.id",
    ),
    (
        "capture of a version of another article",
        "SELECT c.id FROM captures c JOIN versions v ON v.id = c.version_id"
        " WHERE v.article_id != c.article_id",
    ),
    (
        "capture whose raw bytes are not stored",
        "SELECT c.id FROM captures c LEFT JOIN blobs b ON b.sha256 = c.raw_sha256"
        " WHERE b.sha256 IS NULL",
    ),
    (
        "article without a capture",
        "SELECT a.id FROM articles a WHERE NOT EXISTS"
        " (SELECT 1 FROM captures c WHERE c.article_id = a.id)",
    ),
]
_SEARCH_INVARIANTS = [
    (
        "search entry for another version than the latest",
        "SELECT d.article_id FROM search_docs d LEFT JOIN articles a ON a.id = d.article_id"
        " WHERE a.latest_version_id IS NOT d.version_id",
    ),
    (
        "search entry without its index row, or index row without its entry",
        "SELECT article_id FROM search_docs WHERE article_id NOT IN"
        " (SELECT rowid FROM search_fts)"
        " UNION ALL SELECT rowid FROM search_fts WHERE rowid NOT IN"
        " (SELECT article_id FROM search_docs)",
    ),
]


def describe_difference(actual: Mapping[str, Any], expected: Mapping[str, Any]) -> str:
    """A readable account of how two dumps differ (the first few rows of each side)."""
    lines = []
    for key in sorted(set(actual) | set(expected)):
        a, e = actual.get(key), expected.get(key)
        if a == e:
            continue
        if isinstance(a, frozenset | set) and isinstance(e, frozenset | set):
            extra, missing = sorted(a - e, key=repr)[:3], sorted(e - a, key=repr)[:3]
            lines.append(
                f"{key}: {len(a - e)} unexpected, {len(e - a)} missing;"
                f" unexpected {extra!r:.600} missing {missing!r:.600}"
            )
        else:
            lines.append(f"{key}: {a!r:.300} != {e!r:.300}")
    return "\n".join(lines)


# -- running and killing -----------------------------------------------------------------


def command_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a command under test: this worktree's sources, loopback
    fetching allowed, nothing else from the test process."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(ROOT / "src"),
        "NEWSARCHIVE_ALLOW_PRIVATE_ADDRESSES": "1",
        **(extra or {}),
    }


def group_members(pgid: int) -> list[int]:
    """Live processes of process group `pgid` (zombies excluded)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


class Child:
    """`python -m newsarchive ARGS` in a new process group (its workers join it).

    Its output goes to files, not pipes: a worker that outlives a killed command would
    hold a pipe open, and reading it would wait for that worker."""

    def __init__(self, args: Sequence[str], env: Mapping[str, str], logs: Path) -> None:
        self.args = list(args)
        logs.mkdir(parents=True, exist_ok=True)
        n = len(list(logs.glob("*.err")))
        self.out_path, self.err_path = logs / f"{n}.out", logs / f"{n}.err"
        with self.out_path.open("wb") as out, self.err_path.open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "newsarchive", *args],
                cwd=ROOT,
                env=dict(env),
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        self.pgid = self.proc.pid

    def finish(self, timeout: float) -> str:
        """Waits for a normal exit and returns the standard output; a command that
        fails or hangs fails the test."""
        try:
            code = self.proc.wait(timeout=timeout)
        finally:
            self.reap()
        err = self.err_path.read_text(errors="replace")
        assert code == 0, f"newsarchive {' '.join(self.args)} exited {code}:\n{err[-3000:]}"
        return self.out_path.read_text(errors="replace")

    def sigkill_after(self, delay: float, grace: float = 5.0) -> tuple[bool, list[int]]:
        """SIGKILL the command (its main process only, as the OOM killer would) after
        `delay` seconds. Returns whether it was still running, and the processes it
        started that were still alive `grace` seconds later (they are killed then)."""
        try:
            self.proc.wait(timeout=delay)
            running = False
        except subprocess.TimeoutExpired:
            running = True
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        deadline = time.monotonic() + grace
        while (left := group_members(self.pgid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.reap()
        return running, left

    def reap(self) -> None:
        """Whatever is left of the command's process group goes (never the test's own)."""
        if self.pgid != os.getpgid(0):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pgid, signal.SIGKILL)
