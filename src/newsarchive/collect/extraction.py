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
from newsarchive.workers import init_worker, worker_context, worker_hooks

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
_PRELOAD = [
    "newsarchive.extract",
    "newsarchive.search.index",
    "newsarchive.dedup.index",
    "newsarchive.collect.extraction",
]


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


class ExtractionPool:
    """`submit(raw, item, outlet)` → a Future of `Extracted`.

    With `processes=0` the work runs at once in the calling thread (small passes and
    tests)."""

    def __init__(
        self, processes: int, hooks: Sequence[ArchiveHook], extract: Extractor | None = None
    ) -> None:
        self.processes = processes
        self.hooks = list(hooks)
        self.extract = extract
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.processes,
                mp_context=worker_context(_PRELOAD),
                initializer=init_worker,
                initargs=(self.hooks,),
            )
        return self._pool

    def submit(self, raw: bytes, item: FeedItem, outlet: str | None) -> Future[Extracted]:
        if self.processes <= 0:
            fut: Future[Extracted] = Future()
            fut.set_result(extract_for_item(raw, item, outlet, self.extract, self.hooks))
            return fut
        try:
            return self._executor().submit(_in_worker, raw, item, outlet, self.extract)
        except BrokenProcessPool:
            # A worker died (say, killed by the OOM killer on a hostile page): every page
            # the pool held fails with WORKER_DIED; start a fresh pool for the rest.
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            return self._executor().submit(_in_worker, raw, item, outlet, self.extract)


def outcome_of(fut: Future[Extracted]) -> Extracted:
    """The result of a finished extraction; a dead worker becomes a reason too."""
    try:
        return fut.result()
    except BrokenProcessPool:
        return WORKER_DIED
    except Exception as exc:  # e.g. a draft that could not be pickled back
        return f"extraction failed in the worker: {type(exc).__name__}: {exc}"
