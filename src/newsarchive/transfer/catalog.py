"""What a copy needs to know of each backend: its catalog (tables, columns, keys), how
it reads one consistent snapshot and how it takes rows in bulk. `transfer.sqlite` and
`transfer.postgres` answer for their backend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from newsarchive.archive import Session


@dataclass(frozen=True, slots=True)
class Columns:
    all: tuple[str, ...]
    # Those an INSERT may name: not computed by the database (generated columns).
    insertable: tuple[str, ...]


class Backend(Protocol):
    def is_virtual(self, session: Session, table: str) -> bool: ...

    def shadow_tables(self, session: Session, table: str) -> list[str]: ...

    def ordinary_tables(self, session: Session) -> list[str]: ...

    def columns(self, session: Session, table: str) -> Columns: ...

    def primary_key(self, session: Session, table: str) -> tuple[str, ...]: ...

    def fetch(self, session: Session, sql: str, params: Sequence[Any]) -> list[Any]: ...

    def begin_snapshot(self, session: Session) -> None: ...

    def write_rows(
        self, session: Session, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None: ...

    def after_write(self, session: Session, table: str) -> None: ...


def quote(name: str) -> str:
    """An identifier as SQL on both backends (names come from catalogs, never users)."""
    return '"' + name.replace('"', '""') + '"'
