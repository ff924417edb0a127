"""The archive: storage of articles, versions and captures (SQLite by default,
PostgreSQL for more than one machine). See `session` for the storage seam."""

from newsarchive.archive.db import Address, describe, resolve_address
from newsarchive.archive.session import ArchiveError, Dialect, Schema, Session
from newsarchive.archive.store import (
    Archive,
    ArchiveHook,
    CaptureRow,
    IngestOutcome,
    IngestResult,
    VersionRow,
    pack_blob,
    prepare_draft,
    prepare_drafts,
)

__all__ = [
    "Address",
    "Archive",
    "ArchiveError",
    "ArchiveHook",
    "CaptureRow",
    "Dialect",
    "IngestOutcome",
    "IngestResult",
    "Schema",
    "Session",
    "VersionRow",
    "describe",
    "pack_blob",
    "prepare_draft",
    "prepare_drafts",
    "resolve_address",
]
