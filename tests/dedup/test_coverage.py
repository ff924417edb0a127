"""A story's coverage: first report, which outlets covered it when, reports per hour/day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from newsarchive.dedup.coverage import coverage


@dataclass(frozen=True)
class M:
    id: int
    outlet: str | None
    published: datetime | None
    title: str = "t"
    url: str = "https://example.org/"


T0 = datetime(2020, 7, 30, 12, 14, tzinfo=UTC)


def test_first_report_and_outlets_in_order_of_their_first_report() -> None:
    taipei = timezone(timedelta(hours=8))
    members = [
        M(5, "德国之声", T0 + timedelta(hours=1, minutes=40)),
        M(3, "BBC", T0),
        M(9, "BBC", T0 + timedelta(hours=20)),
        # the same instant written in Taipei time is still the third report
        M(4, "中央社", (T0 + timedelta(hours=3)).astimezone(taipei)),
        M(8, None, None),  # undated: no place on a timeline
    ]
    c = coverage(members)
    assert c.first_report is not None
    assert (c.first_report.article_id, c.first_report.outlet, c.first_report.at) == (3, "BBC", T0)
    assert [(o.outlet, o.articles, o.first_article) for o in c.outlets] == [
        ("BBC", 2, 3),
        ("德国之声", 1, 5),
        ("中央社", 1, 4),
    ]
    assert c.outlets[0].last == T0 + timedelta(hours=20)
    assert c.outlets[2].after == timedelta(hours=3)
    assert c.interval == "hour"
    assert [(p.period, p.outlet, p.count) for p in c.timeline] == [
        ("2020-07-30T12", "BBC", 1),
        ("2020-07-30T13", "德国之声", 1),
        ("2020-07-30T15", "中央社", 1),
        ("2020-07-31T08", "BBC", 1),
    ]
    assert c.to_json()["outlets_when"][1]["hours_after_first_report"] == 1.67


def test_a_longer_story_is_charted_per_day_and_no_dates_means_no_timeline() -> None:
    c = coverage(
        [M(1, "a", T0), M(2, "b", T0 + timedelta(days=5)), M(3, "b", T0 + timedelta(days=5))]
    )
    assert c.interval == "day"
    assert [(p.period, p.count) for p in c.timeline] == [("2020-07-30", 1), ("2020-08-04", 2)]
    empty = coverage([M(1, "a", None)])
    assert empty.first_report is None and empty.timeline == [] and empty.outlets == []
