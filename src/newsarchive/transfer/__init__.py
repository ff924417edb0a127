"""Moving an archive between addresses and backends (`newsarchive copy`)."""

from newsarchive.transfer.copy import BACKEND_SPECIFIC, CopyReport, Step, copy_archive

__all__ = ["BACKEND_SPECIFIC", "CopyReport", "Step", "copy_archive"]
