"""One fetch pass over the sources: feeds, then the articles they point to.

Threads do the network work and parse feeds (workers.py); processes extract the pages
and prepare the drafts for the archive's hooks (extraction.py); only the calling
thread touches the archive, one transaction per batch of completed results, so a pass
interrupted at any point keeps every fetch it completed.

Work is claimed from the archive, not just listed (leases.py): the pass leases the
sources it polls, a feed's pages go to the archive's page queue, and the pass claims
queued pages a few at a time while it has room. Any number of passes, on any number of
machines, can so share one archive's sources; alone, a pass claims everything itself.
What the writer does with each result is in outcomes.py.
"""

from __future__ import annotations

import contextlib
import functools
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from newsarchive.archive import Archive
from newsarchive.collect.extraction import (
    CHUNK_PAGES,
    WORKER_DIED,
    Extracted,
    ExtractionPool,
    Extractor,
    outcome_of,
)
from newsarchive.collect.hostslots import SharedHostGates
from newsarchive.collect.http import Fetcher, Gate
from newsarchive.collect.leases import LeaseKeeper, Leases, QueuedPage
from newsarchive.collect.outcomes import FetchSummary, Outcomes, Progress
from newsarchive.collect.settings import FetchSettings
from newsarchive.collect.sources import Source, SourceError, list_sources, load_state
from newsarchive.collect.workers import (
    HostScheduler,
    PageResult,
    PageTask,
    SourceResult,
    fetch_page,
    fetch_source,
)

# -- the pass ------------------------------------------------------------------------


def fetch_once(
    archive: Archive,
    *,
    source: str | None = None,
    on_item: Callable[[Progress], None] | None = None,
    settings: FetchSettings | None = None,
    stop: threading.Event | None = None,
    names: list[str] | None = None,
    extract: Extractor | None = None,
) -> FetchSummary:
    """Fetch every source (or `source`, or the sources in `names`) once, and the pages
    they point to.

    Collectors working beside this pass on the same archive share the work (leases.py):
    a source one of them polled since this pass began is not polled again, and each
    queued page is fetched by one collector; pages queued by the others are fetched
    here too. Setting `stop` ends the pass early: nothing new is started, requests in
    flight finish and are stored (`summary.interrupted`), and the rest is handed back.
    `extract` replaces `extract_page` (for benchmarks and extraction experiments; it
    must be picklable when `settings.extract_processes` > 0)."""
    if source is not None:
        if all(s.name != source for s in list_sources(archive)):
            raise SourceError(f"no source named {source!r} (see `newsarchive sources list`)")
        names = [source]
    summary, _ = run_pass(
        archive, settings=settings, stop=stop, on_item=on_item, names=names, extract=extract
    )
    return summary


def run_pass(
    archive: Archive,
    *,
    settings: FetchSettings | None = None,
    stop: threading.Event | None = None,
    on_item: Callable[[Progress], None] | None = None,
    names: list[str] | None = None,
    due: bool = False,
    extract: Extractor | None = None,
) -> tuple[FetchSummary, list[str]]:
    """One pass; returns its summary and the sources it polled. `due`: poll only the
    sources due now (`watch`), else each one not polled by anyone since the pass
    began."""
    settings = settings or FetchSettings.from_env()
    stop = stop or threading.Event()
    run = _Pass(archive, settings, stop, on_item, names, due)
    # The pass's second connection: lease renewals and the shared host gates, which
    # must not wait for the writer (whose connection is the archive's).
    coordination = Archive.open(archive.address, schemas=(), hooks=())
    lock = threading.Lock()
    try:
        gates = None
        if archive.dialect == "postgres":
            gates = SharedHostGates(coordination.session, lock, run.leases.holder, settings)
        with (
            LeaseKeeper(coordination.session, lock, run.leases.holder, settings.lease),
            ExtractionPool(settings.extract_processes, archive.hooks, extract) as pool,
        ):
            run.extraction = pool
            _run(run, gates)
        run.leases.release()
        archive.settle()
    except BaseException:
        # Hand back what we hold, if the database still answers; else the leases lapse.
        with contextlib.suppress(Exception):
            run.leases.release()
        raise
    finally:
        coordination.close()
    return run.summary, run.polled


