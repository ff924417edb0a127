"""What the dedup stage does only on PostgreSQL (see `newsarchive.dedup.sqlite`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from newsarchive.archive.postgres import driver, translate
from newsarchive.archive.session import Row, Session

# A read snapshot for the story pass: READ COMMITTED (the default) would see commits
# made between its statements; REPEATABLE READ sees one snapshot for the whole
# transaction, and READ ONLY says it takes no locks a writer could wait for.
READ_SNAPSHOT = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"


def pipelined(session: Session, batch: Sequence[tuple[str, Sequence[Any]]]) -> list[list[Row]]:
    """Run `batch` (SQL with ``?`` placeholders, parameters) in order in one round trip
    (psycopg's pipeline mode) and give each statement's rows ([] for those without).

    The hook's statements for one article were five round trips; on the 2-core dev
    machine under load a round trip cost ~0.5-1 ms of waiting for the server process
    to be scheduled, several times the statements' own work."""
    conn = driver(session)
    with conn.pipeline():
        cursors = [conn.execute(translate(sql), params) for sql, params in batch]
    return [cur.fetchall() if cur.description is not None else [] for cur in cursors]
