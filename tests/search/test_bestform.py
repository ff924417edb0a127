"""A term's forms count once (`search.bestform`): an article that writes a name in two
forms (塔利班（Taliban）) does not outrank, on that account, the same report written
with the name once; on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsarchive.archive import Archive
from newsarchive.model import Capture, Draft
from newsarchive.search import engine, search

FILLER = [
    "央行公布上月信贷数据，市场预期货币政策保持稳健。",
    "多地发布暴雨预警，交通部门提醒旅客注意出行安全。",
    "科技公司发布新款手机，分析师认为销量将温和增长。",
    "欧洲议会讨论气候法案，多国代表表达不同立场。",
    "体育赛事恢复观众入场，主办方实施严格防疫措施。",
    "研究机构发布报告，指出全球供应链压力有所缓解。",
]
REPORT = "{name}在阿富汗南部发动攻势，当地政府军撤出两个县城，居民逃往邻近省份避难。"


def _store(archive: Archive, n: int, title: str, text: str) -> int:
    draft = Draft(
        title=title,
        text=text,
        html="",
        url=f"https://example.org/{n}",
        outlet="测试",
        published=datetime(2021, 8, 1, tzinfo=UTC),
    )
    capture = Capture(raw=text.encode(), format="jekyll", location=draft.url or "")
    return archive.ingest(draft, capture).article_id


@pytest.fixture
def reports(archive: Archive) -> tuple[int, int]:
    """(the report naming 塔利班 once, the same report naming it 塔利班（Taliban）)."""
    for n, text in enumerate(FILLER * 3):
        _store(archive, n, f"新闻简报 {n}", text)
    once = _store(archive, 100, "阿富汗局势", REPORT.format(name="塔利班"))
    twice = _store(archive, 101, "阿富汗局势", REPORT.format(name="塔利班（Taliban）"))
    return once, twice


def test_a_second_form_of_the_name_adds_nothing(archive: Archive, reports: tuple[int, int]) -> None:
    once, twice = reports
    hits = [h.id for h in search(archive, "塔利班", limit=10).hits]
    assert hits[:2] == [once, twice]
    # The English form alone still finds both (the alias works both ways) ...
    assert set(h.id for h in search(archive, "Taliban", limit=10).hits) == {once, twice}


def test_without_it_the_two_forms_are_counted_twice(
    archive: Archive, reports: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The check above can fail: the index alone ranks the two-form report first.
    monkeypatch.setattr(engine, "rescored", lambda conn, parsed, whole, rows: list(rows))
    once, twice = reports
    hits = [h.id for h in search(archive, "塔利班", limit=10).hits]
    assert hits[:2] == [twice, once]
