"""The work a fetch pass hands to its thread pool, and how it hands it out.

Each job fetches one source (and parses it) or one page; it never touches the archive
(run.py does, on the calling thread) and never extracts (extraction.py, in processes).
Exceptions from parsers are caught here, so a bug triggered by one hostile feed costs
that source, not the pass.
"""

from __future__ import annotations

import queue
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from newsarchive.collect.extraction import Prepared
from newsarchive.collect.feeds import FeedError, FeedItem, ParsedFeed, listing_links, parse_feed
from newsarchive.collect.http import Fetcher, FetchError, Response
from newsarchive.collect.sources import Source, SourceState


@dataclass(slots=True)
class SourceResult:
    source: Source
    state: SourceState
    response: Response | None = None
    error: FetchError | None = None
    parsed: ParsedFeed | None = None
    parse_error: str | None = None


@dataclass(slots=True)
class PageTask:
    """A page claimed from the archive's page queue (leases.py)."""

    source: Source
    item: FeedItem
    url: str  # canonical
    etag: str | None
    last_modified: str | None


@dataclass(slots=True)
class PageResult:
    task: PageTask
    response: Response | None = None
    error: FetchError | None = None
    prepared: Prepared | None = None
    extract_error: str | None = None
    extract_attempts: int = 0


def fetch_source(fetcher: Fetcher, source: Source, state: SourceState) -> SourceResult:
    result = SourceResult(source, state)
    try:
        result.response = fetcher.get(
            source.url, etag=state.etag, last_modified=state.last_modified
        )
    except FetchError as exc:
        result.error = exc
        return result
    r = result.response
    if r.status == 200:
        try:
            if source.kind == "listing":
                result.parsed = listing_links(r.body, r.url, r.content_type)
            else:
                result.parsed = parse_feed(r.body, r.url, r.content_type)
        except FeedError as exc:
            result.parse_error = str(exc)
        except Exception as exc:  # a parser bug must cost one source, not the pass
            result.parse_error = f"parser failed: {type(exc).__name__}: {exc}"
    return result


def fetch_page(fetcher: Fetcher, task: PageTask) -> PageResult:
    """Only the request: the fetch slot is free again as soon as the body is in, and
    extraction runs elsewhere (extraction.py), overlapping with the next requests."""
    result = PageResult(task)
    try:
        result.response = fetcher.get(
            task.item.url, etag=task.etag, last_modified=task.last_modified
        )
    except FetchError as exc:
        result.error = exc
    return result


class HostScheduler:
    """Submits queued work to the pool, at most `per_host` at a time per host and
    `total` overall, taking hosts in turn, and none while `hold()` says so (the
    pass's back-pressure: too many fetched pages waiting for extraction).

    Finished futures are put on `done` (one queue for every kind of work the pass
    waits for); hand each back to `finished`."""

    def __init__(
        self,
        pool: ThreadPoolExecutor,
        per_host: int,
        total: int,
        done: queue.SimpleQueue[Future[Any]],
        hold: Callable[[], bool] = lambda: False,
    ) -> None:
        self.pool = pool
        self.per_host = per_host
        self.total = total
        self.done = done
        self.hold = hold
        self.queues: dict[str, deque[Callable[[], Any]]] = {}
        self.inflight: dict[str, int] = {}
        self.futures: dict[Future[Any], str] = {}
        self.submitted = 0

    def add(self, url: str, job: Callable[[], Any]) -> None:
        host = (urlsplit(url).hostname or "").lower()
        self.queues.setdefault(host, deque()).append(job)
        self.pump()

    def pump(self) -> None:
        progressed = True
        while progressed and len(self.futures) < self.total and not self.hold():
            progressed = False
            for host, q in self.queues.items():
                if q and self.inflight.get(host, 0) < self.per_host:
                    fut = self.pool.submit(q.popleft())
                    self.futures[fut] = host
                    fut.add_done_callback(self.done.put)
                    self.inflight[host] = self.inflight.get(host, 0) + 1
                    self.submitted += 1
                    progressed = True
                    if len(self.futures) >= self.total:
                        break

    def queued(self) -> int:
        return sum(len(q) for q in self.queues.values())

    def load(self, host: str) -> int:
        """Jobs for `host` waiting or in flight."""
        return len(self.queues.get(host, ())) + self.inflight.get(host, 0)

    def drop_queued(self) -> None:
        for q in self.queues.values():
            q.clear()

    def busy(self) -> bool:
        return bool(self.futures) or self.queued() > 0

    def owns(self, fut: Future[Any]) -> bool:
        return fut in self.futures

    def finished(self, fut: Future[Any]) -> Any:
        """The result of one of our futures taken from `done` (the jobs catch their
        own errors, so this does not raise for a failed request)."""
        host = self.futures.pop(fut)
        self.inflight[host] -= 1
        return fut.result()
