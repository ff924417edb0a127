"""What a pass stores when a feed or a page comes back (run.py calls these inside the
writer's transaction): the source's new state and the pages its feed points to, or the
page as an article version, and the errors on the way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from newsarchive.archive import Archive, IngestOutcome, IngestResult
from newsarchive.collect.extraction import WORKER_DIED, draft_from_item
from newsarchive.collect.feeds import FeedItem, ParsedFeed
from newsarchive.collect.http import Response
from newsarchive.collect.leases import finish_page, queue_page
from newsarchive.collect.schedule import plan_next
from newsarchive.collect.settings import FetchSettings
from newsarchive.collect.sources import (
    Source,
    forget_validators,
    record_fetch_error,
    save_feed_response,
    save_state,
    save_url_state,
    url_state,
)
from newsarchive.collect.workers import PageResult, PageTask, SourceResult
from newsarchive.model import Capture, Draft
from newsarchive.urls import canonical_url


@dataclass(slots=True)
class SourceTally:
    """One source's share of a pass: what `watch` logs per source."""

    new: int = 0  # new articles
    changed: int = 0  # new versions of articles stored before this pass
    errors: int = 0
    failed: bool = False  # the feed or listing itself could not be read
    next_poll: str | None = None  # ISO 8601 UTC, when the source was polled this pass


@dataclass(slots=True)
class FetchSummary:
    sources: int = 0  # sources this pass polled
    failed_sources: int = 0  # ... whose feed or listing could not be read
    items: int = 0
    new_articles: int = 0
    new_versions: int = 0
    not_modified: int = 0
    errors: int = 0
    pages: int = 0  # article pages requested
    gone: int = 0  # articles whose page now answers 404/410
    interrupted: bool = False
    per_source: dict[str, SourceTally] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def tally(self, source: str) -> SourceTally:
        found = self.per_source.get(source)
        if found is None:
            found = self.per_source[source] = SourceTally()
        return found

    @property
    def all_sources_failed(self) -> bool:
        """The pass polled sources and could read none of them: a failed fetch."""
        return self.sources > 0 and self.failed_sources == self.sources


@dataclass(frozen=True, slots=True)
class Progress:
    """Passed to `on_item` after each source or page is handled."""

    kind: str  # "source" or "page"
    source: str
    url: str
    outcome: str  # "new_article", "not_modified", "error: ...", ...
    done: int
    queued: int


