"""Which tables an archive copy moves, in which order, and how each is read and written.

The tables come from the components' own migrations (`newsarchive.components.SCHEMAS`),
so a component that adds a table is copied without this module knowing it: each
script's ``CREATE TABLE`` names are read in order (the order also satisfies the foreign
keys: a table only references tables created before it). Columns and primary keys are
then read from each database's catalog, where the truth is.

The catalogs differ by backend; their SQL is in `transfer.sqlite` and
`transfer.postgres`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from newsarchive.archive import ArchiveError, Schema, Session
from newsarchive.transfer import postgres, sqlite
from newsarchive.transfer.catalog import Backend

# The archive's bookkeeping tables, created by the backends themselves (not copied:
# each side has its own) and the copy's own progress table.
PROGRESS_TABLE = "copy_progress"
_NOT_COPIED = {"schema_migrations", "archive_generation", PROGRESS_TABLE}

_COMMENT = re.compile(r"--[^\n]*")
_DDL = re.compile(
    r"\b(CREATE\s+(?:VIRTUAL\s+)?TABLE|DROP\s+TABLE)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?"
    r"[\"'`]?(\w+)",
    re.IGNORECASE,
)


def schema_tables(scripts: Sequence[str]) -> list[str]:
    """The tables that `scripts` leave behind, in the order they were created."""
    tables: list[str] = []
    for script in scripts:
        for verb, name in _DDL.findall(_COMMENT.sub("", script)):
            if verb.upper().startswith("DROP"):
                if name in tables:
                    tables.remove(name)
            elif name not in tables:
                tables.append(name)
    return tables


@dataclass(frozen=True, slots=True)
class Table:
    """One table to copy: the columns written (the destination's insertable columns,
    in its order) and the primary key the source is read by, in key order."""

    component: str
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]

    def key_positions(self) -> tuple[int, ...]:
        return tuple(self.columns.index(k) for k in self.key)


def backend(session: Session) -> Backend:
    return sqlite.BACKEND if session.dialect == "sqlite" else postgres.BACKEND


def component_tables(session: Session, schema: Schema) -> list[str]:
    """`schema`'s tables as they exist in `session`'s database. A virtual table (SQLite
    FTS5) stands for the ordinary tables that hold its data, its "shadow" tables: those
    are what a copy reads and writes."""
    catalog = backend(session)
    tables: list[str] = []
    for name in schema_tables(schema.migrations(session.dialect)):
        if catalog.is_virtual(session, name):
            tables.extend(catalog.shadow_tables(session, name))
        elif session.table_exists(name):
            tables.append(name)
    return tables


def all_tables(session: Session) -> set[str]:
    """Every ordinary table in the database, whoever made it (to check the plan)."""
    return set(backend(session).ordinary_tables(session)) - _NOT_COPIED


def describe_table(src: Session, dst: Session, component: str, name: str) -> Table:
    """How to copy table `name`: refused when the destination cannot hold every column
    the source has (different newsarchive versions, or an unported schema)."""
    src_cols = backend(src).columns(src, name)
    dst_cols = backend(dst).columns(dst, name)
    missing = [c for c in src_cols.all if c not in dst_cols.all]
    if missing:
        raise ArchiveError(
            f"{dst.name}: table {name} has no column {', '.join(missing)} that "
            f"{src.name} has (are both archives at the same newsarchive version?)"
        )
    # Generated columns are computed by the destination itself; columns the source
    # lacks take their defaults.
    columns = tuple(c for c in dst_cols.insertable if c in src_cols.all)
    key = backend(src).primary_key(src, name)
    if not key:
        raise ArchiveError(f"{src.name}: table {name} has no primary key to copy it by")
    absent = [k for k in key if k not in columns]
    if absent:
        raise ArchiveError(f"{dst.name}: table {name} cannot take key column {absent[0]}")
    return Table(component, name, columns, key)
