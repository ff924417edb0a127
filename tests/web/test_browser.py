"""The app in a real browser (Debian's headless chromium): search in Chinese, open an
article, compare two versions, switch script. Screenshots go to artifacts/web/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsarchive.web import create_app
from tests.browser import CHROMIUM, chromium_browser, new_page, serve_app
from tests.web.conftest import build_sample
from tests.web.english import english_words
from tests.web.fakes import Calls
from tests.web.test_i18n import DATA_NAMES

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "web"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is absent"),
]


@pytest.fixture
def server(db_address: str, fakes: Calls) -> Iterator[str]:
    with serve_app(create_app(build_sample(db_address))) as url:
        yield url


def test_search_read_compare_and_switch_script(server: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with chromium_browser() as browser:
        page = new_page(browser, problems, locale="zh-CN")
        page.goto(server + "/")
        page.fill("form.big-search input[name=q]", "芯片 出口管制")
        page.keyboard.press("Enter")
        page.wait_for_selector("li.hit")
        assert "2 条结果" in page.inner_text("#result-count")
        assert page.locator("figure.chart svg rect").count() >= 2
        page.screenshot(path=str(ARTIFACTS / "1-search.png"), full_page=True)

        page.click("li.hit a.title >> text=北大报告")
        page.wait_for_selector("h1#title")
        assert page.inner_text("h1#title") == "北大报告承认美中科技脱钩中国损失更大"
        # Choosing another version submits the compare form (app.js) and shows its diff.
        with page.expect_navigation():
            page.select_option("#compare select[name=from]", "1")
        assert "from=1" in page.url
        assert "目前" in page.inner_text("#diff ins >> nth=0")
        page.screenshot(path=str(ARTIFACTS / "2-article-diff.png"), full_page=True)

        page.click("header .switch a[data-script=traditional]")
        page.wait_for_selector("header .switch strong[data-script=traditional]")
        assert page.inner_text("h1#title") == "北大報告承認美中科技脫鉤中國損失更大"
        assert "from=1" in page.url  # the switch keeps the page and its comparison
        page.screenshot(path=str(ARTIFACTS / "3-traditional.png"), full_page=True)

        # The choice is remembered (cookie) on the next page.
        page.goto(server + "/articles/2")
        assert page.inner_text("h1#title") == "美國擴大對華芯片出口管制"
    assert not problems, problems


# The main pages a reader sees, each screenshotted in every language.
MAIN_PAGES = {
    "home": "/",
    "search": "/search?q=芯片&by_outlet=true",
    "article": "/articles/1",
    "outlets": "/outlets/",
    "outlet": "/outlets/美国之音",
    "stories": "/stories/",
    "story": "/stories/7",
    "admin": "/admin",
    "not-found": "/articles/999",
    "api-docs": "/api/docs",
}


def test_main_pages_in_each_language(server: str) -> None:
    """zh-Hans and zh-Hant pages have no English interface word left (as rendered by
    the browser, after scripts ran); the English pages are English."""
    out = ARTIFACTS / "languages"
    out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    leftovers: dict[str, list[str]] = {}
    with chromium_browser() as browser:
        for lang in ("zh-Hans", "zh-Hant", "en"):
            page = new_page(browser, problems)
            page.goto(f"{server}/?lang={lang}")  # chosen once, remembered after
            for name, path in MAIN_PAGES.items():
                page.goto(server + path)
                if name == "api-docs":
                    page.wait_for_selector("#endpoints .endpoint")
                assert page.get_attribute("html", "lang") == lang, (lang, name)
                page.screenshot(path=str(out / f"{lang}-{name}.png"), full_page=True)
                if lang != "en":
                    words = english_words(page.content(), DATA_NAMES)
                    if words:
                        leftovers[f"{lang} {name}"] = words
                else:
                    assert english_words(page.content(), DATA_NAMES), name
            page.close()
    # The expected 404 of the not-found page is logged by the browser as a console error.
    problems = [m for m in problems if "404" not in m]
    assert not problems, problems
    assert leftovers == {}


def test_story_page_shows_its_timeline_first_report_and_outlets(server: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with chromium_browser() as browser:
        page = new_page(browser, problems, locale="zh-CN")
        page.goto(server + "/stories/")
        page.click("ol.stories a >> text=美中芯片战")
        page.wait_for_selector("#timeline figure.chart svg")
        # one bar per day with reports, and the chart is drawn at a readable size
        assert page.locator("#timeline svg rect").count() >= 2
        box = page.locator("#timeline svg").bounding_box()
        assert box is not None and box["width"] > 400 and box["height"] > 100
        assert "自由亚洲电台" in page.inner_text("#first-report")
        rows = page.locator("table.outlets-when tbody tr")
        assert rows.count() == 2
        assert "美国之音" in rows.nth(1).inner_text()
        page.screenshot(path=str(ARTIFACTS / "4-story.png"), full_page=True)
    assert not problems, problems
