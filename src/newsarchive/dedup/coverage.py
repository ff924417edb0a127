"""How a story was covered: who reported first, which outlets covered it when, and
how many reports came each hour or day (the story page's timeline chart).

Computed from the members' summaries (id, url, outlet, title, published), so the web
app, the API and the static site show the same figures for the same story. Members
without a publication time have no place on a timeline: they are left out here (the
story's member list still shows them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

UNKNOWN_OUTLET = ""  # members without an outlet are counted under this name
HOURLY_UP_TO = timedelta(days=3)  # a story this short is charted per hour, else per day


class Member(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def url(self) -> str: ...
    @property
    def outlet(self) -> str | None: ...
    @property
    def title(self) -> str: ...
    @property
    def published(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class StoryMember:
    """A member for callers that have no summary object of their own (the static site)."""

    id: int
    url: str
    outlet: str | None
    title: str
    published: datetime | None


@dataclass(frozen=True, slots=True)
class FirstReport:
    article_id: int
    outlet: str | None
    at: datetime
    title: str
    url: str

    def to_json(self) -> dict[str, object]:
        return {
            "article_id": self.article_id,
            "outlet": self.outlet,
            "at": self.at.isoformat(),
            "title": self.title,
            "url": self.url,
        }


@dataclass(frozen=True, slots=True)
class OutletCoverage:
    outlet: str
    first: datetime
    last: datetime
    articles: int
    first_article: int  # the outlet's first report in the story
    after: timedelta  # how long after the story's first report

    def to_json(self) -> dict[str, object]:
        return {
            "outlet": self.outlet,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "articles": self.articles,
            "first_article": self.first_article,
            "hours_after_first_report": round(self.after.total_seconds() / 3600, 2),
        }


@dataclass(frozen=True, slots=True)
class TimelinePoint:
    period: str  # "2020-07-30T13" per hour, "2020-07-30" per day
    outlet: str | None
    count: int

    def to_json(self) -> dict[str, object]:
        return {"period": self.period, "outlet": self.outlet, "count": self.count}


@dataclass(frozen=True, slots=True)
class Coverage:
    first_report: FirstReport | None
    outlets: list[OutletCoverage]  # in order of their first report
    interval: str  # "hour" or "day"
    timeline: list[TimelinePoint]

    def to_json(self) -> dict[str, object]:
        return {
            "first_report": self.first_report.to_json() if self.first_report else None,
            "outlets_when": [o.to_json() for o in self.outlets],
            "interval": self.interval,
            "timeline": [p.to_json() for p in self.timeline],
        }


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def coverage(members: Iterable[Member]) -> Coverage:
    """The coverage of a story with these members (any order)."""
    dated = sorted(
        ((_utc(m.published), m) for m in members if m.published is not None),
        key=lambda p: (p[0], p[1].id),
    )
    if not dated:
        return Coverage(None, [], "day", [])
    start, first = dated[0]
    report = FirstReport(first.id, first.outlet, start, first.title, first.url)
    by_outlet: dict[str, list[tuple[datetime, int]]] = {}
    for when, m in dated:
        by_outlet.setdefault(m.outlet or UNKNOWN_OUTLET, []).append((when, m.id))
    outlets = [
        OutletCoverage(name, seen[0][0], seen[-1][0], len(seen), seen[0][1], seen[0][0] - start)
        for name, seen in by_outlet.items()  # dicts keep insertion order: first report first
    ]
    interval = "hour" if dated[-1][0] - start <= HOURLY_UP_TO else "day"
    fmt = "%Y-%m-%dT%H" if interval == "hour" else "%Y-%m-%d"
    counts = Counter((when.strftime(fmt), m.outlet or UNKNOWN_OUTLET) for when, m in dated)
    timeline = [TimelinePoint(p, o or None, n) for (p, o), n in sorted(counts.items())]
    return Coverage(report, outlets, interval, timeline)
