"""A story's coverage: first report, which outlets covered it when, reports per hour/day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

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


def _render(env: Any, template: str, **ctx: Any) -> str:
    return str(env.from_string(template).render(**ctx))


def test_both_story_pages_render_the_one_coverage_block() -> None:
    """The first report / outlets-when block is written once: the web app's page and the
    static site's import it, each with its own names, times and links."""
    from importlib import resources

    from newsarchive import i18n
    from newsarchive.publish.site import _environment
    from newsarchive.web.pages import templates

    web_dir = resources.files("newsarchive.web").joinpath("templates")
    pub_dir = resources.files("newsarchive.publish").joinpath("templates")
    for folder in (web_dir, pub_dir):
        page = folder.joinpath("story.html").read_text("utf-8")
        assert 'id="outlets-when"' not in page and "story_coverage(" in page
    c = coverage([M(3, "BBC", T0, "标题<一>"), M(5, "德国之声", T0 + timedelta(hours=2))])
    call = "{{ story_coverage(coverage, chart, name, when, href) }}"
    web = _render(
        templates.env,
        '{% from "_story_coverage.html" import story_coverage with context %}'
        "{% macro when(at) %}{{ at|date(time=True) }}{% endmacro %}"
        "{% macro href(i) %}/articles/{{ i }}{% endmacro %}" + call,
        coverage=c,
        chart="<svg/>",
        name=lambda s: f"[{s}]",
        **i18n.template_functions("en"),
    )
    static = _render(
        _environment(),
        '{% from "web/_story_coverage.html" import story_coverage with context %}'
        '{% macro when(at) %}{{ at.strftime("%Y-%m-%d %H:%M UTC") }}{% endmacro %}'
        "{% macro href(i) %}../a/{{ i }}.html{% endmacro %}" + call,
        coverage=c,
        chart="<svg/>",
        name=lambda s: s,
    )
    for html in (web, static):
        assert html.count('id="first-report"') == html.count('id="outlets-when"') == 1
        assert "First report" in html and "Which outlets covered it when" in html
    assert '<a href="/articles/3">[标题&lt;一&gt;]</a>' in web and "[德国之声]" in web
    assert '<a href="../a/5.html">2020-07-30 14:14 UTC</a>' in static
    assert "标题&lt;一&gt;" in static and "2.0 h" in static
