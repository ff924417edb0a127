"""Turning query parameters into library arguments, with errors a user can act on."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from fastapi import HTTPException

# The largest integer SQLite stores: an id or offset beyond it can name nothing, and
# binding it raised OverflowError (a plain 500). Path and query integers are bounded by it.
SQL_INT_MAX = 2**63 - 1


def parse_when(name: str, value: str | None, *, end: bool = False) -> datetime | None:
    """`YYYY-MM-DD` (UTC; as `until` the whole day is included) or an ISO 8601 instant
    (UTC when it has no offset). Empty means no bound."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            # The day's last instant directly: adding a day to 9999-12-31 overflowed.
            return datetime.combine(day, time.max if end else time(), UTC)
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HTTPException(
            422, f"{name}: {value!r} is not a date (use YYYY-MM-DD or ISO 8601)"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def date_range(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    start, stop = parse_when("since", since), parse_when("until", until, end=True)
    if start and stop and start > stop:
        raise HTTPException(400, f"since ({since}) is after until ({until})")
    return start, stop


def query_text(q: str | None, *, required: bool = True) -> str:
    text = (q or "").strip()
    if required and not text:
        raise HTTPException(400, "q: the query is empty; type one or more words to search for")
    return text
