"""The entity page and the figures view in a real browser (Debian's headless chromium):
reached from an article's names, its chart drawn, no CSP or script errors. Screenshots
go to artifacts/web/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsarchive.web import create_app
from tests.browser import CHROMIUM, chromium_browser, new_page, serve_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "web"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is absent"),
]


@pytest.fixture
def server(seeds_db: str) -> Iterator[str]:
    with serve_app(create_app(seeds_db)) as url:
        yield url


def test_entity_page_with_its_chart(server: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with chromium_browser() as browser:
        page = new_page(browser, problems, locale="zh-CN")
        page.goto(server + "/articles/5")
        page.click("p.entities a >> text=华为")
        page.wait_for_selector("h1#entity-name")
        assert "Huawei" in page.inner_text("h1#entity-name")
        # Three articles in three months: three bars in the chart.
        assert page.locator("#entity-chart svg rect").count() == 3
        assert "美国商务部" in page.inner_text("section.cooccurring")
        page.screenshot(path=str(ARTIFACTS / "entity-page.png"), full_page=True)
        page.goto(server + "/figures/?q=%E5%9B%BD%E4%BA%A7%E5%8C%96%E7%8E%87")
        assert "5.9%" in page.inner_text("table.figures")
        page.screenshot(path=str(ARTIFACTS / "figures-view.png"), full_page=True)
    assert problems == []
