"""The storage seam: what the archive and its components need from a database.

An archive lives either in one SQLite file (the embedded default) or in a PostgreSQL
database (for more than one machine). Both are reached through a `Session`, one open
connection in its backend's own dialect. Nothing outside the backend modules
(`archive/sqlite.py`, `archive/postgres.py`) holds a driver connection:

- the archive's own tables are read and written by `Archive`'s typed methods;
- a component that keeps derived data (search, dedup, collection state) keeps its SQL in
  its own adapter modules and runs it through the session it is handed (the transaction
  given to an `ArchiveHook`, or `Archive.session` for reads).

SQL is written with ``?`` placeholders on both backends (the PostgreSQL session
translates them), so the many statements that are plain SQL are written once; a
statement that differs is chosen by `Session.dialect` in the component's adapter.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, Protocol

Dialect = Literal["sqlite", "postgres"]


class ArchiveError(Exception):
    """An archive cannot be opened or used; the message says why and names the archive."""


class Row(Protocol):
    """A result row: by position or by column name (sqlite3.Row and ours for psycopg)."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def __len__(self) -> int: ...

    def keys(self) -> list[str]: ...


class Result(Protocol):
    """What `Session.execute` returns: a DB-API cursor, reduced to what we use."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def fetchmany(self, size: int = ..., /) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


@dataclass(frozen=True, slots=True)
class Schema:
    """One component's tables: its append-only migration scripts for each backend.

    The applied length of each list is recorded per component in `schema_migrations`;
    new scripts are only ever appended (as miniflux does)."""

    component: str
    sqlite: Sequence[str]
    postgres: Sequence[str]

    def migrations(self, dialect: Dialect) -> Sequence[str]:
        return self.sqlite if dialect == "sqlite" else self.postgres

    def pending(self, dialect: Dialect, done: int) -> Sequence[str]:
        """The scripts not yet applied to an archive that has applied `done` of them;
        an archive migrated by a newer newsarchive is refused."""
        migrations = self.migrations(dialect)
        if done > len(migrations):
            raise ArchiveError(
                f"archive schema for {self.component!r} is newer ({done}) than this "
                f"newsarchive knows ({len(migrations)}); upgrade newsarchive"
            )
        return migrations[done:]


class Session:
    """One open connection to an archive's database.

    `execute` takes SQL with ``?`` placeholders. Transactions are explicit: `begin`,
    `commit`, `rollback` (the `Archive` drives them; components never do)."""

    dialect: Dialect
    # How the archive is named in messages (a path, or a URL without its password).
    name: str
    readonly: bool

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        raise NotImplementedError

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        raise NotImplementedError

    def begin(self, *, exclusive: bool = True) -> None:
        """Start a write transaction. `exclusive`: the archive's single-writer lock (as
        SQLite's BEGIN IMMEDIATE), held to the end of the transaction."""
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def rollback(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    @contextmanager
    def pipelined(self) -> Iterator[None]:
        """Within this block, statements may be sent before the answers to earlier ones
        have come back (PostgreSQL's pipeline mode; SQLite, in-process, has no round
        trips to save). Reading a result waits for it, so code reads the same either
        way; a failed statement may raise only at a later read, or at the block's end.
        For bulk writes inside a transaction (an import batch)."""
        yield

    def limit_cache(self, kib: int) -> None:
        """Bound this connection's page cache where the backend keeps one per connection
        (SQLite; PostgreSQL's is the server's, shared)."""

    def generation(self) -> Any:
        """A value that changes whenever anyone has committed to the archive since the
        last call on this session (caches compare it to decide what is stale)."""
        raise NotImplementedError

    def refresh_statistics(self) -> list[str]:
        """After a run of writes (`Archive.settle`): give the query planner statistics
        on the tables that changed much since it last had them, now rather than when
        the database's background upkeep gets to them; returns their names. SQLite:
        nothing (the archive never runs its ANALYZE, so its planner never relies on
        statistics that could be stale, and it has no background upkeep to race)."""
        return []

    # -- conveniences over execute -------------------------------------------------

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.execute(sql, params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an INSERT written with ``RETURNING id`` and give the new row's id."""
        row = self.execute(sql, params).fetchone()
        assert row is not None, "INSERT ... RETURNING id returned no row"
        return int(row[0])

    def table_exists(self, name: str) -> bool:
        raise NotImplementedError

    @property
    def in_transaction(self) -> bool:
        raise NotImplementedError


def row_dict(row: Row) -> dict[str, Any]:
    """A row as {column: value} (iterating a sqlite3.Row gives values, not names)."""
    return {k: row[k] for k in row.keys()}  # noqa: SIM118


def marks(n: int) -> str:
    """``?,?,?`` for an IN list of `n` values."""
    return ",".join("?" * n)


# Both SQLite (999 by default in old builds) and psycopg (65,535) bound the number of
# parameters in one statement; IN lists are sent in chunks of this size.
IN_CHUNK = 500