class Outcomes:
    """`report(kind, source, url, outcome)` is told about each source and page."""

    def __init__(
        self,
        archive: Archive,
        settings: FetchSettings,
        summary: FetchSummary,
        holder: str,
        report: Callable[[str, str, str, str], None],
    ) -> None:
        self.archive = archive
        self.settings = settings
        self.summary = summary
        self.holder = holder
        self.report = report
        self.created: set[int] = set()  # articles first stored in this pass
        self.queued_urls: set[str] = set()

    def _error(self, source: str, url: str, reason: str) -> str:
        self.summary.errors += 1
        self.summary.tally(source).errors += 1
        record_fetch_error(self.archive, source, url, reason)
        return f"error: {reason}"

    def _count(self, source: str, result: IngestResult) -> str:
        if result.outcome is IngestOutcome.NEW_ARTICLE:
            self.summary.new_articles += 1
            self.summary.tally(source).new += 1
            self.created.add(result.article_id)
        elif result.outcome is IngestOutcome.NEW_VERSION and result.article_id not in self.created:
            self.summary.new_versions += 1
            self.summary.tally(source).changed += 1
        return result.outcome.value

    # -- a feed or listing came back ------------------------------------------------

    def source_done(self, res: SourceResult) -> None:
        src, state = res.source, res.state
        now = datetime.now(UTC)
        state.last_attempt = now
        outcome, ok, retry_after, new_items = "", True, None, 0
        published: list[datetime] = []
        r = res.response
        if res.error is not None:
            ok, retry_after = False, res.error.retry_after
            outcome = self._error(src.name, src.url, res.error.reason)
        elif r is not None and r.status == 304:
            self.summary.not_modified += 1
            outcome = "not_modified"
        elif r is not None and r.status != 200:
            ok = False
            outcome = self._error(src.name, src.url, f"HTTP {r.status}")
        elif r is not None:
            save_feed_response(
                self.archive, src.name, r.url, r.observed, r.status, r.headers, r.body
            )
            state.etag = r.headers.get("etag")
            state.last_modified = r.headers.get("last-modified")
            if res.parse_error or res.parsed is None:
                ok = False
                outcome = self._error(src.name, src.url, res.parse_error or "unreadable")
            else:
                if res.parsed.warning:
                    self._error(src.name, src.url, res.parsed.warning)
                new_items, published = self._items(src, res.parsed, r)
                outcome = f"{len(res.parsed.items)} items, {new_items} new"
        if ok:
            state.last_success = now
            state.last_error = None
        else:
            state.last_error = outcome.removeprefix("error: ")
        plan_next(
            state,
            self.settings,
            now,
            ok=ok,
            new_items=new_items,
            published=published,
            retry_after=retry_after,
        )
        tally = self.summary.tally(src.name)
        tally.next_poll = state.next_due.isoformat() if state.next_due else None
        if not ok:
            tally.failed = True
            self.summary.failed_sources += 1
        # Ends our lease on the source, with its next due time, in this transaction.
        save_state(self.archive, state, self.holder)
        self.report("source", src.name, src.url, outcome)

    def _items(self, src: Source, parsed: ParsedFeed, r: Response) -> tuple[int, list[datetime]]:
        """Store full-text items, queue the pages of new or changed items."""
        new_items = 0
        published = [i.published for i in parsed.items if i.published]
        for item in parsed.items:
            self.summary.items += 1
            url = canonical_url(item.url)
            if url in self.queued_urls:
                continue
            known = url_state(self.archive, url)
            if known is not None and known["item_fingerprint"] == item.fingerprint():
                continue  # seen before, unchanged in the feed
            if known is None:
                new_items += 1
            feed_draft = self._feed_draft(src, item)
            if feed_draft is not None:
                capture = Capture(
                    raw=r.body,
                    format="feed",
                    location=f"{r.url}#{item.guid or item.url}",
                    observed=r.observed,
                    http_status=r.status,
                    http_headers=r.headers,
                )
                self._count(src.name, self.archive.ingest(feed_draft, capture))
            self.queued_urls.add(url)
            with self.archive.transaction() as tx:
                queue_page(tx, url, src.name, item)
        return new_items, published

    def _feed_draft(self, src: Source, item: FeedItem) -> Draft | None:
        if src.kind != "feed":
            return None
        return draft_from_item(item, src.outlet, self.settings.full_text_min_chars)

    # -- an article page came back -------------------------------------------------

    def page_done(self, res: PageResult) -> None:
        task, r = res.task, res.response
        src = task.source
        self.summary.pages += 1
        fingerprint = task.item.fingerprint()
        if res.error is not None:
            outcome = self._error(src.name, task.item.url, res.error.reason)
            forget_validators(self.archive, src.name)
        elif r is None:  # pragma: no cover - a result has a response or an error
            outcome = "no response"
        elif r.status == 304:
            self.summary.not_modified += 1
            outcome = "not_modified"
            self._save_url(task, r, fingerprint)
        elif r.status in (404, 410):
            outcome = self._gone(task, r)
            self._save_url(task, r, fingerprint)
        elif r.status != 200:
            outcome = self._error(src.name, task.item.url, f"HTTP {r.status}")
            forget_validators(self.archive, src.name)
        elif res.extract_error == WORKER_DIED:
            # Not the page's fault, as far as we know: fetch it again next pass.
            outcome = self._error(src.name, task.item.url, WORKER_DIED)
            forget_validators(self.archive, src.name)
        else:
            outcome = self._store_page(res, r)
            self._save_url(task, r, fingerprint)
        # Whatever happened, the page leaves the queue in this transaction: a failed
        # page comes back when its source is next read (its validators are forgotten).
        with self.archive.transaction() as tx:
            finish_page(tx, task.url, self.holder)
        self.report("page", src.name, task.item.url, outcome)

    def _save_url(self, task: PageTask, r: Response, fingerprint: str) -> None:
        save_url_state(
            self.archive,
            task.url,
            status=r.status,
            etag=r.headers.get("etag"),
            last_modified=r.headers.get("last-modified"),
            fingerprint=fingerprint,
        )

    def _gone(self, task: PageTask, r: Response) -> str:
        record = self.archive.find(task.url)
        if record is None:
            return self._error(
                task.source.name, task.item.url, f"HTTP {r.status}: gone before we archived it"
            )
        self.archive.mark_gone(record.id, r.status, r.observed)
        self.summary.gone += 1
        return f"gone ({r.status})"

    def _store_page(self, res: PageResult, r: Response) -> str:
        task = res.task
        capture = Capture(
            raw=r.body,
            format="http",
            location=r.url,
            observed=r.observed,
            http_status=r.status,
            http_headers=r.headers,
        )
        if res.prepared is None:
            reason = f"extraction failed: {res.extract_error}"
            outcome = self._error(task.source.name, task.item.url, reason)
            self.archive.record_error(r.url, reason, r.body)
            feed_draft = self._feed_draft(task.source, task.item)
            if feed_draft is not None:
                # Keep the raw page anyway, beside the feed's version of the article.
                self.archive.ingest(feed_draft, capture)
            return outcome
        # Hashed and packed by the worker: the writer neither hashes nor compresses.
        capture.digest, capture.packed = res.prepared.digest, res.prepared.packed
        return self._count(task.source.name, self.archive.ingest(res.prepared.draft, capture))
