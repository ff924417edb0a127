"""Where an archive lives, and opening it on the right backend.

`--db` (or `$NEWSARCHIVE_DB`) names either a file, the embedded SQLite default, or a
PostgreSQL database as a ``postgresql://`` URL. The backend is chosen here, once, from
that address; an address is never taken for a file name.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from newsarchive.archive import sqlite
from newsarchive.archive.session import ArchiveError, Schema, Session

# The PostgreSQL adapter (and psycopg, ~0.35 s to import) is loaded only for a
# postgresql:// address: a command on a SQLite archive never pays for it.
POSTGRES_SCHEMES = ("postgresql://", "postgres://")

DEFAULT_DB = "newsarchive.db"

# What `--db` names: a file path, or a PostgreSQL URL (kept as a string: as a Path,
# "postgresql://host/db" would lose a slash).
Address = Path | str

__all__ = ["DEFAULT_DB", "Address", "ArchiveError", "open_session", "resolve_address"]


def resolve_address(explicit: str | os.PathLike[str] | None = None) -> Address:
    """`--db ADDRESS`, else `$NEWSARCHIVE_DB`, else `./newsarchive.db`."""
    value = os.fspath(explicit) if explicit else os.environ.get("NEWSARCHIVE_DB") or DEFAULT_DB
    if value.startswith(POSTGRES_SCHEMES):
        return value
    if "://" in value:
        scheme = value.split("://", 1)[0]
        raise ArchiveError(
            f"{value}: unknown archive address scheme {scheme!r} "
            "(give a file path or a postgresql:// URL)"
        )
    return Path(value)


def describe(address: Address) -> str:
    """The address as shown to people (a URL without its password)."""
    if not isinstance(address, str):
        return str(address)
    from newsarchive.archive import postgres

    return postgres.redact(address)


def open_session(
    address: Address, schemas: Sequence[Schema], *, readonly: bool = False, create: bool = True
) -> Session:
    if isinstance(address, str):
        from newsarchive.archive import postgres

        return postgres.connect(address, schemas, readonly=readonly, create=create)
    return sqlite.connect(address, schemas, readonly=readonly, create=create)
