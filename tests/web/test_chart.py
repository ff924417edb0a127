"""The server-side timeline chart."""

from __future__ import annotations

from dataclasses import dataclass

import lxml.etree

from newsarchive.web.chart import periods, timeline_svg


@dataclass
class B:
    period: str
    outlet: str | None
    count: int


def parse(svg: str) -> lxml.etree._Element:
    return lxml.etree.fromstring(svg.encode())


NS = {"s": "http://www.w3.org/2000/svg"}


def test_periods_fill_gaps_for_each_interval() -> None:
    assert periods(["2020-01-30", "2020-02-02"], "day") == [
        "2020-01-30",
        "2020-01-31",
        "2020-02-01",
        "2020-02-02",
    ]
    assert periods(["2020-W52", "2021-W02"], "week") == [
        "2020-W52",
        "2020-W53",
        "2021-W01",
        "2021-W02",
    ]
    assert periods(["2020-11", "2021-02"], "month") == ["2020-11", "2020-12", "2021-01", "2021-02"]
    assert periods(["b", "a"], "day") == ["a", "b"]  # unknown spelling: as given, sorted
    # a story's first days, per hour, across midnight
    assert periods(["2020-07-30T22", "2020-07-31T01"], "hour") == [
        "2020-07-30T22",
        "2020-07-30T23",
        "2020-07-31T00",
        "2020-07-31T01",
    ]


def test_bars_scale_to_the_peak_and_gaps_are_empty() -> None:
    svg = parse(timeline_svg([B("2020-01", None, 2), B("2020-03", None, 4)], interval="month"))
    bars = svg.findall(".//s:g[@class='bar']", NS)
    assert [b.findtext("s:title", namespaces=NS) for b in bars] == ["2020-01: 2", "2020-03: 4"]
    heights = [float(b.find("s:rect", NS).get("height")) for b in bars]
    assert heights[1] == 2 * heights[0]


def test_stacked_by_outlet_with_legend_and_escaped_labels() -> None:
    buckets = [B("2020-01", "<b>美国之音</b>", 1), B("2020-01", "法广", 2), B("2020-02", "法广", 1)]
    text = timeline_svg(buckets, interval="month", title="a<b & c")
    svg = parse(text)
    assert "<b>" not in text and "&lt;b&gt;美国之音" in text
    first = svg.findall(".//s:g[@class='bar']", NS)[0]
    assert len(first.findall("s:rect", NS)) == 2  # two outlets stacked
    legend = [t.text for t in svg.findall("s:text", NS)]
    assert "法广" in legend and "<b>美国之音</b>" in legend


def test_many_outlets_fold_into_other_and_empty_chart_says_so() -> None:
    buckets = [B("2020-01", f"outlet{i}", 1) for i in range(10)]
    legend = [t.text for t in parse(timeline_svg(buckets, interval="month")).findall("s:text", NS)]
    assert "other" in legend
    assert "No matches" in timeline_svg([], interval="day")
