"""`watch`: poll each source when it is due, forever, until told to stop.

Stopping (SIGTERM, Ctrl-C, or `stop.set()`) never loses completed work: every fetch is
committed as it completes; on a stop the pass starts nothing new, lets requests in
flight finish (bounded by the total timeout) and returns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from newsarchive.archive import Archive
from newsarchive.collect.run import FetchSummary, Progress, fetch_once
from newsarchive.collect.settings import FetchSettings
from newsarchive.collect.sources import list_sources, load_state


def due_sources(archive: Archive, now: datetime) -> tuple[list[str], float | None]:
    """Names of the sources due now, and seconds until the next one is due."""
    due: list[str] = []
    wait: float | None = None
    for s in list_sources(archive):
        nxt = load_state(archive, s.name).next_due
        if nxt is None or nxt <= now:
            due.append(s.name)
        else:
            seconds = (nxt - now).total_seconds()
            wait = seconds if wait is None else min(wait, seconds)
    return due, wait


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
    """Run until `stop` is set; returns the number of passes run.

    A pass that fails as a whole (say, the archive stays locked by another writer for
    longer than its busy timeout) is reported to `on_error` and retried after
    `min_interval`: an unattended watcher must not die of a transient problem."""
    settings = settings or FetchSettings.from_env()
    passes = 0
    while not stop.is_set():
        due, wait = due_sources(archive, datetime.now(UTC))
        if due:
            summary = fetch_once(archive, names=due, settings=settings, stop=stop, on_item=on_item)
            passes += 1
            if on_pass:
                on_pass(due, summary)
            continue
        stop.wait(idle_wait if wait is None else min(max(wait, 0.05), idle_wait))
    return passes
