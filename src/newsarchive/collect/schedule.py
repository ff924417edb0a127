"""When to poll a source next: about as often as it publishes, within bounds.

The interval follows a moving average of the time between new items (estimated on the
first pass from the items' own publication times), grows by half each time a poll
finds nothing new, and backs off exponentially after errors, never below
`min_interval` and never above `max_interval`; a Retry-After is always honoured.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from newsarchive.archive import Archive
from newsarchive.collect.settings import FetchSettings
from newsarchive.collect.sources import SourceState, list_sources, load_state, save_state

_SMOOTHING = 0.3  # weight of the newest observation in the moving average
_GROWTH = 1.5  # interval growth per poll that found nothing new


def _clamp(value: float, settings: FetchSettings) -> float:
    return min(settings.max_interval, max(settings.min_interval, value))


def plan_next(
    state: SourceState,
    settings: FetchSettings,
    now: datetime,
    *,
    ok: bool,
    new_items: int = 0,
    published: Sequence[datetime] = (),
    retry_after: float | None = None,
) -> None:
    """Update `state` (interval, next_due, averages, error streak) after one poll."""
    if not ok:
        state.error_streak += 1
        interval = _clamp(settings.min_interval * 2 ** min(state.error_streak, 20), settings)
    else:
        state.error_streak = 0
        if new_items > 0:
            gap = _observed_gap(state, now, new_items, published)
            if gap is not None:
                state.avg_new_interval = (
                    gap
                    if state.avg_new_interval is None
                    else (1 - _SMOOTHING) * state.avg_new_interval + _SMOOTHING * gap
                )
            state.last_new_item = now
            interval = _clamp(state.avg_new_interval or settings.min_interval, settings)
        else:
            interval = _clamp((state.interval or settings.min_interval) * _GROWTH, settings)
    if retry_after is not None:
        interval = max(interval, retry_after)
    state.interval = interval
    state.next_due = now + timedelta(seconds=interval)


def _observed_gap(
    state: SourceState, now: datetime, new_items: int, published: Sequence[datetime]
) -> float | None:
    if state.last_new_item is not None:
        return max(0.0, (now - state.last_new_item).total_seconds()) / new_items
    dates = sorted(published)
    if len(dates) >= 2:
        span = (dates[-1] - dates[0]).total_seconds()
        if span > 0:
            return span / (len(dates) - 1)
    return None


def apply_bounds(archive: Archive, settings: FetchSettings, now: datetime) -> list[str]:
    """Bring every source's schedule within today's `max_interval`: a source planned
    under a larger bound (a watcher started with 6 h, restarted with 10 min) is due at
    its last attempt plus the new bound, not hours later. Returns the names changed.

    `watch` calls this before each pass, so a new bound applies at once."""
    changed = []
    bound = timedelta(seconds=settings.max_interval)
    for source in list_sources(archive):
        state = load_state(archive, source.name)
        if state.next_due is None:
            continue
        latest = (state.last_attempt or now) + bound
        if state.next_due > latest:
            state.next_due = max(latest, now)
            if state.interval is not None:
                state.interval = min(state.interval, settings.max_interval)
            # Only when no collector holds it (save_state's own condition).
            if save_state(archive, state):
                changed.append(source.name)
    return changed
