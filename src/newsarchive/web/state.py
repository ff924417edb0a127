"""Database access for the web app: many readers, one writer.

Reads use read-only connections, opened on first need and kept: opening an SQLite
connection costs more than most of our queries, and in WAL mode a reader sees every
committed write without ever waiting for the writer. A request borrows one connection
for its whole life (`ReadPool.lease`) and no other request touches it meanwhile.

(They were once kept one per server thread and handed out by a dependency. FastAPI runs
a sync dependency and the sync endpoint on *different* pool threads, so an endpoint used
another thread's connection while that thread served another request: 197 of 200
concurrent requests did, and during an import from the command line readers answered
500 "attempt to write a readonly database" or hung for 30-90 s, and the server grew from
137 MB to 1.3-3.4 GB: 40 pool threads each with a connection and its page cache.)

Writes (import, fetch, adding a source) run as jobs on a single background thread with
its own read-write connection, as datasette does, so a long import never holds up a
page and two writes never fight over SQLite's lock.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from newsarchive.archive import Address, Archive
from newsarchive.components import open_archive
from newsarchive.model import utcnow

log = logging.getLogger(__name__)

# Read connections open at once: requests beyond it wait (on the event loop, holding no
# thread) for one to come back; each keeps up to READER_CACHE_KIB of pages. Reads are
# CPU-bound under one GIL, but some take seconds (listing 6,407 stories): with 4, quick
# pages queued behind them (p50 of / 590 ms against 82 ms unbounded; 8 clients on the
# 50,285-article archive after a command-line import); with 16, 112 ms, and the server
# peaked at 514 MiB against 986 MiB before (one 64 MiB-cache connection per pool thread).
# A reader's own page cache buys little: the file's pages stay in the OS cache, shared by
# every connection. bench/server_load.py, 60 s of 8 clients during an import, same load
# (~10-15 on 2 cores): server RSS 386 MB with 16 MiB per reader, 289 MB with 4 MiB.
DEFAULT_READERS = 16
READER_CACHE_KIB = 4 * 1024


class ReadPool:
    """Read-only `Archive`s, each lent to one request at a time."""

    def __init__(self, address: Address, size: int = DEFAULT_READERS) -> None:
        self.address = address
        self.size = size
        self._idle: list[Archive] = []
        self._all: list[Archive] = []
        self._lock = threading.Lock()
        self._slots: asyncio.Semaphore | None = None
        self._slots_loop: asyncio.AbstractEventLoop | None = None
        self._own = threading.local()
        self._owned: list[Archive] = []
        self._closed = False

    def _open(self) -> Archive:
        # No hooks: readers never write, so derived-data hooks have nothing to do.
        archive = open_archive(self.address, readonly=True, create=False)
        archive.session.limit_cache(READER_CACHE_KIB)
        with self._lock:
            self._all.append(archive)
        return archive

    @asynccontextmanager
    async def lease(self) -> AsyncIterator[Archive]:
        """A connection for the caller alone until the block ends. Wait for it here,
        on the event loop; then use it on one thread (the endpoint's) at a time."""
        async with self._slots_here():
            with self._lock:
                archive = self._idle.pop() if self._idle else None
            if archive is None:
                archive = self._open()
            try:
                yield archive
            finally:
                self._give_back(archive)

    def _slots_here(self) -> asyncio.Semaphore:
        """The lending limit, made on the running loop (an asyncio semaphore belongs to
        one loop; a server has one, a test client may start several in turn)."""
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots_loop is not loop:
            self._slots, self._slots_loop = asyncio.Semaphore(self.size), loop
        return self._slots

    def _give_back(self, archive: Archive) -> None:
        if archive.session.in_transaction:  # an endpoint failed inside a read transaction
            archive.session.rollback()
        with self._lock:
            if not self._closed:
                self._idle.append(archive)
                return
            self._all.remove(archive)
        archive.close()

    def own(self) -> Archive:
        """The calling thread's own connection, for work that starts and ends on that
        thread without waiting (the event loop's cache lookups: a lease there could
        make a cache hit wait behind slow requests)."""
        archive: Archive | None = getattr(self._own, "archive", None)
        if archive is None:
            archive = self._own.archive = self._open()
            with self._lock:
                self._owned.append(archive)
        return archive

    def close(self) -> None:
        """Close every connection; those lent out close when they come back."""
        with self._lock:
            self._closed = True
            done = [*self._idle, *self._owned]
            for archive in done:
                self._all.remove(archive)
            self._idle.clear()
            self._owned.clear()
            self._own = threading.local()
        for archive in done:
            archive.close()


@dataclass
class Job:
    id: int
    kind: str
    params: dict[str, Any]
    status: str = "queued"  # queued → running → done | failed
    created: datetime = field(default_factory=utcnow)
    started: datetime | None = None
    finished: datetime | None = None
    result: Any = None
    error: str | None = None
    progress: int = 0  # files or items handled so far

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "params": self.params,
            "status": self.status,
            "created": self.created.isoformat(),
            "started": self.started.isoformat() if self.started else None,
            "finished": self.finished.isoformat() if self.finished else None,
            "progress": self.progress,
            "result": self.result,
            "error": self.error,
        }


