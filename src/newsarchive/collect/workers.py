"""The work a fetch pass hands to its thread pool, and how it hands it out.

Each job fetches one source or one page and parses or extracts it; it never touches the
archive (run.py does, on the calling thread). Exceptions from parsers and the extractor
are caught here, so a bug triggered by one hostile page costs that page, not the pass.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from newsarchive.collect.feeds import FeedError, FeedItem, ParsedFeed, listing_links, parse_feed
from newsarchive.collect.http import Fetcher, FetchError, Response
from newsarchive.collect.sources import Source, SourceState
from newsarchive.extract import ExtractionError, extract_page
from newsarchive.model import Draft


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
    source: Source
    item: FeedItem
    url: str  # canonical
    etag: str | None
    last_modified: str | None
    feed_draft: Draft | None


@dataclass(slots=True)
class PageResult:
    task: PageTask
    response: Response | None = None
    error: FetchError | None = None
    draft: Draft | None = None
    extract_error: str | None = None


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


Extractor = Callable[[bytes, str], Draft]


def fetch_page(fetcher: Fetcher, extract: Extractor, task: PageTask) -> PageResult:
    result = PageResult(task)
    try:
        result.response = fetcher.get(
            task.item.url, etag=task.etag, last_modified=task.last_modified
        )
    except FetchError as exc:
        result.error = exc
        return result
    if result.response.status == 200:
        try:
            result.draft = extract(result.response.body, task.item.url)
        except ExtractionError as exc:
            result.extract_error = str(exc)
        except Exception as exc:  # an extractor bug must cost one page, not the pass
            result.extract_error = f"extractor failed: {type(exc).__name__}: {exc}"
    return result


class HostScheduler:
    """Submits queued work to the pool, at most `per_host` at a time per host and
    `total` overall, taking hosts in turn."""

    def __init__(self, pool: ThreadPoolExecutor, per_host: int, total: int) -> None:
        self.pool = pool
        self.per_host = per_host
        self.total = total
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
        while progressed and len(self.futures) < self.total:
            progressed = False
            for host, q in self.queues.items():
                if q and self.inflight.get(host, 0) < self.per_host:
                    fut = self.pool.submit(q.popleft())
                    self.futures[fut] = host
                    self.inflight[host] = self.inflight.get(host, 0) + 1
                    self.submitted += 1
                    progressed = True
                    if len(self.futures) >= self.total:
                        break

    def queued(self) -> int:
        return sum(len(q) for q in self.queues.values())

    def drop_queued(self) -> None:
        for q in self.queues.values():
            q.clear()

    def busy(self) -> bool:
        return bool(self.futures) or self.queued() > 0

    def completed(self, timeout: float = 0.5) -> list[Any]:
        done, _ = wait(list(self.futures), timeout=timeout, return_when=FIRST_COMPLETED)
        results = []
        for fut in done:
            host = self.futures.pop(fut)
            self.inflight[host] -= 1
            results.append(fut.result())
        self.pump()
        return results


@contextmanager
def extractor(processes: int) -> Iterator[Extractor]:
    """extract_page, in a process pool when asked. The pool comes from a fork server:
    forking this process directly would copy the fetch threads' held locks."""
    if processes <= 0:
        yield extract_page
        return
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["newsarchive.extract"])
    with ProcessPoolExecutor(processes, mp_context=ctx) as procs:

        def extract(raw: bytes, url: str) -> Draft:
            return procs.submit(extract_page, raw, url).result()

        yield extract
