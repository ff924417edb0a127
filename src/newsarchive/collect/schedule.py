"""When to poll a source next: about as often as it publishes, within bounds.

The interval follows a moving average of the time between new items (estimated on the
first pass from the items' own publication times), grows by half each time a poll
finds nothing new, and backs off exponentially after errors, never below
`min_interval` and never above `max_interval`; a Retry-After is always honoured.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from newsarchive.collect.settings import FetchSettings
from newsarchive.collect.sources import SourceState

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