def _run(run: _Pass, gates: Callable[[str], Gate] | None) -> None:
    """Three stages overlap: fetch threads (network, feed parsing), extraction
    processes, and this thread, which claims work, schedules it and is the archive's
    only writer."""
    settings = run.settings
    done: queue.SimpleQueue[Future[Any]] = queue.SimpleQueue()
    # The fetcher's `stop` only cuts retry waits short; requests in flight complete.
    with (
        Fetcher(settings, stop=run.stop, gates=gates) as fetcher,
        ThreadPoolExecutor(settings.workers, thread_name_prefix="newsarchive-fetch") as threads,
    ):
        run.fetcher = fetcher
        run.sched = HostScheduler(
            threads,
            settings.host_concurrency,
            settings.workers,
            done,
            hold=lambda: len(run.extracting) >= run.backlog,
        )
        while True:
            run.drop_if_stopped()
            if not (run.sched.busy() or run.extracting) and not run.claim(force=True):
                break
            _turn(run, done)


# A transaction takes what completes within this window, up to this many results:
# committing each result alone cost ~0.9 ms more CPU per article (measured: 2.67 vs
# 1.74 ms per ingest). A stop loses nothing (the pass finishes what is in flight and
# commits); a killed process loses at most the window's results (their pages' leases
# lapse and another collector fetches them again).
_BATCH_SECONDS = 0.25
_BATCH_MAX = 64


def _turn(run: _Pass, done: queue.SimpleQueue[Future[Any]]) -> None:
    """Wait for what completes within the window, moving each result on at once (a
    freed fetch slot is refilled, a fetched page goes to extraction, more work is
    claimed), then store what needs storing in one transaction. The waiting is done
    outside the transaction: on PostgreSQL the writer lock is the whole archive's, and
    other collectors' writers need it meanwhile."""
    until = time.monotonic() + _BATCH_SECONDS
    results: list[SourceResult | PageResult] = []
    while len(results) < _BATCH_MAX:
        run.claim()
        ready = _ready(done, timeout=max(0.0, min(until - time.monotonic(), 0.05)))
        for fut in ready:
            result = run.finished(fut)
            if result is not None:
                results.append(result)
        run.extraction.flush()
        run.drop_if_stopped()
        run.sched.pump()
        if time.monotonic() >= until or not (run.sched.busy() or run.extracting):
            break
    if results:
        with run.archive.transaction():
            for result in results:
                run.store(result)


def _ready(done: queue.SimpleQueue[Future[Any]], timeout: float = 0.5) -> list[Future[Any]]:
    """Every finished future, waiting up to `timeout` for the first."""
    try:
        ready = [done.get(timeout=timeout)]
    except queue.Empty:
        return []
    while True:
        try:
            ready.append(done.get_nowait())
        except queue.Empty:
            return ready


# After a claim that found nothing, the next waits this long (seconds) unless forced.
_CLAIM_IDLE = 0.2


