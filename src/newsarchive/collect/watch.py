"""`watch`: poll each source when it is due, forever, until told to stop.

Stopping (SIGTERM, Ctrl-C, or `stop.set()`) never loses completed work: every fetch is
committed as it completes; on a stop the pass starts nothing new, lets requests in
flight finish (bounded by the total timeout), hands back what it had claimed and
returns.

Several watchers (and `fetch` passes) may share one archive, on one machine or many
(leases.py): each due source is polled by one of them, the pages its feed points to
are fetched by whichever has room, and a killed watcher's work goes to the others
when its leases lapse.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from newsarchive.archive import Archive
from newsarchive.collect.leases import Leases
from newsarchive.collect.run import FetchSummary, Progress, run_pass
from newsarchive.collect.schedule import apply_bounds
from newsarchive.collect.settings import FetchSettings

# An idle watcher looks for work this often (seconds) even when no source is due:
# another collector may have queued pages (its feed's), or let leases lapse (killed).
QUEUE_POLL = 2.0


def seconds_until_work(archive: Archive, settings: FetchSettings, now: datetime) -> float | None:
    """0 if a source is due or a page is waiting now; else the seconds until one is
    due or a lease lapses (None: no sources, nothing queued)."""
    return Leases(archive, settings.lease).seconds_until_work(now)


def watch(
    archive: Archive,
    *,
    stop: threading.Event,
    settings: FetchSettings | None = None,
    on_pass: Callable[[list[str], FetchSummary], None] | None = None,
    on_item: Callable[[Progress], None] | None = None,
    on_error: Callable[[Exception], None] | None = None,
    idle_wait: float = 60.0,
) -> int:
    """Run until `stop` is set; returns the number of passes that did something.
    `on_pass(polled sources, summary)` is told about each.

    A pass that fails as a whole (say, the archive stays locked by another writer for
    longer than its busy timeout, or the database connection drops) is reported to
    `on_error` and retried after `min_interval`: an unattended watcher must not die of
    a transient problem. Without `on_error` the error is raised."""
    settings = settings or FetchSettings.from_env()
    passes = 0
    while not stop.is_set():
        try:
            # Sources added, removed or re-planned since the last pass are read afresh
            # from the archive each time; a bound given now applies to old plans too.
            apply_bounds(archive, settings, datetime.now(UTC))
            wait = seconds_until_work(archive, settings, datetime.now(UTC))
            if wait is not None and wait <= 0:
                summary, polled = run_pass(
                    archive, settings=settings, stop=stop, on_item=on_item, due=True
                )
                if summary.sources or summary.pages:
                    passes += 1
                    if on_pass:
                        on_pass(polled, summary)
                    continue
                # Everything was claimed by others first: look again shortly.
                wait = QUEUE_POLL
        except Exception as exc:
            if on_error is None:
                raise
            on_error(exc)
            stop.wait(settings.min_interval)
            continue
        stop.wait(min(idle_wait if wait is None else max(wait, 0.05), QUEUE_POLL))
    return passes
