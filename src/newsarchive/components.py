"""The composition root: which components an archive is made of, wired in one place.

The archive (`newsarchive.archive`) knows no component; each component (search, dedup,
collection) knows the archive. This module lists them: their schemas, in the order they
are migrated (the core first, since the others reference its tables), and the hooks
that keep their derived data in step inside the archive's transactions. Every command,
the web app, the importer and the collectors open archives through `open_archive`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from newsarchive.archive import Archive, ArchiveHook, Schema
from newsarchive.archive.schema import SCHEMA as ARCHIVE_SCHEMA
from newsarchive.collect.schema import SCHEMA as COLLECT_SCHEMA
from newsarchive.dedup.schema import SCHEMA as DEDUP_SCHEMA
from newsarchive.entities.schema import SCHEMA as ENTITIES_SCHEMA
from newsarchive.history.schema import SCHEMA as HISTORY_SCHEMA
from newsarchive.names.schema import SCHEMA as NAMES_SCHEMA
from newsarchive.search.schema import SCHEMA as SEARCH_SCHEMA
from newsarchive.vectors.schema import SCHEMA as VECTORS_SCHEMA

SCHEMAS: tuple[Schema, ...] = (
    ARCHIVE_SCHEMA,
    SEARCH_SCHEMA,
    DEDUP_SCHEMA,
    COLLECT_SCHEMA,
    VECTORS_SCHEMA,
    ENTITIES_SCHEMA,
    HISTORY_SCHEMA,
    NAMES_SCHEMA,
)


def default_hooks() -> list[ArchiveHook]:
    """The hooks every writing archive runs (fresh objects: hooks hold per-transaction
    state)."""
    # Imported here: a read-only command (search, show) runs no hook, and its start-up
    # should not pay for the indexers' libraries.
    from newsarchive.dedup.index import DedupHook
    from newsarchive.entities.index import EntitiesHook
    from newsarchive.history.state import HistoryHook
    from newsarchive.names.grown import NamesHook
    from newsarchive.search.index import SearchIndexHook
    from newsarchive.vectors.index import VectorHook

    return [
        SearchIndexHook(),
        DedupHook(),
        VectorHook(),
        EntitiesHook(),
        HistoryHook(),
        NamesHook(),
    ]


def open_archive(
    address: str | Path | None = None,
    *,
    readonly: bool = False,
    create: bool = True,
    hooks: Sequence[ArchiveHook] | None = None,
) -> Archive:
    """Open the archive at `address` (a file, or a ``postgresql://`` URL; default
    `$NEWSARCHIVE_DB` or ``./newsarchive.db``) with every component wired in. A
    read-only archive runs no hooks: it never writes."""
    if hooks is None:
        hooks = [] if readonly else default_hooks()
    return Archive.open(address, schemas=SCHEMAS, hooks=hooks, readonly=readonly, create=create)
