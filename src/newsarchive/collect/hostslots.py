"""Per-host politeness across every collector of a PostgreSQL archive.

One collector limits its own requests per host (`http.HostGate`: `host_concurrency`
in flight, `host_rate` starts a second). Collectors on several machines sharing one
archive must keep those limits together, so on PostgreSQL the gate lives in the
database:

- a host has `host_concurrency` slots (`host_slots` rows); a request holds one, claimed
  with `FOR UPDATE SKIP LOCKED` as a lease that outlasts the longest exchange
  (1.5 × `total_timeout`, plus the pacing wait) and given back when the
  exchange ends. A collector killed mid-request keeps its slot until the lease lapses:
  the server may still be working on that request, so the slot is rightly still busy.
- `host_pace.next_start` is the earliest start of the host's next request; each
  request reserves the next start with one upsert (the row lock orders the
  collectors) and sleeps until it.

Measured against session advisory locks (`pg_try_advisory_lock(host, slot)`, released
with the connection): the same two round trips a request (bench/collect_leases.py), but
a killed collector's locks vanish at once while its request may still be running at
the server, and advisory locks taken by one connection are re-entrant for every thread
sharing it. Rows it is (docs/collect.md, "Several collectors").

Each statement runs alone on the pass's coordination connection (autocommit: one
statement, one short transaction), never inside the writer's transaction, so a request
never waits for the archive's writer lock.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from newsarchive.archive import Session
from newsarchive.collect.leases import now_sql
from newsarchive.collect.settings import FetchSettings

# Polling for a free slot: first wait, longest wait (seconds).
_FIRST_WAIT = 0.01
_LONGEST_WAIT = 0.25


class SharedHostGates:
    """Makes the gate of each host (`Fetcher(gates=...)`); the gates share `session`
    (a connection of the pass's own, not the writer's) under `lock`."""

    def __init__(
        self, session: Session, lock: threading.Lock, holder: str, settings: FetchSettings
    ) -> None:
        assert session.dialect == "postgres", "shared host gates are PostgreSQL's"
        self.session = session
        self.lock = lock
        self.holder = holder
        self.slots = settings.host_concurrency
        self.interval = 1.0 / settings.host_rate
        # The longest a request can hold its slot: the wait for its start (at most one
        # interval per slot ahead of it), then the whole exchange, with half of that
        # again and a second for thread scheduling and slow statements. A killed
        # collector's slots are free again after this (91 s by default).
        self.lease = self.slots * self.interval + 1.5 * settings.total_timeout + 1.0

    def __call__(self, host: str) -> SharedHostGate:
        with self.lock:
            self.session.execute(
                "INSERT INTO host_slots(host, slot) SELECT ?, s FROM generate_series(0, ? - 1) s"
                " ON CONFLICT DO NOTHING",
                (host, self.slots),
            )
        return SharedHostGate(self, host)


class SharedHostGate:
    def __init__(self, gates: SharedHostGates, host: str) -> None:
        self.gates = gates
        self.host = host

    @contextmanager
    def slot(self) -> Iterator[None]:
        slot = self._acquire()
        try:
            delay = self._reserve_start()
            if delay > 0:
                time.sleep(delay)
            yield
        finally:
            self._release(slot)

    def _try(self) -> int | None:
        g = self.gates
        now = now_sql("postgres")
        with g.lock:
            row = g.session.one(
                f"UPDATE host_slots SET holder=?, leased_until={now} + ?"
                " WHERE (host, slot) IN (SELECT host, slot FROM host_slots WHERE host=?"
                f" AND slot < ? AND (leased_until IS NULL OR leased_until <= {now})"
                " ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING slot",
                (g.holder, g.lease, self.host, g.slots),
            )
        return None if row is None else int(row[0])

    def _acquire(self) -> int:
        wait = _FIRST_WAIT
        while True:
            slot = self._try()
            if slot is not None:
                return slot
            # Jittered, so collectors polling for one host do not wake in step.
            time.sleep(wait * random.uniform(0.5, 1.5))
            wait = min(wait * 2, _LONGEST_WAIT)

    def _reserve_start(self) -> float:
        """Seconds to wait before starting: the host's next start is reserved for us,
        and the one after it one interval later."""
        g = self.gates
        now = now_sql("postgres")
        with g.lock:
            delay = g.session.scalar(
                f"INSERT INTO host_pace(host, next_start) VALUES(?, {now} + ?)"
                " ON CONFLICT(host) DO UPDATE"
                f" SET next_start = greatest(host_pace.next_start, {now}) + ?"
                f" RETURNING next_start - ? - {now}",
                (self.host, g.interval, g.interval, g.interval),
            )
        return max(0.0, float(delay or 0.0))

    def _release(self, slot: int) -> None:
        g = self.gates
        with g.lock:
            g.session.execute(
                "UPDATE host_slots SET holder=NULL, leased_until=NULL"
                " WHERE host=? AND slot=? AND holder=?",
                (self.host, slot, g.holder),
            )
