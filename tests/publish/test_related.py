"""Stories and duplicates on the site, through the dedup contract (issue 6), with a
small stand-in for `newsarchive.dedup` so the pages are tested whatever dedup decides."""

from __future__ import annotations

import types
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest

from newsarchive.archive import Archive
from newsarchive.publish import publish
from tests.publish.conftest import ARTICLES


@dataclass
class Member:
    id: int
    url: str
    similarity: float


@dataclass
class Group:
    representative: int
    members: list[Member]


@dataclass
class Story:
    id: int
    label: str
    first: datetime
    last: datetime
    outlets: list[str]
    articles: list[int]
    first_outlet: str | None


def test_story_and_duplicate_pages(
    filled: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [filled.find(a[0]).id for a in ARTICLES]  # type: ignore[union-attr]
    law = Story(7, "香港国安法", datetime(2020, 6, 4, tzinfo=UTC), datetime(2020, 6, 5, tzinfo=UTC),
                ["德国之声", "BBC"], [ids[3], ids[4]], "德国之声")  # fmt: skip
    fake = types.ModuleType("newsarchive.dedup")
    fake.stories = lambda archive, **kw: [law]  # type: ignore[attr-defined]
    fake.duplicate_groups = lambda archive: iter(  # type: ignore[attr-defined]
        [Group(ids[0], [Member(ids[5], "https://www.rfa.org/mandarin/a6.html", 0.91)])]
    )
    monkeypatch.setattr("newsarchive.publish.related.dedup", fake)
    site = tmp_path / "site"
    summary = publish(filled, site)
    assert summary.stories == 1
    story = (site / "s/7.html").read_text("utf-8")
    assert ARTICLES[3][2] in story and ARTICLES[4][2] in story and ARTICLES[0][2] not in story
    # the first report, the timeline chart and which outlets covered it when
    doc = lxml.html.fromstring(story)
    assert len(doc.xpath("//section[@id='timeline']//*[local-name()='rect']")) >= 1
    first = doc.xpath("//section[@id='first-report']//a/@href")
    assert len(first) == 1 and first[0].startswith("../a/0/")
    outlets = doc.xpath("//table[@class='outlets-when']/tbody/tr/td[1]/text()")
    assert sorted(outlets) == sorted({ARTICLES[3][1], ARTICLES[4][1]})
    assert (site / "feeds/s/7.xml").is_file()
    assert "香港国安法" in (site / "index.html").read_text("utf-8")
    page = (site / f"a/0/{ids[3]}.html").read_text("utf-8")
    assert 'href="../../s/7.html"' in page
    dup = (site / f"a/0/{ids[0]}.html").read_text("utf-8")
    assert f'href="../../a/0/{ids[5]}.html"' in dup and "91%" in dup
    back = (site / f"a/0/{ids[5]}.html").read_text("utf-8")
    assert f'href="../../a/0/{ids[0]}.html"' in back  # the representative, both ways
