"""The archive: storage of articles, versions and captures (SQLite by default)."""

from newsarchive.archive.db import ArchiveError, resolve_db_path
from newsarchive.archive.store import (
    Archive,
    ArchiveHook,
    IngestOutcome,
    IngestResult,
    default_hooks,
    pack_blob,
    prepare_draft,
    prepare_drafts,
)

__all__ = [
    "Archive",
    "ArchiveError",
    "ArchiveHook",
    "IngestOutcome",
    "IngestResult",
    "default_hooks",
    "pack_blob",
    "prepare_draft",
    "prepare_drafts",
    "resolve_db_path",
]
