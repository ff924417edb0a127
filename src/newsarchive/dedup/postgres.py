"""What the dedup stage does only on PostgreSQL (see `newsarchive.dedup.sqlite`)."""

from __future__ import annotations

from collections.abc import Sequence

from newsarchive.archive.session import Session

# A read snapshot for the story pass: READ COMMITTED (the default) would see commits
# made between its statements; REPEATABLE READ sees one snapshot for the whole
# transaction, and READ ONLY says it takes no locks a writer could wait for.
READ_SNAPSHOT = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"


def store_signature(
    session: Session, row: tuple[object, ...], keys: Sequence[int], max_candidates: int
) -> tuple[tuple[bytes | None, int] | None, list[int], list[int]]:
    """`index.store_signature` in one round trip: the migration's function
    dedup_store_signature runs its statements in the server. `row` is the
    dedup_signatures row; returns (old band keys and version id, bucket mates, edition
    mates).

    Five statements were five round trips, each a wait for the server process to be
    scheduled: under load on the 2-core dev machine ~1 ms each, several times their
    work (a psycopg pipeline of them saved only a fifth of that)."""
    old: tuple[bytes | None, int] | None = None
    candidates: list[int] = []
    editions: list[int] = []
    for found, article_id, band_keys in session.all(
        "SELECT * FROM dedup_store_signature(?::bigint, ?::bigint, ?::integer, ?::integer,"
        " ?::double precision, ?::text, ?::bytea, ?::bigint[], ?::integer)",
        (*row, list(keys), max_candidates),
    ):
        if found == "bucket":
            candidates.append(article_id)
        elif found == "edition":
            editions.append(article_id)
        else:
            old = (band_keys, article_id)
    return old, candidates, editions
