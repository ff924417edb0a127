"""The entity page and the figures view in a real browser (Debian's headless chromium):
reached from an article's names, its chart drawn, no CSP or script errors. Screenshots
go to artifacts/web/."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsarchive.web import create_app
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.web.test_browser import free_port

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "web"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is absent"),
]


@pytest.fixture
def server(seeds_db: str) -> Iterator[str]:
    import uvicorn

    port = free_port()
    config = uvicorn.Config(create_app(seeds_db), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def test_entity_page_with_its_chart(server: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="zh-CN")
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
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
        finally:
            browser.close()
    assert problems == []
