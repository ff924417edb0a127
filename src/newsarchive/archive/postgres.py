"""The shared backend: an archive in a PostgreSQL database (psycopg 3).

For more than one machine: collectors, importers and web servers on several hosts use
one archive at ``postgresql://…``. The stored data is the same as in an SQLite archive
(same tables and columns; text stays text, JSON stays JSON text, instants stay ISO 8601
text), so an export is identical whichever backend it came from.

Writers take one archive-wide advisory lock for the length of their transaction, as
SQLite's BEGIN IMMEDIATE does: derived data (the search statistics, duplicate buckets,
story marks) is then updated by one writer at a time on both backends and needs no
second concurrency design. Transactions are short batches, so writers on several
machines interleave; readers never wait for them (MVCC). Work that must not wait for
the writer lock (claiming collection leases) uses `begin(exclusive=False)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql as pgsql

from newsarchive.archive.session import ArchiveError, Result, Schema, Session

# Advisory lock keys (any bigint; "NARC" and "NARM" in ASCII).
WRITER_LOCK = 0x4E415243
MIGRATION_LOCK = 0x4E41524D


def is_postgres_url(address: str) -> bool:
    return address.startswith(("postgresql://", "postgres://"))  # = db.POSTGRES_SCHEMES


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = (parts.username or "") + ":***"
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc[-1]}"))


# -- placeholders ------------------------------------------------------------------

# A single-quoted SQL string (with '' escapes), or one placeholder/percent sign.
_TOKEN = re.compile(r"'(?:[^']|'')*'|\?|%")


@lru_cache(maxsize=4096)
def translate(sql: str) -> str:
    """``?`` placeholders to psycopg's ``%s``; a literal ``%`` (LIKE patterns, modulo)
    doubled, outside string literals too since psycopg scans the whole text."""

    def sub(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok == "?":
            return "%s"
        if tok == "%":
            return "%%"
        return tok.replace("%", "%%")

    return _TOKEN.sub(sub, sql)


# -- rows --------------------------------------------------------------------------


class _Row(tuple[Any, ...]):
    """A tuple that also answers by column name, like sqlite3.Row."""

    __slots__ = ()
    _index: ClassVar[dict[str, int]] = {}
    _names: ClassVar[list[str]] = []

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


@lru_cache(maxsize=1024)
def _row_class(names: tuple[str, ...]) -> type[_Row]:
    return type(
        "Row",
        (_Row,),
        {"__slots__": (), "_index": {n: i for i, n in enumerate(names)}, "_names": list(names)},
    )


def _row_factory(cursor: Any) -> Callable[[Sequence[Any]], Any]:
    desc = cursor.description
    if desc is None:
        return tuple
    cls = _row_class(tuple(c.name for c in desc))
    return cls


class _Pending:
    """A statement's result in pipeline mode (`PostgresSession.pipelined`). psycopg's
    cursor waits for its rows when they are fetched, but not for `rowcount`, which
    reads -1 until the answer is in: here it waits too."""

    __slots__ = ("_cursor", "_pipeline")

    def __init__(self, cursor: psycopg.Cursor[Any], pipeline: psycopg.Pipeline) -> None:
        self._cursor = cursor
        self._pipeline = pipeline

    @property
    def rowcount(self) -> int:
        if self._cursor.rowcount < 0:
            self._pipeline.sync()
        return self._cursor.rowcount

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    def fetchmany(self, size: int = 0, /) -> list[Any]:
        return self._cursor.fetchmany(size)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cursor)


class PostgresSession(Session):
    dialect = "postgres"

    def __init__(self, conn: psycopg.Connection[Any], url: str, *, readonly: bool) -> None:
        self._conn = conn
        self.url = url
        self.name = redact(url)
        self.readonly = readonly
        self._pipeline: psycopg.Pipeline | None = None

    @contextmanager
    def pipelined(self) -> Iterator[None]:
        """psycopg's pipeline mode: a statement is sent without waiting for the answer
        to the one before; the client waits only where it reads a result. An import
        batch's article sends ~10 statements (the ingest, then each hook's deletes and
        inserts) and reads the answers of 2: the rest no longer cost a round trip each
        (a wait for the server process to be scheduled: ~1 ms each under load)."""
        if self._pipeline is not None:
            yield
            return
        with self._conn.pipeline() as pipeline:
            self._pipeline = pipeline
            try:
                yield
            finally:
                self._pipeline = None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        try:
            cursor = self._conn.execute(translate(sql), params or None)
        except psycopg.errors.ReadOnlySqlTransaction as exc:
            raise ArchiveError(f"{self.name}: opened read-only ({exc})") from exc
        except psycopg.DataError as exc:
            # PostgreSQL text cannot hold NUL, SQLite's can; psycopg refuses it before
            # sending (the transaction is intact). Stored as U+FFFD, as a decoder
            # shows an unreadable character; such text is rare and never meaningful.
            if "NUL" not in str(exc):
                raise
            cursor = self._conn.execute(translate(sql), _without_nul(params))
        return cursor if self._pipeline is None else _Pending(cursor, self._pipeline)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        # NUL as in `execute`, but looked for first: psycopg adapts and sends row by
        # row, so a refused row would come after others were written.
        rows = [_without_nul(row) if _has_nul(row) else row for row in rows]
        with self._conn.cursor() as cur:
            cur.executemany(translate(sql), rows)

    def begin(self, *, exclusive: bool = True) -> None:
        self._conn.execute("BEGIN")
        if exclusive and self.readonly:
            self._conn.execute("ROLLBACK")
            raise ArchiveError(f"{self.name}: opened read-only; cannot write")
        if exclusive:
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
            # Readers' caches compare this counter (see `generation`); bumped under the
            # writer lock, so it costs no contention.
            self._conn.execute("UPDATE archive_generation SET value = value + 1")

    def commit(self) -> None:
        self._conn.execute("COMMIT")

    def rollback(self) -> None:
        self._conn.execute("ROLLBACK")

    def close(self) -> None:
        self._conn.close()

    def generation(self) -> Any:
        row = self._conn.execute("SELECT value FROM archive_generation").fetchone()
        return row[0] if row else 0

    def refresh_statistics(self) -> list[str]:
        """ANALYZE each table whose rows changed past autovacuum's own analyze
        threshold (50 rows + 10% of the table, by default).

        Why not leave it to autovacuum: whether it gets round during an import is a
        race, and an import into a new archive that it misses leaves `articles`,
        `versions` and `captures` with no statistics at all. The planner then guesses:
        with an outlet filter, 中央社 was estimated at 94 of 9,728 articles (1,221
        are), so each of its articles' documents was read to test the words instead of
        the words' index being asked. Right after a 10,000-file import
        (docs/architecture.md) bench/backends.py's PostgreSQL search p99 was 38.6 and
        30.3 ms before this, 20.0 and 20.2 after; with session 11's search code 48.9 ms
        of CPU without statistics and 19.7 with. Here the 8 tables past the threshold
        took 0.6 s to analyse.

        Each table costs one bounded sample (ANALYZE reads at most 30,000 rows), and
        only the tables past the threshold are read: a small fetch pass analyses
        nothing. The counts come from the cumulative statistics, which a backend
        publishes when idle at most once a second: this session's last writes are
        flushed first (PostgreSQL 15+; before it, up to the last half second of writes
        may go uncounted)."""
        if self._conn.info.server_version >= 150000:
            self._conn.execute("SELECT pg_stat_force_next_flush()")
        rows = self._conn.execute(
            "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid"
            " WHERE s.schemaname = current_schema()"
            " AND s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::int"
            " + current_setting('autovacuum_analyze_scale_factor')::float8"
            " * greatest(c.reltuples, 0)"
            " ORDER BY s.relname"
        ).fetchall()
        names = [str(r[0]) for r in rows]
        for name in names:
            self._conn.execute(pgsql.SQL("ANALYZE {}").format(pgsql.Identifier(name)))
        return names

    @property
    def in_transaction(self) -> bool:
        return self._conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def table_exists(self, name: str) -> bool:
        row = self._conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()
        return row is not None and row[0] is not None


def _has_nul(params: Sequence[Any]) -> bool:
    return any(
        "\x00" in p if isinstance(p, str) else isinstance(p, list) and _has_nul(p) for p in params
    )


def _without_nul(params: Sequence[Any]) -> list[Any]:
    """`params` with NUL replaced in text, and in lists of text (arrays)."""
    return [
        p.replace("\x00", "\ufffd")
        if isinstance(p, str)
        else _without_nul(p)
        if isinstance(p, list)
        else p
        for p in params
    ]


def driver(session: Session) -> psycopg.Connection[Any]:
    """The psycopg connection under `session`, for the components' PostgreSQL adapters
    that need what only the driver offers (COPY, server-side cursors)."""
    assert isinstance(session, PostgresSession), "not a PostgreSQL archive"
    return session._conn


def connect(
    url: str, schemas: Sequence[Schema], *, readonly: bool = False, create: bool = True
) -> PostgresSession:
    """Open (and if needed create and migrate) an archive database.

    A database that holds other tables but no newsarchive schema is refused and left
    untouched; a missing database is created when `create` allows it."""
    name = redact(url)
    try:
        try:
            conn = _open(url)
        except psycopg.OperationalError as exc:
            if "does not exist" in str(exc) and create and not readonly:
                _create_database(url)
                conn = _open(url)
            else:
                raise
    except psycopg.Error as exc:
        # Unreachable or refused, or a malformed URL (an unknown query parameter is a
        # ProgrammingError, raised before connecting).
        raise ArchiveError(f"{name}: cannot open: {_first_line(exc)}") from exc
    try:
        _check_is_archive(conn, name)
        if readonly:
            conn.execute("SET default_transaction_read_only = on")
            if not _has_table(conn, "schema_migrations"):
                raise ArchiveError(f"{name}: no such archive (cannot create it read-only)")
        else:
            # As SQLite's synchronous=NORMAL in WAL mode: a commit survives the process
            # being killed, only a power loss may drop the last ones; batch writes
            # don't wait for a disk flush each.
            conn.execute("SET synchronous_commit = off")
            migrate(conn, schemas)
    except psycopg.Error as exc:
        conn.close()
        raise ArchiveError(f"{name}: {_first_line(exc)}") from exc
    except ArchiveError:
        conn.close()
        raise
    return PostgresSession(conn, url, readonly=readonly)


def _open(url: str) -> psycopg.Connection[Any]:
    conn: psycopg.Connection[Any] = psycopg.connect(
        url, autocommit=True, row_factory=_row_factory, connect_timeout=30
    )
    return conn


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _create_database(url: str) -> None:
    parts = urlsplit(url)
    dbname = parts.path.lstrip("/")
    if not dbname:
        raise ArchiveError(f"{redact(url)}: names no database")
    admin = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=30) as conn:
            # Byte-order collation, as SQLite compares text, so that listings sort the
            # same on both backends; a UTF-8 ctype so the text-search parser sees CJK
            # characters as letters.
            conn.execute(
                pgsql.SQL(
                    "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'"
                    " LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'"
                ).format(pgsql.Identifier(dbname))
            )
    except psycopg.errors.DuplicateDatabase:
        pass  # another process created it first
    except psycopg.Error as exc:
        raise ArchiveError(
            f"{redact(url)}: no such database, and it cannot be created: {_first_line(exc)}"
        ) from exc


def _has_table(conn: psycopg.Connection[Any], name: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()
    return row is not None and row[0] is not None


def _check_is_archive(conn: psycopg.Connection[Any], name: str) -> None:
    if _has_table(conn, "schema_migrations"):
        return
    row = conn.execute(
        "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
    ).fetchone()
    if row and row[0]:
        raise ArchiveError(
            f"{name}: not a newsarchive database (it holds another program's tables); "
            "left untouched"
        )


def migrate(conn: psycopg.Connection[Any], schemas: Sequence[Schema]) -> None:
    """Apply what is missing of each component's PostgreSQL migrations, in one
    transaction, under a lock so that collectors starting together migrate once."""
    conn.execute("BEGIN")
    try:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
        )
        conn.execute(
            "CREATE TABLE IF NOT EXISTS archive_generation (value BIGINT NOT NULL);"
            " INSERT INTO archive_generation(value)"
            " SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM archive_generation)"
        )
        for schema in schemas:
            row = conn.execute(
                "SELECT version FROM schema_migrations WHERE component=%s", (schema.component,)
            ).fetchone()
            done = row[0] if row else 0
            pending = schema.pending("postgres", done)
            for script in pending:
                conn.execute(script.encode())  # several statements, no parameters
            if pending:
                conn.execute(
                    "INSERT INTO schema_migrations(component, version) VALUES(%s, %s) "
                    "ON CONFLICT(component) DO UPDATE SET version=excluded.version",
                    (schema.component, done + len(pending)),
                )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