# A job body gets the writer's archive and a progress callback; it returns JSON-able data.
JobBody = Callable[[Archive, Callable[[], None]], Any]


class Writer:
    """The single writer: runs write jobs one after another on its own thread."""

    def __init__(self, address: Address, *, keep: int = 200) -> None:
        self.address = address
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsarchive-writer")
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._keep = keep
        self._archive: Archive | None = None
        self._last_submitted: dict[str, float] = {}  # kind -> time.monotonic()

    def submit(self, kind: str, params: dict[str, Any], body: JobBody) -> tuple[Job, Future[Any]]:
        with self._lock:
            job = Job(next(self._ids), kind, params)
            self._jobs[job.id] = job
            # Forget the oldest finished jobs so a long-running server does not grow.
            for old in sorted(self._jobs)[: max(0, len(self._jobs) - self._keep)]:
                if self._jobs[old].status in ("done", "failed"):
                    del self._jobs[old]
        return job, self._executor.submit(self._run, job, body)

    def submit_unless_pending(self, kind: str, body: JobBody, *, every: float = 0.0) -> Job | None:
        """Submit a `kind` job unless one is queued or running, or one was submitted
        less than `every` seconds ago; returns the new job or None."""
        with self._lock:
            pending = any(
                j.kind == kind and j.status in ("queued", "running") for j in self._jobs.values()
            )
            last = self._last_submitted.get(kind)
            if pending or (last is not None and time.monotonic() - last < every):
                return None
            self._last_submitted[kind] = time.monotonic()
            job, _ = self.submit(kind, {}, body)  # (the lock is re-entrant)
            return job

    def job(self, job_id: int) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def jobs(self) -> list[Job]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.id, reverse=True)

    def _run(self, job: Job, body: JobBody) -> Any:
        job.status, job.started = "running", utcnow()

        def tick() -> None:
            job.progress += 1

        try:
            if self._archive is None:
                self._archive = open_archive(self.address)
            job.result = body(self._archive, tick)
        except Exception as exc:
            # Expected failures (bad input, network) carry their reason in the message;
            # the traceback goes to the server log, never to the client.
            job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"
            if isinstance(exc, (ValueError, OSError)):
                log.warning("job %d (%s) failed: %s", job.id, job.kind, exc)
            else:
                log.exception("job %d (%s) failed", job.id, job.kind)
            raise
        else:
            job.status = "done"
        finally:
            job.finished = utcnow()
        return job.result

    def drain(self, timeout: float | None = None) -> None:
        """Wait until every job submitted so far has finished (jobs run in order, so
        an empty job queued now finishes last). Tests use it so that the startup story
        refresh cannot commit in the middle of what they measure."""
        self._executor.submit(lambda: None).result(timeout)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        if self._archive is not None:
            self._archive.close()
            self._archive = None
