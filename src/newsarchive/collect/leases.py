"""Leases: how several collectors share one archive's sources and article pages.

Any number of `fetch` passes and `watch` processes, on any number of machines, may
work on one archive (docs/collect.md, "Several collectors"). They coordinate through
the archive's own tables, with no other service:

- a source is polled by the collector holding its lease (`source_state.holder` and
  `leased_until`); the lease ends when the poll's result is stored, in the same
  transaction that sets the source's next due time, so each feed is polled once per
  interval;
- the pages a feed points to go into `page_queue`; a collector claims a few at a time
  (a lease per page) and a page's row leaves the queue in the transaction that stores
  the page, so each page is fetched once;
- a collector renews its leases while it works (`LeaseKeeper`, every third of the
  lease); a killed collector stops renewing and its sources and pages go to the others
  when the lease lapses (`FetchSettings.lease`, 3 minutes by default).

Claims run in short transactions of their own, which on PostgreSQL do not take the
archive's writer lock (`transaction(exclusive=False)`): a claim never waits for a long
import's transaction. They lock the rows they take with `FOR UPDATE SKIP LOCKED`:
claimers never wait for each other, and a row changed by a claim that committed
meanwhile is re-checked against the conditions, so no two collectors take the same
row. Every condition a claim checks is on the row it locks (`next_due` and
`last_attempt` live beside the lease in `source_state`), which is what makes that
re-check sufficient. SQLite has one writer at a time: there a claim takes the write
lock first, and the same statements without the locking clause are exclusive.

Lease times are epoch seconds on the database's clock, so collectors on machines whose
clocks disagree still agree on when a lease lapses.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import socket
import threading
from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from newsarchive.archive import Archive, Session
from newsarchive.archive.session import Dialect, marks
from newsarchive.collect.feeds import FeedItem
from newsarchive.model import utcnow

# The database's clock, in epoch seconds.
_NOW: dict[Dialect, str] = {
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
    "postgres": "extract(epoch from clock_timestamp())::float8",
}


def now_sql(dialect: Dialect) -> str:
    return _NOW[dialect]


def _lock_clause(dialect: Dialect, table: str | None = None) -> str:
    """Lock the rows a claim's subquery selects, skipping those another claim holds
    (PostgreSQL; SQLite's single writer makes its claims exclusive already)."""
    if dialect == "sqlite":
        return ""
    return f" FOR UPDATE{f' OF {table}' if table else ''} SKIP LOCKED"


# The distinct hosts of the page queue, found by skipping through the index on host
# (a loose index scan): one index lookup per host, whatever the queue's length.
_HOSTS = (
    "WITH RECURSIVE hosts(host) AS (SELECT min(host) FROM page_queue UNION ALL"
    " SELECT (SELECT min(host) FROM page_queue WHERE host > hosts.host) FROM hosts"
    " WHERE hosts.host IS NOT NULL) SELECT host FROM hosts WHERE host IS NOT NULL"
)


def new_holder() -> str:
    """A name for this collector, unique across machines and restarts, readable in the
    tables: host, process id and a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


# -- feed items in the queue -------------------------------------------------------


def item_to_json(item: FeedItem) -> str:
    out: dict[str, Any] = {}
    for f in fields(item):
        v = getattr(item, f.name)
        out[f.name] = v.isoformat() if isinstance(v, datetime) else v
    return json.dumps(out, ensure_ascii=False)


def item_from_json(text: str) -> FeedItem:
    data = json.loads(text)
    values: dict[str, Any] = {}
    for f in fields(FeedItem):
        if f.name not in data:
            continue
        v = data[f.name]
        if isinstance(v, str) and "datetime" in str(f.type):
            v = datetime.fromisoformat(v)
        values[f.name] = v
    return FeedItem(**values)


@dataclass(frozen=True, slots=True)
class QueuedPage:
    """A page claimed from the queue: its canonical URL, its source, the feed item that
    pointed to it, and the validators of our last fetch of it."""

    url: str
    source: str
    item: FeedItem
    etag: str | None
    last_modified: str | None


def queue_page(tx: Session, url: str, source: str, item: FeedItem) -> bool:
    """Queue the page of `item` (inside the writer's transaction that read the feed).
    False if it is queued already (by another feed or an earlier poll)."""
    cur = tx.execute(
        "INSERT INTO page_queue(url, source, host, item, queued_at) VALUES(?,?,?,?,?)"
        " ON CONFLICT(url) DO NOTHING",
        (url, source, host_of(item.url), item_to_json(item), utcnow().isoformat()),
    )
    return cur.rowcount > 0


def finish_page(tx: Session, url: str, holder: str) -> bool:
    """The page is stored (or failed for good): it leaves the queue, in the same
    transaction. False if another collector had taken it over (our lease had lapsed):
    the page was then fetched twice, and storing is idempotent."""
    cur = tx.execute("DELETE FROM page_queue WHERE url=? AND holder=?", (url, holder))
    return cur.rowcount > 0


class Leases:
    """One collector's claims on an archive's shared work (used by the pass's writer
    thread; `LeaseKeeper` renews them from its own connection)."""

    def __init__(self, archive: Archive, seconds: float, holder: str | None = None) -> None:
        self.archive = archive
        self.seconds = seconds
        self.holder = holder or new_holder()

    @property
    def _dialect(self) -> Dialect:
        return self.archive.session.dialect

    def _claiming(self) -> AbstractContextManager[Session]:
        """A claim's transaction. On PostgreSQL it skips the archive's writer lock
        (claims must not wait for a long import's transaction; row locks order them).
        On SQLite it takes the write lock at once (BEGIN IMMEDIATE): a deferred
        transaction that reads first cannot take it later if another connection has
        written meanwhile, and fails at once with "database is locked" (measured: 3
        processes claiming from one file) instead of waiting its turn."""
        return self.archive.transaction(exclusive=self._dialect == "sqlite")

    def claim_sources(
        self,
        limit: int,
        *,
        names: Sequence[str] | None = None,
        due_at: datetime | None = None,
        unpolled_since: datetime | None = None,
    ) -> list[str]:
        """Lease up to `limit` sources that nobody holds: of `names` (default all), due
        by `due_at` (`watch`), and/or not polled by anyone since `unpolled_since` (a
        `fetch` pass shares the sources with passes running beside it)."""
        if limit <= 0 or (names is not None and not names):
            return []
        d = self._dialect
        now = now_sql(d)
        where = ["s.removed_at IS NULL", f"(st.leased_until IS NULL OR st.leased_until <= {now})"]
        args: list[Any] = []
        if names is not None:
            where.append(f"st.name IN ({marks(len(names))})")
            args.extend(names)
        if due_at is not None:
            # ISO 8601 UTC text, as `next_due` is stored: compares in time order.
            where.append("(st.next_due IS NULL OR st.next_due <= ?)")
            args.append(due_at.isoformat())
        if unpolled_since is not None:
            where.append("(st.last_attempt IS NULL OR st.last_attempt < ?)")
            args.append(unpolled_since.isoformat())
        with self._claiming() as tx:
            # A claim locks the source's state row: make sure every source has one.
            tx.execute(
                "INSERT INTO source_state(name) SELECT name FROM sources"
                " WHERE removed_at IS NULL ON CONFLICT(name) DO NOTHING"
            )
            rows = tx.all(
                f"UPDATE source_state SET holder=?, leased_until={now} + ?"
                " WHERE name IN (SELECT st.name FROM source_state st"
                " JOIN sources s ON s.name = st.name"
                f" WHERE {' AND '.join(where)}"
                # Never-polled sources first on both backends (NULLs sort apart).
                " ORDER BY st.next_due IS NOT NULL, st.next_due, st.name LIMIT ?"
                f"{_lock_clause(d, 'st')}) RETURNING name",
                (self.holder, self.seconds, *args, limit),
            )
        return sorted(r[0] for r in rows)

    def claim_pages(
        self,
        limit: int,
        *,
        per_host: int,
        sources: Sequence[str] | None = None,
        skip_hosts: Collection[str] = (),
    ) -> list[QueuedPage]:
        """Lease up to `limit` queued pages nobody holds, oldest first within a host
        and at most `per_host` of any host (hosts in random order: each collector
        starts elsewhere): of `sources` (default any) and not on `skip_hosts` (hosts
        this collector has enough of). A collector takes no more of a host than its
        slots can start soon: the rest stays for the others.

        Host by host, through the (host, queued_at, url) index: one statement ranking
        every free page per host cost 7 ms a claim with 500 pages queued and 84 ms
        with 10,000 on PostgreSQL (sorting on a key with few distinct values), and so
        did grouping the free pages by host (19-37 ms with 10,000). The hosts are
        listed by skipping through the index instead (`_HOSTS`), then each host's
        oldest free pages are claimed with one short statement."""
        if limit <= 0 or (sources is not None and not sources):
            return []
        d = self._dialect
        now = now_sql(d)
        where = [f"(leased_until IS NULL OR leased_until <= {now})"]
        args: list[Any] = []
        if sources is not None:
            where.append(f"source IN ({marks(len(sources))})")
            args.extend(sources)
        cond = " AND ".join(where)
        rows: list[Any] = []
        with self._claiming() as tx:
            hosts = [r[0] for r in tx.all(_HOSTS) if r[0] not in skip_hosts]
            random.shuffle(hosts)
            for host in hosts:
                take = min(per_host, limit - len(rows))
                if take <= 0:
                    break
                # Every condition is checked again on the locked row: a page that a
                # claim committed meanwhile is skipped, not taken twice.
                rows += tx.all(
                    f"UPDATE page_queue SET holder=?, leased_until={now} + ?"
                    f" WHERE url IN (SELECT url FROM page_queue WHERE host=? AND {cond}"
                    f" ORDER BY queued_at, url LIMIT ?{_lock_clause(d)})"
                    " RETURNING url, source, item",
                    (self.holder, self.seconds, host, *args, take),
                )
        if not rows:
            return []
        known = {
            r["url"]: r
            for r in self.archive.session.all(
                f"SELECT url, etag, last_modified FROM url_state WHERE url IN ({marks(len(rows))})",
                [r["url"] for r in rows],
            )
        }
        pages = []
        for r in sorted(rows, key=lambda r: str(r["url"])):
            k = known.get(r["url"])
            pages.append(
                QueuedPage(
                    r["url"],
                    r["source"],
                    item_from_json(r["item"]),
                    k["etag"] if k else None,
                    k["last_modified"] if k else None,
                )
            )
        return pages

    def release(self, urls: Collection[str] = ()) -> None:
        """Give back pages we claimed but will not fetch (`urls`; all of ours if
        empty), and every source we still hold, so others need not wait for the
        leases to lapse (a stopped pass, the end of a pass)."""
        with self._claiming() as tx:
            if urls:
                tx.execute(
                    "UPDATE page_queue SET holder=NULL, leased_until=NULL"
                    f" WHERE holder=? AND url IN ({marks(len(urls))})",
                    (self.holder, *urls),
                )
            else:
                tx.execute(
                    "UPDATE page_queue SET holder=NULL, leased_until=NULL WHERE holder=?",
                    (self.holder,),
                )
                tx.execute(
                    "UPDATE source_state SET holder=NULL, leased_until=NULL WHERE holder=?",
                    (self.holder,),
                )

    def seconds_until_work(self, due_at: datetime) -> float | None:
        """How long until a `watch` may find something to claim: 0 if a source is due
        or a page is free now, else the earliest of a due time or another collector's
        lease lapsing; None when there is nothing at all."""
        d = self._dialect
        now = now_sql(d)
        s = self.archive.session
        candidates: list[float] = []
        if s.scalar(
            "SELECT count(*) FROM sources s LEFT JOIN source_state st ON st.name = s.name"
            " WHERE s.removed_at IS NULL AND st.name IS NULL"
        ):
            return 0.0  # a new source
        row = s.one(
            "SELECT min(st.next_due) AS due, min(CASE WHEN st.next_due IS NULL THEN 1 END)"
            f" AS never, min(st.leased_until) - {now} AS lapse"
            " FROM source_state st JOIN sources s ON s.name = st.name"
            " WHERE s.removed_at IS NULL"
        )
        if row is not None:
            if row["never"] is not None:
                return 0.0
            if row["due"] is not None:
                due = datetime.fromisoformat(row["due"])
                candidates.append((due - due_at).total_seconds())
            if row["lapse"] is not None:
                candidates.append(float(row["lapse"]))
        page = s.scalar(f"SELECT min(coalesce(leased_until, 0)) - {now} FROM page_queue")
        if page is not None:
            candidates.append(float(page))
        return max(0.0, min(candidates)) if candidates else None


def renew(session: Session, holder: str, seconds: float) -> None:
    """Extend every lease `holder` has. Rows locked by a transaction in progress (our
    own writer finishing a page, another collector's claim of a lapsed lease) are
    skipped, not waited for: waiting on our own writer could deadlock it."""
    d = session.dialect
    now = now_sql(d)
    for table, key in (("page_queue", "url"), ("source_state", "name")):
        session.execute(
            f"UPDATE {table} SET leased_until={now} + ?"
            f" WHERE {key} IN (SELECT {key} FROM {table} WHERE holder=?{_lock_clause(d)})",
            (seconds, holder),
        )


class LeaseKeeper:
    """Renews a collector's leases every third of their length, from its own
    connection (`session`, shared under `lock` with the host gates), so that a writer
    waiting for the archive's lock behind a long import elsewhere does not lose them."""

    def __init__(self, session: Session, lock: threading.Lock, holder: str, seconds: float) -> None:
        self.session = session
        self.lock = lock
        self.holder = holder
        self.seconds = seconds
        self.errors: list[Exception] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="newsarchive-leases", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.seconds / 3):
            try:
                with self.lock:
                    renew(self.session, self.holder, self.seconds)
            except Exception as exc:  # a dropped connection: try again next round
                self.errors.append(exc)
