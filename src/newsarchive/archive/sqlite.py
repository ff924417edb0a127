"""The embedded backend: an archive in one SQLite file.

One writer at a time (BEGIN IMMEDIATE takes SQLite's write lock), WAL so readers never
wait for it. This module and the components' `sqlite` adapters are the only code that
touches the `sqlite3` driver.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from newsarchive.archive.session import ArchiveError, Result, Schema, Session

# SQLite `application_id` stamped into every archive: lets us refuse files that are
# SQLite databases of some other program instead of silently adding tables to them.
APPLICATION_ID = 0x4E415243  # "NARC"


class SQLiteSession(Session):
    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection, path: Path, *, readonly: bool) -> None:
        self._conn = conn
        self.path = path
        self.name = str(path)
        self.readonly = readonly

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        return self._conn.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._conn.executemany(sql, rows)

    def begin(self, *, exclusive: bool = True) -> None:
        if exclusive and self.readonly:
            # As the PostgreSQL session says it (SQLite's own error comes later, from
            # the first write, as a driver exception).
            raise ArchiveError(f"{self.name}: opened read-only; cannot write")
        self._conn.execute("BEGIN IMMEDIATE" if exclusive else "BEGIN")

    def commit(self) -> None:
        self._conn.execute("COMMIT")

    def rollback(self) -> None:
        self._conn.execute("ROLLBACK")

    def close(self) -> None:
        self._conn.close()

    def limit_cache(self, kib: int) -> None:
        self._conn.execute(f"PRAGMA cache_size=-{int(kib)}")

    def generation(self) -> Any:
        # Changes when any other connection (in any process) has committed.
        return self._conn.execute("PRAGMA data_version").fetchone()[0]

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    def table_exists(self, name: str) -> bool:
        return (
            self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)
            ).fetchone()
            is not None
        )


def driver(session: Session) -> sqlite3.Connection:
    """The sqlite3 connection under `session`, for the components' SQLite adapters that
    need what only the driver offers (FTS5 commands, PRAGMAs, the backup API)."""
    assert isinstance(session, SQLiteSession), "not an SQLite archive"
    return session._conn


def connect(
    path: Path, schemas: Sequence[Schema], *, readonly: bool = False, create: bool = True
) -> SQLiteSession:
    """Open (and if needed create and migrate) an archive file.

    A file that exists but is not a newsarchive database is refused and left untouched.

    The file is never opened here except through SQLite, not even to read its header:
    closing any other descriptor of the file drops every POSIX lock this process holds
    on it, SQLite's included (sqlite.org/howtocorrupt.html, 2.2). A web server opening
    a reader connection per thread while an import wrote from another process then saw
    "database disk image is malformed" (bench/web.py, two server processes, no cache:
    1-4 failed searches in every run; none once this check went through SQLite).
    """
    exists = path.exists() and path.stat().st_size > 0
    if exists:
        if path.is_dir():
            raise ArchiveError(f"{path}: is a directory, not a newsarchive database")
    elif not create:
        raise ArchiveError(f"{path}: no such archive")
    elif readonly:
        raise ArchiveError(f"{path}: no such archive (cannot create it read-only)")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)

    uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
    try:
        conn = sqlite3.connect(
            uri, uri=True, timeout=30.0, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise ArchiveError(f"{path}: cannot open: {exc}") from exc
    try:
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc):  # SQLITE_NOTADB: no SQLite header
                raise ArchiveError(
                    f"{path}: not a newsarchive database (not an SQLite file)"
                ) from exc
            raise
        if exists:
            tables = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type='table'"
            ).fetchone()[0]
            if app_id != APPLICATION_ID and tables:
                raise ArchiveError(
                    f"{path}: not a newsarchive database (another program's SQLite file); "
                    "left untouched"
                )
        _configure(conn, readonly=readonly)
        if not readonly:
            migrate(conn, schemas)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise ArchiveError(f"{path}: not a newsarchive database ({exc})") from exc
    except ArchiveError:
        conn.close()
        raise
    return SQLiteSession(conn, path, readonly=readonly)


def _configure(conn: sqlite3.Connection, *, readonly: bool) -> None:
    conn.row_factory = sqlite3.Row
    if not readonly:
        # WAL: readers never block the single writer and vice versa.
        conn.execute("PRAGMA journal_mode=WAL")
    # NORMAL is durable across process kills in WAL mode (only a power loss can drop
    # the last transactions), and much faster for batch imports than FULL.
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA cache_size=-65536")
    conn.execute("PRAGMA temp_store=MEMORY")


def migrate(conn: sqlite3.Connection, schemas: Sequence[Schema]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
        )
        for schema in schemas:
            row = conn.execute(
                "SELECT version FROM schema_migrations WHERE component=?", (schema.component,)
            ).fetchone()
            done = row[0] if row else 0
            pending = schema.pending("sqlite", done)
            for script in pending:
                for statement in _split_sql(script):
                    conn.execute(statement)
            if pending:
                conn.execute(
                    "INSERT INTO schema_migrations(component, version) VALUES(?, ?) "
                    "ON CONFLICT(component) DO UPDATE SET version=excluded.version",
                    (schema.component, done + len(pending)),
                )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _split_sql(script: str) -> list[str]:
    """Split a migration script into statements (sqlite3.execute takes one at a time and
    executescript would commit our transaction). Triggers contain `;` inside BEGIN..END,
    so use sqlite3.complete_statement to find real boundaries."""
    statements: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements
