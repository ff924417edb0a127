"""Article extraction and the archive hooks' preparation, off the fetching process.

`extract_page` (lxml + trafilatura) and the hooks' `prepare` (search segmentation,
duplicate signatures) are pure-Python CPU work, ~12 ms an article together: more than
everything else a pass does per article. In the fetching process they would hold the
interpreter lock against the fetch threads and the archive writer, so a pass runs them
in worker processes, like the importer (`newsarchive.ingest`), and the fetching process
only fetches, schedules and stores drafts the workers have already prepared.

Workers come from a fork server (`newsarchive.workers`, shared with the importer).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from newsarchive.archive import ArchiveHook, pack_blob, prepare_draft
from newsarchive.collect.feeds import FeedItem
from newsarchive.extract import ExtractionError, extract_page, html_to_text, sanitize_html
from newsarchive.model import Draft, Timestamp
from newsarchive.outlets import canonical_outlet
from newsarchive.workers import hook_modules, init_worker, worker_context, worker_hooks

Extractor = Callable[[bytes, str], Draft]


@dataclass(slots=True)
class Prepared:
    """What a worker hands back for a page: the prepared draft, and the raw bytes'
    sha256 and stored form (`pack_blob`), so the writer neither hashes nor compresses
    (the raw bytes themselves stay in the fetching process)."""

    draft: Draft
    digest: str | None = None
    packed: tuple[str, bytes] | None = None


# A prepared page, or the reason there is none (for the fetch-error log).
Extracted = Prepared | str

# The reason given for pages lost with a worker that died; the pass resubmits them once.
WORKER_DIED = "extraction worker died (killed, or crashed on a hostile page)"

# Modules the fork server imports once, so each worker starts with them loaded (this
# module too: unpickling the first task would otherwise import the collect package,
# httpx and feedparser in every worker, ~0.25 s of CPU each).
_PRELOAD = ["newsarchive.extract", "newsarchive.collect.extraction"]


def extract_only(raw: bytes, url: str, extract: Extractor | None = None) -> Draft | str:
    """The draft, or the reason there is none. Exceptions become reasons here: a bug
    triggered by one hostile page costs that page, not the pass."""
    try:
        return (extract or extract_page)(raw, url)
    except ExtractionError as exc:
        return str(exc)
    except Exception as exc:
        return f"extractor failed: {type(exc).__name__}: {exc}"


def extract_for_item(
    raw: bytes,
    item: FeedItem,
    outlet: str | None,
    extract: Extractor | None,
    hooks: Sequence[ArchiveHook],
) -> Extracted:
    """The page of `item`, extracted, completed from the item, and prepared for the
    archive: completed *before* preparing, since the article's identity, content hash
    and index row are computed from the final title and fields."""
    draft = extract_only(raw, item.url, extract)
    if isinstance(draft, str):
        return draft
    complete_from_item(draft, item, outlet)
    try:
        return Prepared(prepare_draft(draft, hooks))
    except Exception as exc:
        # The writer would fail on the same text inside its transaction.
        return f"preparing for the index failed: {type(exc).__name__}: {exc}"


def _in_worker(
    raw: bytes, item: FeedItem, outlet: str | None, extract: Extractor | None
) -> Extracted:
    out = extract_for_item(raw, item, outlet, extract, worker_hooks())
    if isinstance(out, Prepared):
        out.digest = hashlib.sha256(raw).hexdigest()
        out.packed = pack_blob(raw)
    return out


# One page of a chunk: its body, its feed item, and its source's outlet.
Page = tuple[bytes, FeedItem, str | None]


def _chunk_in_worker(pages: list[Page], extract: Extractor | None) -> list[Extracted]:
    return [_in_worker(raw, item, outlet, extract) for raw, item, outlet in pages]


def draft_from_item(item: FeedItem, outlet: str | None, min_chars: int) -> Draft | None:
    """The item itself as an article, when it carries the full text (at least
    `min_chars` characters of it)."""
    body = max(item.content_html, item.summary_html, key=len)
    # Text is never longer than the HTML it comes from: most items (summaries) are
    # turned away here without sanitizing and parsing them.
    if len(body) < min_chars:
        return None
    html = sanitize_html(body)
    text = html_to_text(html)
    if len(text) < min_chars:
        return None
    when = item.published or item.updated
    stamps = {"feed": Timestamp(when, "feed:published")} if when else {}
    return Draft(
        title=item.title,
        text=text,
        html=html,
        url=item.url,
        outlet=canonical_outlet(outlet, item.url),
        published=when,
        author=item.author,
        tags=list(item.tags),
        timestamps=stamps,
    )


def complete_from_item(draft: Draft, item: FeedItem, outlet: str | None) -> None:
    """Fill what the page lacked from the feed item, which names the article's URL."""
    draft.url = item.url
    draft.title = draft.title or item.title
    draft.outlet = canonical_outlet(outlet, item.url) or draft.outlet
    if draft.published is None and (item.published or item.updated):
        draft.published = item.published or item.updated
    if not draft.author and item.author:
        draft.author = item.author
    if item.published:
        draft.timestamps.setdefault("feed", Timestamp(item.published, "feed:published"))
    for tag in item.tags:
        if tag not in draft.tags:
            draft.tags.append(tag)


