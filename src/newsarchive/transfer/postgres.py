"""PostgreSQL's side of a copy: its catalog, a repeatable-read snapshot, rows written
with COPY (several times faster than INSERTs) and identity sequences moved past the
ids a copy wrote."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg import sql as pgsql
from psycopg.rows import tuple_row

from newsarchive.archive import Session
from newsarchive.archive.postgres import driver, translate
from newsarchive.transfer.catalog import Columns, quote


class PostgresBackend:
    def is_virtual(self, session: Session, table: str) -> bool:
        return False

    def shadow_tables(self, session: Session, table: str) -> list[str]:
        return []

    def ordinary_tables(self, session: Session) -> list[str]:
        rows = session.all("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        return [r[0] for r in rows]

    def columns(self, session: Session, table: str) -> Columns:
        rows = session.all(
            "SELECT attname, attgenerated FROM pg_attribute WHERE attrelid = to_regclass(?)"
            " AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            (table,),
        )
        return Columns(tuple(r[0] for r in rows), tuple(r[0] for r in rows if r[1] == ""))

    def primary_key(self, session: Session, table: str) -> tuple[str, ...]:
        rows = session.all(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a"
            " ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
            " WHERE i.indrelid = to_regclass(?) AND i.indisprimary"
            " ORDER BY array_position(i.indkey::int2[], a.attnum)",
            (table,),
        )
        return tuple(r[0] for r in rows)

    def fetch(self, session: Session, sql: str, params: Sequence[Any]) -> list[Any]:
        """Rows as plain tuples: the session's rows answer by name through a Python
        `__getitem__`, which SQLite's executemany then called for every value (15% of a
        PostgreSQL -> SQLite copy)."""
        with driver(session).cursor(row_factory=tuple_row) as cur:
            return cur.execute(translate(sql), params).fetchall()

    def begin_snapshot(self, session: Session) -> None:
        # Every table read from one snapshot: a capture never names a version the
        # copy did not see, however busy the source is.
        session.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def write_rows(
        self, session: Session, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
            pgsql.Identifier(table), pgsql.SQL(", ").join(map(pgsql.Identifier, columns))
        )
        conn = driver(session)
        # PostgreSQL text cannot hold NUL (SQLite's can): psycopg refuses such a value
        # before sending it. Rare, so looked for only then: checking every value of
        # every row cost 10% of an SQLite -> PostgreSQL copy.
        conn.execute("SAVEPOINT copy_batch")
        try:
            _copy(conn, statement, rows)
        except psycopg.DataError as exc:
            if "NUL" not in str(exc):
                raise
            conn.execute("ROLLBACK TO SAVEPOINT copy_batch")
            _copy(conn, statement, _without_nul(rows))
        conn.execute("RELEASE SAVEPOINT copy_batch")

    def after_write(self, session: Session, table: str) -> None:
        """Move each identity (or serial) sequence of `table` past the largest id in it:
        a copy writes explicit ids, which do not advance the sequence, and the next
        ordinary insert would collide with them."""
        for (column,) in session.all(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(?) AND attnum > 0"
            " AND NOT attisdropped AND pg_get_serial_sequence(?, attname) IS NOT NULL",
            (table, quote(table)),
        ):
            session.execute(
                f"SELECT setval(pg_get_serial_sequence(?, ?), m)"
                f" FROM (SELECT max({quote(column)}) AS m FROM {quote(table)}) AS s"
                " WHERE m IS NOT NULL",
                (quote(table), column),
            )


def _copy(
    conn: psycopg.Connection[Any], statement: pgsql.Composed, rows: Iterable[Sequence[Any]]
) -> None:
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _without_nul(rows: Sequence[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    """NUL stored as U+FFFD, as the archive's PostgreSQL session does for every other
    write."""
    for row in rows:
        yield [v.replace("\x00", "\ufffd") if type(v) is str else v for v in row]


BACKEND = PostgresBackend()
