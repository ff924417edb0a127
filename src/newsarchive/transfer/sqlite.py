"""SQLite's side of a copy: its catalog (PRAGMAs), a read snapshot, batched inserts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from newsarchive.archive import Session
from newsarchive.archive.session import marks
from newsarchive.transfer.catalog import Columns, quote


class SQLiteBackend:
    def is_virtual(self, session: Session, table: str) -> bool:
        sql = session.scalar(
            "SELECT sql FROM sqlite_master WHERE type='table' AND name=?", (table,)
        )
        return bool(sql) and str(sql).upper().startswith("CREATE VIRTUAL TABLE")

    def shadow_tables(self, session: Session, table: str) -> list[str]:
        """The ordinary tables that hold virtual table `table`'s data (FTS5 keeps its
        index in `<table>_data`, `_idx`, `_docsize`, `_config`)."""
        rows = session.all("SELECT name, type FROM pragma_table_list WHERE schema='main'")
        return sorted(
            r["name"] for r in rows if r["type"] == "shadow" and r["name"].startswith(table + "_")
        )

    def ordinary_tables(self, session: Session) -> list[str]:
        rows = session.all("SELECT name, type FROM pragma_table_list WHERE schema='main'")
        return [
            r["name"]
            for r in rows
            if r["type"] in ("table", "shadow") and not r["name"].startswith("sqlite_")
        ]

    def columns(self, session: Session, table: str) -> Columns:
        # table_xinfo's `hidden`: 0 an ordinary column, 2 and 3 generated ones.
        rows = session.all("SELECT name, hidden FROM pragma_table_xinfo(?)", (table,))
        return Columns(
            tuple(r["name"] for r in rows), tuple(r["name"] for r in rows if r["hidden"] == 0)
        )

    def primary_key(self, session: Session, table: str) -> tuple[str, ...]:
        rows = session.all(
            "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", (table,)
        )
        return tuple(r["name"] for r in rows)

    def fetch(self, session: Session, sql: str, params: Sequence[Any]) -> list[Any]:
        return session.all(sql, params)

    def begin_snapshot(self, session: Session) -> None:
        # A deferred transaction: its first read fixes the snapshot (WAL), and writers
        # go on meanwhile.
        session.begin(exclusive=False)

    def write_rows(
        self, session: Session, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        session.executemany(
            f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))})"
            f" VALUES({marks(len(columns))})",
            rows,
        )

    def after_write(self, session: Session, table: str) -> None:
        """Nothing: an INTEGER PRIMARY KEY's next id is max(id) + 1 by itself."""


BACKEND = SQLiteBackend()