class _Pass:
    def __init__(
        self,
        archive: Archive,
        settings: FetchSettings,
        stop: threading.Event,
        on_item: Callable[[Progress], None] | None,
        names: list[str] | None,
        due: bool,
    ) -> None:
        self.archive = archive
        self.settings = settings
        self.stop = stop
        self.on_item = on_item
        self.names = names
        self.due = due
        self.started = datetime.now(UTC)
        self.leases = Leases(archive, settings.lease)
        self.summary = FetchSummary()
        self.sources = {s.name: s for s in list_sources(archive)}
        self.polled: list[str] = []
        self.outcomes = Outcomes(
            archive, settings, self.summary, self.leases.holder, self._progress
        )
        self.done = 0
        self.fetcher: Fetcher
        self.sched: HostScheduler
        self.extraction: ExtractionPool
        self.extracting: dict[Future[Extracted], PageResult] = {}
        # Fetched pages waiting for a worker hold their bodies in memory: past this
        # many, no new request starts until the workers catch up. Enough for a full
        # chunk per worker and one more waiting (see CHUNK_PAGES).
        self.backlog = max(settings.workers, CHUNK_PAGES * (max(1, settings.extract_processes) + 1))
        # Claimed and not yet stored: at most these many (enough to keep every fetch
        # thread and the backlog busy; more would only keep pages from the other
        # collectors).
        self.page_window = self.backlog + settings.workers
        self.source_window = settings.workers
        self.active_sources = 0
        self.active_pages = 0
        self._claim_after = 0.0

    def drop_if_stopped(self) -> None:
        """On a stop nothing new starts: what waits for a fetch thread is dropped (its
        leases go back at the end of the pass)."""
        if self.stop.is_set() and self.sched.queued():
            self.sched.drop_queued()
            self.summary.interrupted = True

    # -- claiming work ----------------------------------------------------------------

    def claim(self, *, force: bool = False) -> bool:
        """Lease more sources and pages while there is room (each claim its own short
        transaction); True if anything was claimed. After a claim that found nothing
        the next waits `_CLAIM_IDLE` unless `force`d."""
        if self.stop.is_set() or (not force and time.monotonic() < self._claim_after):
            return False
        got = False
        room = self.source_window - self.active_sources
        if room > 0:
            now = datetime.now(UTC)
            for name in self.leases.claim_sources(
                room,
                names=self.names,
                due_at=now if self.due else None,
                unpolled_since=None if self.due else self.started,
            ):
                self._poll(name)
                got = True
        room = self.page_window - self.active_pages
        if room > 0 and (force or room >= self.page_window // 4 or not self.sched.queued()):
            # A host whose slots are all busy here gets nothing more this time; another
            # gets at most a round of its slots, so that no host has more than two
            # rounds waiting here, the rest being left to the other collectors.
            hc = self.settings.host_concurrency
            full = [h for h in self.sched.queues if self.sched.load(h) >= hc]
            for page in self.leases.claim_pages(
                room, per_host=hc, sources=self.names, skip_hosts=full
            ):
                self._fetch_page(page)
                got = True
        if not got:
            self._claim_after = time.monotonic() + _CLAIM_IDLE
        return got

    def _source(self, name: str) -> Source:
        src = self.sources.get(name)
        if src is None:  # added since the pass began, or removed with pages queued
            self.sources = {s.name: s for s in list_sources(self.archive)}
            src = self.sources.get(name) or Source(name, "", "feed", None)
        return src

    def _poll(self, name: str) -> None:
        src = self._source(name)
        self.polled.append(name)
        self.summary.sources += 1
        self.active_sources += 1
        state = load_state(self.archive, name)
        self.sched.add(src.url, functools.partial(fetch_source, self.fetcher, src, state))

    def _fetch_page(self, page: QueuedPage) -> None:
        self.active_pages += 1
        task = PageTask(
            self._source(page.source), page.item, page.url, page.etag, page.last_modified
        )
        self.sched.add(page.item.url, functools.partial(fetch_page, self.fetcher, task))

    # -- results ------------------------------------------------------------------------

    def finished(self, fut: Future[Any]) -> SourceResult | PageResult | None:
        """Move a finished future on: a fetched page to extraction; a feed, an
        extracted page or a failed request is returned, to be stored."""
        if not self.sched.owns(fut):
            res = self.extracting.pop(fut)
            extracted = outcome_of(fut)
            if extracted == WORKER_DIED and res.extract_attempts < 2:
                # Every page the dead worker's pool held fails with it; all but the one
                # that killed it deserve another try, in a fresh pool.
                self._extract(res)
                return None
            if isinstance(extracted, str):
                res.extract_error = extracted
            else:
                res.prepared = extracted
            return res
        result = self.sched.finished(fut)
        if (
            isinstance(result, PageResult)
            and result.response is not None
            and result.response.status == 200
        ):
            self._extract(result)
            return None
        assert isinstance(result, SourceResult | PageResult)
        return result

    def _extract(self, res: PageResult) -> None:
        assert res.response is not None
        # A retry (its worker died) goes alone: it may be the page that killed it.
        alone = res.extract_attempts > 0
        res.extract_attempts += 1
        fut = self.extraction.submit(
            res.response.body, res.task.item, res.task.source.outlet, alone=alone
        )
        self.extracting[fut] = res
        fut.add_done_callback(self.sched.done.put)

    def _progress(self, kind: str, source: str, url: str, outcome: str) -> None:
        self.done += 1
        if self.on_item:
            total = self.done + self.sched.queued() + len(self.sched.futures) + len(self.extracting)
            self.on_item(Progress(kind, source, url, outcome, self.done, total))

    def store(self, result: SourceResult | PageResult) -> None:
        """Inside the writer's transaction."""
        if isinstance(result, SourceResult):
            self.outcomes.source_done(result)
            self.active_sources -= 1
        else:
            self.outcomes.page_done(result)
            self.active_pages -= 1


__all__ = ["FetchSummary", "Progress", "fetch_once", "run_pass"]
