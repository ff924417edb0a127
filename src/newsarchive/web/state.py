"""Database access for the web app: many readers, one writer.

Reads use one read-only connection per server thread, opened on first use and kept:
opening an SQLite connection costs more than most of our queries, and in WAL mode a
reader sees every committed write without ever waiting for the writer. Writes (import,
fetch, adding a source) run as jobs on a single background thread with its own
read-write connection, as datasette does, so a long import never holds up a page and
two writes never fight over SQLite's lock.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from newsarchive.archive import Address, Archive
from newsarchive.components import open_archive
from newsarchive.model import utcnow

log = logging.getLogger(__name__)


class ReadPool:
    """One read-only `Archive` per thread."""

    def __init__(self, address: Address) -> None:
        self.address = address
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[Archive] = []

    def get(self) -> Archive:
        archive: Archive | None = getattr(self._local, "archive", None)
        if archive is None:
            # No hooks: readers never write, so derived-data hooks have nothing to do.
            archive = open_archive(self.address, readonly=True, create=False)
            self._local.archive = archive
            with self._lock:
                self._all.append(archive)
        return archive

    def close(self) -> None:
        with self._lock:
            for archive in self._all:
                archive.close()
            self._all.clear()
        self._local = threading.local()


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
        self._lock = threading.Lock()
        self._keep = keep
        self._archive: Archive | None = None

    def submit(self, kind: str, params: dict[str, Any], body: JobBody) -> tuple[Job, Future[Any]]:
        with self._lock:
            job = Job(next(self._ids), kind, params)
            self._jobs[job.id] = job
            # Forget the oldest finished jobs so a long-running server does not grow.
            for old in sorted(self._jobs)[: max(0, len(self._jobs) - self._keep)]:
                if self._jobs[old].status in ("done", "failed"):
                    del self._jobs[old]
        return job, self._executor.submit(self._run, job, body)

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
