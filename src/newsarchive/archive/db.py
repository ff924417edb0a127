"""Opening an archive file safely, and applying schema migrations.

Migrations are ordered lists of SQL scripts, one list per component (the core archive,
the search index, duplicate detection, collection state ...). A component's schema
version is the length of the part of its list already applied, stored in
``schema_migrations``; new migrations are only ever appended (as miniflux does).
Components own their list in their own ``schema`` module so each stage keeps its tables
next to its code, and the archive still has one place that decides the order.
"""

from __future__ import annotations

import importlib
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

# SQLite `application_id` stamped into every archive: lets us refuse files that are
# SQLite databases of some other program instead of silently adding tables to them.
APPLICATION_ID = 0x4E415243  # "NARC"

# Components whose `schema.MIGRATIONS` are applied, in this order. The core comes first
# because the others reference its tables.
SCHEMA_MODULES: tuple[str, ...] = (
    "newsarchive.archive.schema",
    "newsarchive.search.schema",
    "newsarchive.dedup.schema",
    "newsarchive.collect.schema",
)

DEFAULT_DB = "newsarchive.db"


class ArchiveError(Exception):
    """An archive cannot be opened or used; the message says why and names the file."""


def resolve_db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """`--db PATH`, else `$NEWSARCHIVE_DB`, else `./newsarchive.db`."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("NEWSARCHIVE_DB")
    return Path(env) if env else Path(DEFAULT_DB)


def component_migrations() -> list[tuple[str, Sequence[str]]]:
    out: list[tuple[str, Sequence[str]]] = []
    for name in SCHEMA_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # A component that is not installed has no tables; anything else is a bug.
            if exc.name != name and not name.startswith(f"{exc.name}."):
                raise
            continue
        out.append((name.rsplit(".", 2)[-2], module.MIGRATIONS))
    return out


def connect(path: Path, *, readonly: bool = False, create: bool = True) -> sqlite3.Connection:
    """Open (and if needed create and migrate) an archive.

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
            migrate(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise ArchiveError(f"{path}: not a newsarchive database ({exc})") from exc
    except ArchiveError:
        conn.close()
        raise
    return conn


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


def migrate(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
        )
        for component, migrations in component_migrations():
            row = conn.execute(
                "SELECT version FROM schema_migrations WHERE component=?", (component,)
            ).fetchone()
            done = row[0] if row else 0
            if done > len(migrations):
                raise ArchiveError(
                    f"archive schema for {component!r} is newer ({done}) than this "
                    f"newsarchive knows ({len(migrations)}); upgrade newsarchive"
                )
            for script in migrations[done:]:
                for statement in _split_sql(script):
                    conn.execute(statement)
            if len(migrations) != done:
                conn.execute(
                    "INSERT INTO schema_migrations(component, version) VALUES(?, ?) "
                    "ON CONFLICT(component) DO UPDATE SET version=excluded.version",
                    (component, len(migrations)),
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
