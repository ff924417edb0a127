"""Copying a whole archive to another address: SQLite to PostgreSQL, back, or between two
databases of the same backend (`newsarchive copy SRC DST`).

Everything stored is copied with its ids: articles, versions, raw captures, import
errors, the duplicate and story tables and the collection state. The search index is
the exception: its tables differ by backend (FTS5 in SQLite, PostgreSQL's own text
search), so across backends it is rebuilt on the destination from the copied versions
(search's `reindex`); between two archives of the same backend it is copied as it is.

The copy reads the source in one snapshot (a capture never names a version the copy
did not see, even while collectors write) and writes the destination in batches, one
transaction each, read by primary key order (keyset pagination). Each batch records in
the destination's `copy_progress` table how far it got, in the same transaction: a
killed copy resumes where it stopped, and a re-run of a finished copy adds nothing.
Both need the source as it was when the copy began (its tables' row counts and last
keys are recorded then and compared): a source that changed meanwhile is refused, as
is a destination that holds anything but what this copy wrote. Rows changed in place
without any row added or removed cannot be told apart, so stop writers while copying.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from newsarchive.archive import Address, Archive, ArchiveError, Session, resolve_address
from newsarchive.archive.session import marks
from newsarchive.components import SCHEMAS, open_archive
from newsarchive.search import reindex
from newsarchive.transfer.catalog import quote
from newsarchive.transfer.tables import (
    PROGRESS_TABLE,
    Table,
    backend,
    component_tables,
    describe_table,
)

# (what is being done: a table's name or a rebuild, done so far, total)
ProgressFn = Callable[[str, int, int], None]


def _rebuild_search(archive: Archive, on_progress: Callable[[int, int], None]) -> int:
    return reindex(archive, on_progress=on_progress)


# Components whose tables are particular to a backend, and how the destination rebuilds
# them from the copied data when the backends differ.
BACKEND_SPECIFIC: dict[str, Callable[[Archive, Callable[[int, int], None]], int]] = {
    "search": _rebuild_search,
}

# Rows a batch starts with, unless told; it then adapts to hold about `_BATCH_CHARS` of
# text and bytes (a version holds ~20 KB, a duplicate bucket row 16 bytes), growing at
# most twofold a batch, within these bounds.
DEFAULT_BATCH = 1000
_BATCH_CHARS = 16 << 20
_MIN_BATCH, _MAX_BATCH = 50, 50_000


@dataclass(frozen=True, slots=True)
class Step:
    """What a run did to one table or component."""

    name: str
    how: Literal["copied", "replaced", "rebuilt"]
    rows: int  # written in this run
    seconds: float


@dataclass(slots=True)
class CopyReport:
    source: str
    destination: str
    steps: list[Step] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.steps if s.how != "rebuilt")

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.steps)


def copy_archive(
    source: str | Path,
    destination: str | Path,
    *,
    batch: int | None = None,
    on_progress: ProgressFn | None = None,
) -> CopyReport:
    """Copy the archive at `source` into `destination` (created if missing; empty, or a
    copy of `source` an earlier run started or finished). `batch`: rows per transaction
    (default: adapted to the rows' size)."""
    if batch is not None and batch < 1:
        raise ArchiveError(f"batch {batch}: must be at least 1 row")
    src_address, dst_address = resolve_address(source), resolve_address(destination)
    if _same(src_address, dst_address):
        raise ArchiveError(f"{source}: source and destination are the same archive")
    with (
        open_archive(src_address, readonly=True, create=False, hooks=[]) as src,
        open_archive(dst_address, hooks=[]) as dst,
    ):
        return _Copy(src, dst, batch, on_progress or (lambda step, done, total: None)).run()


def _same(a: Address, b: Address) -> bool:
    if isinstance(a, Path) and isinstance(b, Path):
        return a.resolve() == b.resolve()
    return a == b


class _Copy:
    def __init__(self, src: Archive, dst: Archive, batch: int | None, progress: ProgressFn) -> None:
        self.src, self.dst = src, dst
        self.batch = batch
        self.progress = progress
        self.report = CopyReport(src.name, dst.name)
        self.same_backend = src.dialect == dst.dialect

    def run(self) -> CopyReport:
        _check_schema_versions(self.src.session)
        backend(self.src.session).begin_snapshot(self.src.session)
        try:
            tables, replaced, rebuilt = self._plan()
            shape = {t.name: self._shape(t) for t in tables}
            state = self._claim_destination(tables, shape)
            copied = 0
            for table in tables:
                copied += self._copy_table(table, state, shape[table.name][0])
            for component, parts in replaced.items():
                if copied or state.get(f"derived:{component}") != "done":
                    self._replace(component, parts)
            for component in rebuilt:
                if copied or state.get(f"derived:{component}") != "done":
                    self._rebuild(component)
        finally:
            if self.src.session.in_transaction:
                self.src.session.rollback()
        return self.report

    def _shape(self, table: Table) -> list[Any]:
        """[rows, last key] of a source table: what a later run compares to tell that
        the source is still the one this copy began from."""
        src = self.src.session
        last = src.one(
            f"SELECT {', '.join(map(quote, table.key))} FROM {quote(table.name)}"
            f" ORDER BY {', '.join(quote(k) + ' DESC' for k in table.key)} LIMIT 1"
        )
        return [_count(src, table.name), None if last is None else _encode_key(list(last))]

    # -- what to copy ------------------------------------------------------------------

    def _plan(self) -> tuple[list[Table], dict[str, list[Table]], list[str]]:
        """The tables copied row by row (resumably), those of a backend-specific
        component copied whole (same backend), and the components rebuilt instead."""
        src, dst = self.src.session, self.dst.session
        tables: list[Table] = []
        replaced: dict[str, list[Table]] = {}
        rebuilt: list[str] = []
        for schema in SCHEMAS:
            specific = schema.component in BACKEND_SPECIFIC
            if specific and not self.same_backend:
                rebuilt.append(schema.component)
                continue
            dst_tables = component_tables(dst, schema)
            planned: list[Table] = []
            for name in component_tables(src, schema):
                if name in dst_tables:
                    planned.append(describe_table(src, dst, schema.component, name))
                elif _count(src, name):
                    raise ArchiveError(
                        f"{dst.name}: has no table {name} ({schema.component}) to hold"
                        f" the rows {src.name} has there"
                    )
            if specific:
                replaced[schema.component] = planned
            else:
                tables.extend(planned)
        return tables, replaced, rebuilt

    # -- the destination's progress ----------------------------------------------------

    def _claim_destination(
        self, tables: list[Table], shape: dict[str, list[Any]]
    ) -> dict[str, Any]:
        """What earlier runs recorded, after checking that the destination is empty, or
        holds exactly what they wrote from this same source, unchanged since."""
        dst = self.dst.session
        fingerprint = _fingerprint(self.src.session)
        counts = {t.name: _count(dst, t.name) for t in tables}
        state = _read_state(dst)
        if not any(counts.values()):
            with self.dst.transaction() as tx:
                tx.execute(
                    f"CREATE TABLE IF NOT EXISTS {PROGRESS_TABLE}"
                    " (item TEXT PRIMARY KEY, value TEXT NOT NULL)"
                )
                tx.execute(f"DELETE FROM {PROGRESS_TABLE}")
                began = {"name": self.src.name, "first": fingerprint, "tables": shape}
                _put(tx, "source", json.dumps(began))
            return {}
        source: dict[str, Any] | None = state.get("source")
        if source is None:
            held = ", ".join(f"{n:,} {t}" for t, n in counts.items() if n)
            raise ArchiveError(
                f"{dst.name}: already holds another archive ({held}); copy into a new,"
                " empty archive"
            )
        if source["first"] != fingerprint:
            raise ArchiveError(
                f"{dst.name}: holds a copy of another archive ({source['name']}), not of"
                f" {self.src.name}; copy into a new, empty archive"
            )
        for table in tables:
            then = source["tables"].get(table.name, [0, None])
            if then != shape[table.name]:
                raise ArchiveError(
                    f"{self.src.name}: has changed since the copy into {dst.name} began"
                    f" ({table.name}: {then[0]:,} rows then, {shape[table.name][0]:,} now);"
                    " copy into a new, empty archive (and stop writers while copying)"
                )
            wrote = state.get(f"table:{table.name}", {}).get("rows", 0)
            if counts[table.name] != wrote:
                raise ArchiveError(
                    f"{dst.name}: table {table.name} holds {counts[table.name]:,} rows where"
                    f" the copy from {source['name']} wrote {wrote:,}: it was changed since;"
                    " copy into a new, empty archive"
                )
        return state

    # -- copying -----------------------------------------------------------------------

    def _copy_table(self, table: Table, state: dict[str, Any], total: int) -> int:
        """Copy the rows of `table` after the last key an earlier run recorded."""
        start = time.perf_counter()
        recorded = state.get(f"table:{table.name}", {})
        after = _decode_key(recorded["after"]) if recorded.get("after") else None
        done = int(recorded.get("rows", 0))
        writer = backend(self.dst.session)
        self.progress(table.name, done, max(total, done))
        copied = 0
        for rows in self._batches(table, after):
            with self.dst.transaction() as tx:
                writer.write_rows(tx, table.name, table.columns, rows)
                writer.after_write(tx, table.name)
                done += len(rows)
                key = [rows[-1][i] for i in table.key_positions()]
                _put(
                    tx, f"table:{table.name}", json.dumps({"after": _encode_key(key), "rows": done})
                )
                if not copied:
                    # The backend-specific data no longer matches the copied rows.
                    tx.execute(f"DELETE FROM {PROGRESS_TABLE} WHERE item LIKE 'derived:%'")
            copied += len(rows)
            self.progress(table.name, done, max(total, done))
        if copied:
            self.report.steps.append(
                Step(table.name, "copied", copied, time.perf_counter() - start)
            )
        return copied

    def _batches(self, table: Table, after: list[Any] | None) -> Iterator[list[Any]]:
        """The source's rows of `table` after key `after`, in key order, in batches whose
        size adapts to the rows' size."""
        src = self.src.session
        keys = ", ".join(map(quote, table.key))
        select = f"SELECT {', '.join(map(quote, table.columns))} FROM {quote(table.name)}"
        order = f" ORDER BY {keys} LIMIT ?"
        after_key = f" WHERE ({keys}) > ({marks(len(table.key))})"
        positions = table.key_positions()
        reader = backend(src)
        limit = self.batch or DEFAULT_BATCH
        while True:
            if after is None:
                rows = reader.fetch(src, select + order, (limit,))
            else:
                rows = reader.fetch(src, select + after_key + order, (*after, limit))
            if not rows:
                return
            yield rows
            if len(rows) < limit:
                return
            after = [rows[-1][i] for i in positions]
            if self.batch is None:
                fit = limit * _BATCH_CHARS // max(_chars(rows), 1)
                limit = max(_MIN_BATCH, min(_MAX_BATCH, 2 * limit, fit))

    def _replace(self, component: str, tables: list[Table]) -> None:
        """Same backend: the component's tables copied whole, in one transaction (an
        SQLite full-text index lives in tables that only make sense all together)."""
        start = time.perf_counter()
        writer = backend(self.dst.session)
        rows = 0
        with self.dst.transaction() as tx:
            for table in reversed(tables):
                tx.execute(f"DELETE FROM {quote(table.name)}")
            for table in tables:
                for batch in self._batches(table, None):
                    writer.write_rows(tx, table.name, table.columns, batch)
                    rows += len(batch)
                    self.progress(component, rows, 0)
                writer.after_write(tx, table.name)
            _put(tx, f"derived:{component}", "done")
        self.report.steps.append(Step(component, "replaced", rows, time.perf_counter() - start))

    def _rebuild(self, component: str) -> None:
        """Across backends: the component rebuilds its data on the destination from the
        copied rows. Marked done in the same transaction, so a copy killed while
        rebuilding rebuilds again when it is run again."""
        start = time.perf_counter()
        step = f"{component} (rebuilding)"
        with self.dst.transaction() as tx:
            n = BACKEND_SPECIFIC[component](
                self.dst, lambda done, total: self.progress(step, done, total)
            )
            _put(tx, f"derived:{component}", "done")
        self.report.steps.append(Step(component, "rebuilt", n, time.perf_counter() - start))


# -- helpers ----------------------------------------------------------------------------


def _check_schema_versions(src: Session) -> None:
    """The source is opened read-only, so never migrated: it must already be at this
    newsarchive's schema (the destination is migrated when opened)."""
    done = {r[0]: r[1] for r in src.all("SELECT component, version FROM schema_migrations")}
    for schema in SCHEMAS:
        want = len(schema.migrations(src.dialect))
        if done.get(schema.component, 0) != want:
            raise ArchiveError(
                f"{src.name}: its {schema.component} tables are at schema version"
                f" {done.get(schema.component, 0)}, this newsarchive's at {want}: open it once"
                " with this newsarchive for writing (e.g. `newsarchive sources list --db"
                " SRC`), then copy"
            )


def _count(session: Session, table: str) -> int:
    return int(session.scalar(f"SELECT count(*) FROM {quote(table)}"))


def _fingerprint(src: Session) -> list[Any] | None:
    """What tells one archive from another: its first article's URL and when it was
    first seen (to the microsecond)."""
    row = src.one("SELECT url, first_seen FROM articles ORDER BY id LIMIT 1")
    return None if row is None else [row[0], row[1]]


def _read_state(dst: Session) -> dict[str, Any]:
    if not dst.table_exists(PROGRESS_TABLE):
        return {}
    state: dict[str, Any] = {}
    for item, value in dst.all(f"SELECT item, value FROM {PROGRESS_TABLE}"):
        state[item] = value if item.startswith("derived:") else json.loads(value)
    return state


def _put(tx: Session, item: str, value: str) -> None:
    tx.execute(
        f"INSERT INTO {PROGRESS_TABLE}(item, value) VALUES(?, ?)"
        " ON CONFLICT(item) DO UPDATE SET value = excluded.value",
        (item, value),
    )


def _encode_key(key: list[Any]) -> list[Any]:
    # A key may be bytes (FTS5's term index): JSON holds it as hex.
    return [{"hex": v.hex()} if isinstance(v, bytes | memoryview) else v for v in key]


def _decode_key(key: list[Any]) -> list[Any]:
    return [bytes.fromhex(v["hex"]) if isinstance(v, dict) else v for v in key]


def _chars(rows: list[Any]) -> int:
    """Roughly how much a batch holds, from a sample of its rows: characters and bytes,
    8 for anything else (summing every value cost 7% of a copy's time)."""
    step = max(1, len(rows) // 32)
    sample = rows[::step]
    size = sum(len(v) if isinstance(v, str | bytes) else 8 for row in sample for v in row)
    return size * len(rows) // len(sample)