# Pages go to the workers in chunks: one task per page cost ~1.8 ms of CPU per page in
# pickling, pipes and the pool's bookkeeping threads, most of it in the fetching
# process, which is also the archive's writer. A chunk is sent as soon as a worker is
# idle (so a slow trickle of pages waits for nothing) or when it is this large.
CHUNK_PAGES = 32


class ExtractionPool:
    """`submit(raw, item, outlet)` → a Future of `Extracted`; `flush()` sends the pages
    waiting for a chunk.

    Not thread-safe: one thread (a pass's writer) submits and flushes. With
    `processes=0` the work runs at once in the calling thread (small passes and
    tests)."""

    def __init__(
        self, processes: int, hooks: Sequence[ArchiveHook], extract: Extractor | None = None
    ) -> None:
        self.processes = processes
        self.hooks = list(hooks)
        self.extract = extract
        self._pool: ProcessPoolExecutor | None = None
        self._waiting: list[tuple[Page, Future[Extracted]]] = []
        # Chunks sent and not yet back; their callbacks run on the pool's own thread.
        self._in_flight: set[Future[list[Extracted]]] = set()

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for _, fut in self._waiting:
            fut.cancel()
        self._waiting.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.processes,
                mp_context=worker_context([*_PRELOAD, *hook_modules(self.hooks)]),
                initializer=init_worker,
                initargs=(self.hooks,),
            )
        return self._pool

    def submit(
        self, raw: bytes, item: FeedItem, outlet: str | None, alone: bool = False
    ) -> Future[Extracted]:
        """`alone`: in a chunk of its own (a page retried after its worker died must not
        take innocent pages down with it a second time)."""
        fut: Future[Extracted] = Future()
        if self.processes <= 0:
            fut.set_result(extract_for_item(raw, item, outlet, self.extract, self.hooks))
            return fut
        if alone:
            self._send([((raw, item, outlet), fut)])
        else:
            self._waiting.append(((raw, item, outlet), fut))
            self.flush()
        return fut

    def flush(self) -> None:
        """Send waiting pages to the idle workers, and any full chunk; the rest waits
        for a worker to finish (the caller flushes again then)."""
        while self._waiting:
            idle = self.processes - len(self._in_flight)
            if idle > 0:
                # Split what waits among the idle workers rather than give one all of it.
                size = min(CHUNK_PAGES, -(-len(self._waiting) // idle))
            elif len(self._waiting) >= CHUNK_PAGES:
                size = CHUNK_PAGES
            else:
                return
            chunk, self._waiting = self._waiting[:size], self._waiting[size:]
            self._send(chunk)

    def _send(self, chunk: list[tuple[Page, Future[Extracted]]]) -> None:
        pages = [page for page, _ in chunk]
        try:
            sent = self._executor().submit(_chunk_in_worker, pages, self.extract)
        except BrokenProcessPool:
            # A worker died (say, killed by the OOM killer on a hostile page): every page
            # the pool held fails with WORKER_DIED; start a fresh pool for the rest.
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            sent = self._executor().submit(_chunk_in_worker, pages, self.extract)
        self._in_flight.add(sent)
        sent.add_done_callback(lambda done: self._chunk_done(done, chunk))

    def _chunk_done(
        self, done: Future[list[Extracted]], chunk: list[tuple[Page, Future[Extracted]]]
    ) -> None:
        self._in_flight.discard(done)
        try:
            results = done.result()
        except BaseException as exc:  # a dead worker, or a result that would not unpickle
            for _, fut in chunk:
                fut.set_exception(exc)
            return
        for (_, fut), result in zip(chunk, results, strict=True):
            fut.set_result(result)


def outcome_of(fut: Future[Extracted]) -> Extracted:
    """The result of a finished extraction; a dead worker becomes a reason too."""
    try:
        return fut.result()
    except BrokenProcessPool:
        return WORKER_DIED
    except Exception as exc:  # e.g. a draft that could not be pickled back
        return f"extraction failed in the worker: {type(exc).__name__}: {exc}"
